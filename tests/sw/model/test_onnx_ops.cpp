// ONNX import of what exporters emit (issue 11): every unsupported op listed in one error,
// static shape subgraphs folded into constants, and the host tensor ops (Concat, Pad,
// ReduceMean, Sigmoid, HardSigmoid, HardSwish, Mul/Sub/Div with broadcasting, Erf, Gelu,
// LayerNormalization, Split, Slice, Gather, Unsqueeze/Squeeze) against hand-computed values.
#include <gtest/gtest.h>

#include "tests/support/error_of.hpp"
#include "tests/support/onnx_builder.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "sw/common/error.hpp"
#include "sw/model/fp32_forward.hpp"
#include "sw/model/onnx_import.hpp"

namespace lpsim::model {
namespace {

using lpsim::test::error_of;
using lpsim::test::OnnxBuilder;

std::vector<float> ramp(std::size_t n, float scale = 0.25f, float offset = -1.0f) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = offset + scale * static_cast<float>(i % 11);
  return v;
}

TensorValues run(const Graph& g, const std::string& input, const Shape& shape) {
  FloatTensor x{shape, ramp(static_cast<std::size_t>(num_elements(shape)))};
  return forward_fp32(g, TensorValues{{input, x}});
}

TEST(OnnxOps, EveryUnsupportedOpInOneLine) {
  OnnxBuilder b;
  b.input("x", {1, 4});
  b.node("Foo", "/a/Foo", {"x"}, {"a"});
  b.node("Relu", "r", {"a"}, {"b"});
  b.node("Bar", "/b/Bar", {"b"}, {"c"});
  b.node("Foo", "/a/Foo_1", {"c"}, {"d"});
  b.node("Foo", "", {"d"}, {"y"});
  b.output("y");
  const std::string path = b.save("unsupported_all.onnx");
  const std::string msg = error_of<UserError>([&] { import_onnx(path); });
  EXPECT_EQ(msg, path + ": unsupported ops: Foo \u00d73 (first '/a/Foo'), Bar \u00d71 ('/b/Bar')");
}

TEST(OnnxOps, OtherDomainIsNamedWithItsDomain) {
  OnnxBuilder b;
  b.input("x", {1, 4});
  auto& n = b.node("Gelu", "g", {"x"}, {"y"});
  n.set_domain("com.microsoft");
  b.output("y");
  const std::string path = b.save("domain.onnx");
  EXPECT_EQ(error_of<UserError>([&] { import_onnx(path); }),
            path + ": unsupported ops: com.microsoft.Gelu \u00d71 ('g')");
}

// x.view(x.size(0), -1) as torch exports it: Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
// With a dynamic batch of 3 the shape subgraph folds and only the Reshape remains.
TEST(OnnxOps, ShapeSubgraphFoldsToConstants) {
  OnnxBuilder b;
  b.input("x", {-1, 4, 2, 2});
  b.init_i64("zero", {0});
  b.init_i64("minus1", {-1});
  b.node("Shape", "/Shape", {"x"}, {"s"});
  auto& g = b.node("Gather", "/Gather", {"s", "zero"}, {"n"});
  OnnxBuilder::int1(g, "axis", 0);
  b.init_i64("ax0", {0});
  b.node("Squeeze", "/Squeeze", {"n", "ax0"}, {"n0"});
  b.node("Unsqueeze", "/Unsqueeze", {"n0", "ax0"}, {"n1"});
  auto& c = b.node("Concat", "/Concat", {"n1", "minus1"}, {"shape"});
  OnnxBuilder::int1(c, "axis", 0);
  b.node("Reshape", "/Reshape", {"x", "shape"}, {"y"});
  b.output("y");
  const std::string path = b.save("fold_view.onnx");
  OnnxImportOptions opt;
  opt.batch = 3;
  const Graph gr = import_onnx(path, opt);
  ASSERT_EQ(gr.nodes().size(), 1u);
  EXPECT_EQ(gr.nodes()[0].op, OpKind::Reshape);
  EXPECT_EQ(gr.shape("y"), (Shape{3, 16}));
}

// ConstantOfShape, Range, Cast, Expand, Where, Slice, Equal, Mul and Transpose of constants
// fold into one constant that an Add reads.
TEST(OnnxOps, ConstantChainsFold) {
  OnnxBuilder b;
  b.input("x", {2, 4});
  b.init_i64("shape24", {2, 4});
  b.init_i64("r0", {0});
  b.init_i64("r4", {4});
  b.init_i64("r1", {1});
  auto& cs = b.node("ConstantOfShape", "cos", {"shape24"}, {"ones"});
  {
    auto* a = cs.add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto_AttributeType_TENSOR);
    auto* t = a->mutable_t();
    t->set_data_type(onnx::TensorProto_DataType_INT64);
    t->add_dims(1);
    t->add_int64_data(1);
  }
  // Range(0, 4, 1) -> scalar start/limit/delta from Squeeze of [1]-shaped initializers.
  b.node("Squeeze", "sq0", {"r0", "r0"}, {"s0"});
  b.node("Squeeze", "sq4", {"r4", "r0"}, {"s4"});
  b.node("Squeeze", "sq1", {"r1", "r0"}, {"s1"});
  b.node("Range", "range", {"s0", "s4", "s1"}, {"rng"});     // [0,1,2,3]
  b.node("Expand", "expand", {"rng", "shape24"}, {"rng2"});  // [[0..3],[0..3]]
  b.node("Mul", "mul", {"rng2", "ones"}, {"m"});
  b.init_i64("two", {2});
  b.node("Equal", "eq", {"m", "two"}, {"is2"});
  b.init_i64("hundred", {100});
  b.node("Where", "where", {"is2", "hundred", "m"}, {"w"});  // [0,1,100,3] twice
  b.init_i64("st", {1});
  b.init_i64("en", {4});
  b.init_i64("axes", {1});
  b.node("Slice", "slice", {"w", "st", "en", "axes"}, {"sl"});  // [1,100,3] x2
  auto& cast = b.node("Cast", "cast", {"sl"}, {"f"});
  OnnxBuilder::int1(cast, "to", onnx::TensorProto_DataType_FLOAT);
  b.init_i64("pads1", {0, 1});
  auto& tr = b.node("Transpose", "tr", {"f"}, {"ft"});  // [3,2]
  OnnxBuilder::ints(tr, "perm", {1, 0});
  auto& tr2 = b.node("Transpose", "tr2", {"ft"}, {"f2"});  // back to [2,3]
  OnnxBuilder::ints(tr2, "perm", {1, 0});
  b.init("zcol", {2, 1}, {0.5f, 0.5f});
  auto& cc = b.node("Concat", "cc", {"f2", "zcol"}, {"k"});  // [2,4]
  OnnxBuilder::int1(cc, "axis", 1);
  b.node("Add", "add", {"x", "k"}, {"y"});
  b.output("y");
  const std::string path = b.save("fold_chain.onnx");
  const Graph g = import_onnx(path);
  ASSERT_EQ(g.nodes().size(), 1u);
  const auto out = run(g, "x", {2, 4}).at("y");
  const std::vector<float> x = ramp(8);
  const float k[4] = {1, 100, 3, 0.5f};
  for (std::size_t i = 0; i < 8; ++i) EXPECT_FLOAT_EQ(out.data[i], x[i] + k[i % 4]) << i;
}

