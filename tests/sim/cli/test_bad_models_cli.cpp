// Bad ONNX models and .npy inputs through the binary (issue 8's crash classes): each is one line
// "lpsim: error: FILE: ..." naming the node or field, exit code 2, nothing on stdout, no output
// directory — never a signal, an "internal error" or an uncaught exception. The parsers' own
// tests (tests/sw/model/test_bad_models.cpp, tests/sim/npy/test_npy.cpp) cover each class in
// detail; these check that the run reports them the same way.
#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "run_fixture.hpp"
#include "tests/support/onnx_builder.hpp"

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

class BadModelsCli : public RunFixture {
 protected:
  // Runs `lpsim run` on a workload reading model.onnx (built by `build`) and checks the
  // one-line error naming the file and containing `needle`.
  void expect_onnx_error(const std::function<void(OnnxBuilder&)>& build, const std::string& needle) {
    OnnxBuilder b;
    build(b);
    std::ofstream(m_dir / "model.onnx", std::ios::binary) << slurp(b.save("cli_bad_model.onnx"));
    expect_error(run("onnx: " + (m_dir / "model.onnx").string() + "\naccelerator: {rows: 4, cols: 4}\n"),
                 (m_dir / "model.onnx").string() + ": ", needle);
  }
  void expect_error(const CommandResult& r, const std::string& file, const std::string& needle) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("lpsim: error: " + file, 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(m_dir / "out"));
  }
};

// x [1,2,8,8] -> Conv(w) -> y; returns the conv node.
onnx::NodeProto& conv(OnnxBuilder& b, const std::vector<int64_t>& wdims = {4, 2, 3, 3}) {
  b.input("x", {1, 2, 8, 8});
  int64_t n = 1;
  for (int64_t d : wdims) n *= d;
  b.init("w", wdims, std::vector<float>(static_cast<std::size_t>(n), 0.25f));
  b.output("y");
  return b.node("Conv", "conv0", {"x", "w"}, {"y"});
}

TEST_F(BadModelsCli, InitializerShapesThatWrapOrHaveNoData) {
  for (const std::vector<int64_t>& dims : {std::vector<int64_t>{65536, 65536, 65536, 65536},
                                           {int64_t{1} << 62, 1, 1, 1}, {1 << 20, 1 << 10, 1, 1}}) {
    expect_onnx_error(
        [&](OnnxBuilder& b) {
          b.input("x", {1, 2, 8, 8});
          auto* t = b.graph().add_initializer();
          t->set_name("w");
          t->set_data_type(onnx::TensorProto_DataType_FLOAT);
          for (int64_t d : dims) t->add_dims(d);
          b.output("y");
          b.node("Conv", "conv0", {"x", "w"}, {"y"});
        },
        "tensor 'w'");
  }
}

TEST_F(BadModelsCli, ZeroFiltersBeforeBatchNormalization) {
  expect_onnx_error(
      [](OnnxBuilder& b) {
        b.input("x", {1, 2, 8, 8});
        b.init("w", {0, 2, 3, 3}, {});
        for (const char* p : {"g", "bb", "m", "v"}) b.init(p, {0}, {});
        b.output("z");
        b.node("Conv", "conv0", {"x", "w"}, {"y"});
        b.node("BatchNormalization", "bn0", {"y", "g", "bb", "m", "v"}, {"z"});
      },
      "node 'conv0' (Conv): weight shape [0,2,3,3]");
}

TEST_F(BadModelsCli, AbsurdWindowAttributes) {
  expect_onnx_error([](OnnxBuilder& b) { OnnxBuilder::ints(conv(b), "strides", {int64_t{1} << 62, 1}); },
                    "node 'conv0' (Conv)");
  expect_onnx_error([](OnnxBuilder& b) { OnnxBuilder::ints(conv(b), "pads", {kI64Max, kI64Max, kI64Max, kI64Max}); },
                    "node 'conv0' (Conv)");
  expect_onnx_error(
      [](OnnxBuilder& b) {
        auto& c = conv(b);
        OnnxBuilder::ints(c, "strides", {0, 1});
        auto* a = c.add_attribute();
        a->set_name("auto_pad");
        a->set_type(onnx::AttributeProto_AttributeType_STRING);
        a->set_s("SAME_UPPER");
      },
      "node 'conv0' (Conv): strides 0");
}

TEST_F(BadModelsCli, NamesThatAreNotUtf8) {
  expect_onnx_error([](OnnxBuilder& b) { conv(b).set_name("conv\xff"); },
                    "node 0's name is not valid UTF-8");
  expect_onnx_error(
      [](OnnxBuilder& b) {
        conv(b);
        b.graph().set_name("graph\xc0");
      },
      "the graph name is not valid UTF-8");
}

TEST_F(BadModelsCli, NpyInputsWithBadShapes) {
  const std::string yaml_head =
      "model: resnet18\nzoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}\n"
      "accelerator: {rows: 8, cols: 8}\ninput: {npy: ";
  for (const std::string& shape : {std::string("-1, 3, 32, 32"), std::string("1, 3, 32, 32, \"x\""),
                                   std::string("99999999999999999999, 3"),
                                   std::string("65536, 65536, 65536, 65536")}) {
    const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }\n";
    std::string bytes = "\x93NUMPY\x01";
    bytes += '\0';
    bytes += static_cast<char>(header.size() & 0xff);
    bytes += static_cast<char>(header.size() >> 8);
    const std::string npy = write("in.npy", bytes + header);
    expect_error(run(yaml_head + npy + "}\n"), npy + ": ", "shape (");
  }
}

}  // namespace
}  // namespace lpsim::test
