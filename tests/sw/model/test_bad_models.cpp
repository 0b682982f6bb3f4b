// Bad models (issue 8's bad-input campaign and the sanitizer build): absurd shapes, window
// attributes and names are one-line UserErrors naming the file and the node or tensor, never a
// wrapped element count, a division by zero, a huge allocation or an uncaught exception.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "sw/common/error.hpp"
#include "sw/model/graph.hpp"
#include "sw/model/onnx_import.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/onnx_builder.hpp"
#include "tests/sw/model/node_builder.hpp"

namespace lpsim::model {
namespace {

using lpsim::test::error_of;
using lpsim::test::OnnxBuilder;
using test::make;

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

// The import error of `b` saved as `file`; checks the one-line "FILE: ..." form.
std::string import_error(const OnnxBuilder& b, const std::string& file) {
  const std::string path = b.save(file);
  const std::string msg = error_of<UserError>([&] { import_onnx(path); });
  EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  return msg;
}

// x [1,2,8,8] -> Conv(w [4,2,3,3]) -> y, with the conv node returned for attributes.
onnx::NodeProto& conv_model(OnnxBuilder& b, const std::vector<int64_t>& wdims = {4, 2, 3, 3}) {
  b.input("x", {1, 2, 8, 8});
  int64_t n = 1;
  for (int64_t d : wdims) n *= d;
  b.init("w", wdims, std::vector<float>(static_cast<std::size_t>(n), 0.5f));
  b.output("y");
  return b.node("Conv", "conv0", {"x", "w"}, {"y"});
}

// An initializer whose dims are given but whose data is absent.
void bare_init(OnnxBuilder& b, const std::string& name, const std::vector<int64_t>& dims) {
  auto* t = b.graph().add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto_DataType_FLOAT);
  for (int64_t d : dims) t->add_dims(d);
}

// A Gemm reading initializer "w" (built by the caller) from x [1,4].
OnnxBuilder gemm_on(const std::function<void(OnnxBuilder&)>& add_w) {
  OnnxBuilder b;
  b.input("x", {1, 4});
  add_w(b);
  b.output("y");
  b.node("Gemm", "fc", {"x", "w"}, {"y"});
  return b;
}

TEST(BadModels, InitializerDimsWhoseProductWrapsAreRefused) {
  // 2^16 * 2^16 * 2^16 * 2^16 = 2^64 wraps to 0 in 64 bits: it was a 0-element tensor, then
  // a SIGSEGV indexing it.
  OnnxBuilder b;
  b.input("x", {1, 2, 8, 8});
  bare_init(b, "w", {65536, 65536, 65536, 65536});
  b.output("y");
  b.node("Conv", "conv0", {"x", "w"}, {"y"});
  const std::string msg = import_error(b, "bad_wrap.onnx");
  EXPECT_NE(msg.find("tensor 'w'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("more than 2147483647 elements"), std::string::npos) << msg;
}

TEST(BadModels, HugeInitializerDimsWithoutDataAllocateNothing) {
  // 2^62 and [2^40, 4]: length_error / bad_alloc before; [40000, 40000] (1.6e9 values, 6.4 GB)
  // is within the element limit and must be refused by its missing data, not allocated.
  for (const std::vector<int64_t>& dims :
       {std::vector<int64_t>{int64_t{1} << 62, 1}, {int64_t{1} << 40, 4}, {40000, 40000}}) {
    const std::string msg =
        import_error(gemm_on([&](OnnxBuilder& b) { bare_init(b, "w", dims); }), "bad_bare.onnx");
    EXPECT_NE(msg.find("tensor 'w'"), std::string::npos) << msg;
  }
  const std::string msg = import_error(
      gemm_on([&](OnnxBuilder& b) { bare_init(b, "w", {40000, 40000}); }), "bad_bare2.onnx");
  EXPECT_NE(msg.find("has 0 float values, shape [40000,40000] needs 1600000000"),
            std::string::npos)
      << msg;
}

TEST(BadModels, NegativeInitializerDimsAreRefused) {
  const std::string msg =
      import_error(gemm_on([](OnnxBuilder& b) { bare_init(b, "w", {-4, -1}); }), "bad_neg.onnx");
  EXPECT_NE(msg.find("tensor 'w': shape [-4,-1] has a negative dimension"), std::string::npos)
      << msg;
}

TEST(BadModels, ZeroSizedWeightsAreRefused) {
  // A Conv with 0 filters followed by BatchNormalization divided by 0 when folded.
  OnnxBuilder b;
  b.input("x", {1, 2, 8, 8});
  b.init("w", {0, 2, 3, 3}, {});
  for (const char* p : {"g", "bb", "m", "v"}) b.init(p, {0}, {});
  b.output("z");
  b.node("Conv", "conv0", {"x", "w"}, {"y"});
  b.node("BatchNormalization", "bn0", {"y", "g", "bb", "m", "v"}, {"z"});
  const std::string msg = import_error(b, "bad_zero_filters.onnx");
  EXPECT_NE(msg.find("node 'conv0' (Conv): weight shape [0,2,3,3] has a dimension < 1"),
            std::string::npos)
      << msg;
  const std::string g = import_error(gemm_on([](OnnxBuilder& o) { o.init("w", {0, 4}, {}); }),
                                     "bad_zero_gemm.onnx");
  EXPECT_NE(g.find("node 'fc' (Gemm): weight 'w' of shape [0,4] has no values"), std::string::npos)
      << g;
}

TEST(BadModels, AbsurdConvWindowAttributesAreRefused) {
  struct Case {
    const char* key;
    std::vector<int64_t> v;
  };
  for (const Case& c : {Case{"strides", {int64_t{1} << 62, int64_t{1} << 62}},
                        Case{"strides", {kI64Max, 1}},
                        Case{"pads", {kI64Max, kI64Max, kI64Max, kI64Max}},
                        Case{"pads", {0, 0, kI64Max, 0}},
                        Case{"dilations", {int64_t{1} << 40, 1}},
                        Case{"strides", {0, 1}},
                        Case{"pads", {-1, 0, 0, 0}}}) {
    OnnxBuilder b;
    OnnxBuilder::ints(conv_model(b), c.key, c.v);
    const std::string msg = import_error(b, "bad_window.onnx");
    EXPECT_NE(msg.find("node 'conv0' (Conv): "), std::string::npos) << c.key << ": " << msg;
  }
  OnnxBuilder g;
  OnnxBuilder::int1(conv_model(g), "group", kI64Max);
  EXPECT_NE(import_error(g, "bad_group.onnx").find("do not split into"), std::string::npos);
}

TEST(BadModels, AutoPadSameWithAbsurdStridesIsRefused) {
  for (const std::vector<int64_t>& strides :
       {std::vector<int64_t>{0, 0}, {1, 0}, {-3, 1}, {kI64Max, 1}}) {
    OnnxBuilder b;
    auto& c = conv_model(b);
    OnnxBuilder::ints(c, "strides", strides);
    auto* a = c.add_attribute();
    a->set_name("auto_pad");
    a->set_type(onnx::AttributeProto_AttributeType_STRING);
    a->set_s("SAME_UPPER");
    const std::string msg = import_error(b, "bad_same.onnx");
    EXPECT_NE(msg.find("node 'conv0' (Conv): strides "), std::string::npos) << msg;
  }
}

TEST(BadModels, AbsurdPoolKernelsAreRefused) {
  OnnxBuilder b;
  b.input("x", {1, 2, 8, 8});
  b.output("y");
  auto& p = b.node("MaxPool", "pool0", {"x"}, {"y"});
  OnnxBuilder::ints(p, "kernel_shape", {int64_t{1} << 40, 2});
  OnnxBuilder::ints(p, "pads", {kI64Max - 1, 0, 0, 0});
  const std::string msg = import_error(b, "bad_pool.onnx");
  EXPECT_NE(msg.find("node 'pool0' (MaxPool): "), std::string::npos) << msg;
}

TEST(BadModels, NamesThatAreNotUtf8AreRefused) {
  {
    OnnxBuilder b;
    conv_model(b).set_name("conv\xff");
    const std::string msg = import_error(b, "bad_utf8_node.onnx");
    EXPECT_NE(msg.find("node 0's name is not valid UTF-8 (byte 0xff at offset 4)"),
              std::string::npos)
        << msg;
  }
  {
    OnnxBuilder b;
    conv_model(b);
    b.graph().set_name("g\xc3(");  // a lead byte without its continuation
    const std::string msg = import_error(b, "bad_utf8_graph.onnx");
    EXPECT_NE(msg.find("the graph name is not valid UTF-8 (byte 0xc3 at offset 1)"),
              std::string::npos)
        << msg;
  }
  {
    OnnxBuilder b;
    conv_model(b).set_output(0, "y\xed\xa0\x80");  // an encoded surrogate
    const std::string msg = import_error(b, "bad_utf8_out.onnx");
    EXPECT_NE(msg.find("node 0's output 0 is not valid UTF-8"), std::string::npos) << msg;
  }
  // Well-formed multi-byte names are fine.
  OnnxBuilder ok;
  conv_model(ok).set_name("conv_\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  EXPECT_NO_THROW(import_onnx(ok.save("bad_utf8_ok.onnx")));
}

TEST(BadModels, NumElementsNeverWraps) {
  EXPECT_EQ(num_elements({}), 1);
  EXPECT_EQ(num_elements({3, 0, 5}), 0);
  EXPECT_EQ(num_elements({kMaxElements}), kMaxElements);
  EXPECT_NE(error_of<UserError>([] { num_elements({65536, 65536, 65536, 65536}); })
                .find("more than 2147483647 elements"),
            std::string::npos);
  EXPECT_NE(error_of<UserError>([] { num_elements({0, kI64Max}); }).find("dimension larger"),
            std::string::npos);
  EXPECT_NE(error_of<UserError>([] { num_elements({2, -1}); }).find("negative dimension"),
            std::string::npos);
  GemmView v;
  v.m = v.k = v.n = kMaxElements;
  EXPECT_NE(error_of<UserError>([&] { (void)v.macs(); }).find("GEMM MACs"), std::string::npos);
}

TEST(BadModels, GraphShapesStayWithinTheElementLimit) {
  Graph g("t");
  EXPECT_NE(error_of<UserError>([&] { g.add_input("x", {1 << 20, 1 << 20}); })
                .find("input 'x': shape [1048576,1048576] has more than"),
            std::string::npos);
  g.add_input("x", {2, 3});
  // A Reshape target whose known dims overflow int64.
  Node r = make(OpKind::Reshape, "r", {"x"});
  r.attrs.shape = {kMaxElements, kMaxElements, kMaxElements, -1};
  EXPECT_NE(error_of<UserError>([&] { g.add_node(r); }).find("node 'r' (Reshape)"),
            std::string::npos);
  // A Concat whose axis extent passes the limit.
  Graph c("c");
  c.add_input("a", {1, kMaxElements / 2 + 1});
  Node cat = make(OpKind::Concat, "cat", {"a", "a"});
  cat.attrs.axis = 1;
  EXPECT_NE(error_of<UserError>([&] { c.add_node(cat); }).find("node 'cat' (Concat): output"),
            std::string::npos);
}

}  // namespace
}  // namespace lpsim::model