// Squeeze-excitation and SiLU as torchvision's EfficientNet exports them, with HardSigmoid,
// HardSwish, Sub, Div and Erf, each against the formula.
TEST(OnnxOps, ElementwiseAndReduceMean) {
  OnnxBuilder b(13);
  b.input("x", {2, 3, 2, 2});
  auto& rm = b.node("ReduceMean", "gap", {"x"}, {"m"});
  OnnxBuilder::ints(rm, "axes", {2, 3});
  b.node("Sigmoid", "sig", {"m"}, {"s"});
  b.node("Mul", "scale", {"x", "s"}, {"se"});  // [2,3,2,2] * [2,3,1,1]
  b.node("Sigmoid", "sig2", {"se"}, {"s2"});
  b.node("Mul", "silu", {"se", "s2"}, {"silu"});
  auto& hs = b.node("HardSigmoid", "hsig", {"silu"}, {"h"});
  OnnxBuilder::float1(hs, "alpha", 1.0f / 6.0f);
  b.node("HardSwish", "hsw", {"h"}, {"hw"});
  b.init("c3", {3, 1, 1}, {1.0f, 2.0f, 4.0f});
  b.node("Sub", "sub", {"hw", "c3"}, {"d"});
  b.node("Div", "div", {"d", "c3"}, {"q"});
  b.node("Erf", "erf", {"q"}, {"e"});
  auto& rm2 = b.node("ReduceMean", "mean_c", {"e"}, {"y"});
  OnnxBuilder::ints(rm2, "axes", {1});
  OnnxBuilder::int1(rm2, "keepdims", 0);
  b.output("y");
  const std::string path = b.save("elementwise.onnx");
  const Graph g = import_onnx(path);
  EXPECT_EQ(g.shape("y"), (Shape{2, 2, 2}));
  const auto out = run(g, "x", {2, 3, 2, 2}).at("y");
  const std::vector<float> x = ramp(24);
  for (int n = 0; n < 2; ++n)
    for (int p = 0; p < 4; ++p) {
      double acc = 0;
      for (int c = 0; c < 3; ++c) {
        double m = 0;
        for (int q = 0; q < 4; ++q) m += x[static_cast<std::size_t>((n * 3 + c) * 4 + q)];
        m /= 4;
        const double xv = x[static_cast<std::size_t>((n * 3 + c) * 4 + p)];
        const double se = xv / (1 + std::exp(-m));
        const double silu = se / (1 + std::exp(-se));
        const double h = std::max(0.0, std::min(1.0, silu / 6 + 0.5));
        const double hw = h * std::max(0.0, std::min(1.0, h / 6 + 0.5));
        const double cc = c == 0 ? 1 : c == 1 ? 2 : 4;
        acc += std::erf((hw - cc) / cc);
      }
      EXPECT_NEAR(out.data[static_cast<std::size_t>(n * 4 + p)], acc / 3, 1e-5) << n << " " << p;
    }
}

// DenseNet/GoogLeNet-style Concat, a Pad, and a ViT-style tail: LayerNormalization (opset
// 17), Gelu via Erf, Split into three, Gather of the class token, Unsqueeze.
TEST(OnnxOps, ConcatPadLayerNormSplitGather) {
  OnnxBuilder b(17);
  b.input("x", {1, 2, 2, 2});
  b.init_i64("pads", {0, 0, 1, 0, 0, 0, 0, 1});
  b.node("Pad", "pad", {"x", "pads"}, {"p"});  // [1,2,3,3]: top row, right column of 0
  b.node("Relu", "relu", {"p"}, {"r"});
  auto& cc = b.node("Concat", "cat", {"p", "r"}, {"c"});  // [1,4,3,3]
  OnnxBuilder::int1(cc, "axis", 1);
  b.init_i64("shape", {1, 4, 9});
  b.node("Reshape", "rs", {"c", "shape"}, {"t"});  // tokens 4, features 9
  b.init("gamma", {9}, ramp(9, 0.1f, 0.5f));
  b.init("beta", {9}, ramp(9, 0.05f, -0.2f));
  auto& ln = b.node("LayerNormalization", "ln", {"t", "gamma", "beta"}, {"l"});
  OnnxBuilder::float1(ln, "epsilon", 1e-6f);
  b.init_i64("split", {3, 3, 3});
  auto& sp = b.node("Split", "split", {"l", "split"}, {"q", "k", "v"});
  OnnxBuilder::int1(sp, "axis", 2);
  b.node("Add", "qk", {"q", "k"}, {"qk"});
  b.node("Sub", "qkv", {"qk", "v"}, {"z"});
  b.init("one", {1}, {1.0f});
  b.node("Erf", "erf", {"z"}, {"e"});
  b.node("Add", "e1", {"e", "one"}, {"e1"});
  b.node("Mul", "gelu", {"z", "e1"}, {"g"});  // 2 * gelu(z * sqrt 2) up to scaling
  b.init_i64("idx", {0});
  b.node("Squeeze", "sq", {"idx", "idx"}, {"i0"});
  auto& ga = b.node("Gather", "cls", {"g", "i0"}, {"cls"});  // [1,3]
  OnnxBuilder::int1(ga, "axis", 1);
  b.node("Unsqueeze", "un", {"cls", "idx"}, {"y"});  // [1,1,3]
  b.output("y");
  const std::string path = b.save("vit_tail.onnx");
  const Graph g = import_onnx(path);
  ASSERT_EQ(g.shape("y"), (Shape{1, 1, 3}));
  const auto out = run(g, "x", {1, 2, 2, 2}).at("y");
  // Reference by hand: token 0 is channel 0 of the padded input.
  const std::vector<float> x = ramp(8);
  double tok[9];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      tok[i * 3 + j] = (i >= 1 && j <= 1) ? x[static_cast<std::size_t>((i - 1) * 2 + j)] : 0.0;
  double mean = 0, var = 0;
  for (double t : tok) mean += t;
  mean /= 9;
  for (double t : tok) var += (t - mean) * (t - mean);
  var /= 9;
  const std::vector<float> gam = ramp(9, 0.1f, 0.5f), bet = ramp(9, 0.05f, -0.2f);
  double l[9];
  for (int j = 0; j < 9; ++j)
    l[j] = (tok[j] - mean) / std::sqrt(var + 1e-6) * gam[static_cast<std::size_t>(j)] +
           bet[static_cast<std::size_t>(j)];
  for (int j = 0; j < 3; ++j) {
    const double z = l[j] + l[3 + j] - l[6 + j];
    EXPECT_NEAR(out.data[static_cast<std::size_t>(j)], z * (std::erf(z) + 1), 1e-5) << j;
  }
}

// LayerNorm as opset-13 exporters decompose it: ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt,
// Div, Mul, Add; equal to one LayerNormalization of the same parameters.
TEST(OnnxOps, LayerNormDecompositionEqualsLayerNormalization) {
  auto build = [](bool decomposed) {
    OnnxBuilder b(decomposed ? 13 : 17);
    b.input("x", {2, 3, 8});
    b.init("gamma", {8}, ramp(8, 0.1f, 0.5f));
    b.init("beta", {8}, ramp(8, 0.05f, -0.2f));
    if (decomposed) {
      auto& m = b.node("ReduceMean", "mean", {"x"}, {"m"});
      OnnxBuilder::ints(m, "axes", {-1});
      b.node("Sub", "sub", {"x", "m"}, {"d"});
      b.init("two", {}, {2.0f});
      b.node("Pow", "pow", {"d", "two"}, {"d2"});
      auto& v = b.node("ReduceMean", "var", {"d2"}, {"v"});
      OnnxBuilder::ints(v, "axes", {-1});
      b.init("eps", {}, {1e-5f});
      b.node("Add", "addeps", {"v", "eps"}, {"ve"});
      b.node("Sqrt", "sqrt", {"ve"}, {"sd"});
      b.node("Div", "div", {"d", "sd"}, {"n"});
      b.node("Mul", "mul", {"n", "gamma"}, {"g"});
      b.node("Add", "add", {"g", "beta"}, {"y"});
    } else {
      b.node("LayerNormalization", "ln", {"x", "gamma", "beta"}, {"y"});
    }
    b.output("y");
    return import_onnx(b.save(decomposed ? "ln13.onnx" : "ln17.onnx"));
  };
  const auto a = run(build(true), "x", {2, 3, 8}).at("y");
  const auto b = run(build(false), "x", {2, 3, 8}).at("y");
  ASSERT_EQ(a.data.size(), b.data.size());
  for (std::size_t i = 0; i < a.data.size(); ++i) EXPECT_NEAR(a.data[i], b.data[i], 1e-5) << i;
}

TEST(OnnxOps, ShapeOpsOnActivationsAreNamedWhenUnsupported) {
  OnnxBuilder b;
  b.input("x", {1, 4});
  b.init_i64("shape", {2, 4});
  b.node("Expand", "/Expand", {"x", "shape"}, {"y"});
  b.output("y");
  const std::string path = b.save("expand_act.onnx");
  EXPECT_EQ(error_of<UserError>([&] { import_onnx(path); }),
            path +
                ": node '/Expand' (Expand): supported only on constants (shape computations), "
                "not on activations");
}

// A few bytes can ask for a folded constant of 2^26 values or a transpose with a repeated axis:
// one error naming the node, no allocation, no out-of-range read.
TEST(OnnxOps, FoldedConstantsAreBounded) {
  {
    OnnxBuilder b;
    b.input("x", {1, 4});
    b.init_i64("huge", {8192, 8192});
    b.node("ConstantOfShape", "/cos", {"huge"}, {"c"});
    b.node("Add", "add", {"x", "c"}, {"y"});
    b.output("y");
    const std::string path = b.save("huge_cos.onnx");
    EXPECT_EQ(error_of<UserError>([&] { import_onnx(path); }),
              path +
                  ": node '/cos' (ConstantOfShape): a folded constant of shape "
                  "[8192,8192] is larger than 16777216 values");
  }
  {
    OnnxBuilder b;
    b.input("x", {1, 4});
    b.init("c", {2, 2}, {1, 2, 3, 4});
    auto& t = b.node("Transpose", "/tr", {"c"}, {"ct"});
    OnnxBuilder::ints(t, "perm", {0, 0});
    b.node("Add", "add", {"x", "ct"}, {"y"});
    b.output("y");
    const std::string path = b.save("bad_perm.onnx");
    EXPECT_EQ(error_of<UserError>([&] { import_onnx(path); }),
              path + ": node '/tr' (Transpose): perm is not a permutation of the input axes");
  }
}

TEST(OnnxOps, BadPadAndSplitAreNamed) {
  {
    OnnxBuilder b;
    b.input("x", {1, 4});
    b.init_i64("pads", {0, 1});
    b.node("Pad", "/Pad", {"x", "pads"}, {"y"});
    b.output("y");
    const std::string path = b.save("bad_pad.onnx");
    EXPECT_EQ(error_of<UserError>([&] { import_onnx(path); }),
              path + ": node '/Pad' (Pad): has 2 pads for rank 2");
  }
  {
    OnnxBuilder b;
    b.input("x", {1, 4});
    b.init_i64("split", {1, 2});
    auto& s = b.node("Split", "/Split", {"x", "split"}, {"a", "y"});
    OnnxBuilder::int1(s, "axis", 1);
    b.output("y");
    const std::string path = b.save("bad_split.onnx");
    EXPECT_EQ(error_of<UserError>([&] { import_onnx(path); }),
              path + ": node '/Split' (Split): split sizes do not add up to extent 4");
  }
}

}  // namespace
}  // namespace lpsim::model
