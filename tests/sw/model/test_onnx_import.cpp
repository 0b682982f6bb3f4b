// ONNX import: tiny models built as ModelProto in C++, written to a temp dir and imported;
// shapes, weights, BatchNormalization folding against the unfolded math, forward equality,
// and the named errors for bad files.
#include <gtest/gtest.h>

#include "tests/support/error_of.hpp"
#include "tests/support/onnx_builder.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <string>

#include <onnx/onnx_pb.h>

#include "sw/common/error.hpp"
#include "sw/model/fp32_forward.hpp"
#include "sw/model/normal_rng.hpp"
#include "sw/model/onnx_import.hpp"

namespace lpsim::model {
namespace {

using lpsim::test::error_of;

using lpsim::test::OnnxBuilder;

std::vector<float> randn(std::size_t n, uint64_t seed, double std = 1.0) {
  NormalRng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(std * rng.normal());
  return v;
}


// conv(3x3, no bias) -> BN -> relu -> maxpool 2x2 -> flatten -> gemm(transB, alpha 0.5).
struct ConvBnModel {
  std::vector<float> w = randn(3 * 2 * 3 * 3, 1, 0.3);
  std::vector<float> gamma{1.5f, 0.5f, -1.0f}, beta{0.1f, -0.2f, 0.3f};
  std::vector<float> mean{0.2f, -0.1f, 0.05f}, var{0.9f, 2.0f, 0.3f};
  std::vector<float> fc = randn(4 * 27, 2, 0.2), fcb{0.5f, -0.5f, 1.0f, 0.0f};
  float eps = 1e-3f;

  std::string write(const std::string& file, bool float_data = false) const {
    OnnxBuilder b;
    b.input("x", {-1, 2, 6, 6});
    b.init("w", {3, 2, 3, 3}, w, !float_data);
    b.init("gamma", {3}, gamma);
    b.init("beta", {3}, beta);
    b.init("mean", {3}, mean);
    b.init("var", {3}, var);
    b.init("fc.w", {4, 27}, fc);
    b.init("fc.b", {4}, fcb, !float_data);
    auto& c = b.node("Conv", "conv0", {"x", "w"}, {"c"});
    OnnxBuilder::ints(c, "kernel_shape", {3, 3});
    OnnxBuilder::ints(c, "pads", {1, 1, 1, 1});
    auto& bn = b.node("BatchNormalization", "bn0", {"c", "gamma", "beta", "mean", "var"}, {"bn"});
    OnnxBuilder::float1(bn, "epsilon", eps);
    b.node("Relu", "relu0", {"bn"}, {"r"});
    auto& mp = b.node("MaxPool", "pool0", {"r"}, {"p"});
    OnnxBuilder::ints(mp, "kernel_shape", {2, 2});
    OnnxBuilder::ints(mp, "strides", {2, 2});
    b.node("Flatten", "flat", {"p"}, {"f"});
    auto& g = b.node("Gemm", "fc", {"f", "fc.w", "fc.b"}, {"y"});
    OnnxBuilder::int1(g, "transB", 1);
    OnnxBuilder::float1(g, "alpha", 0.5f);
    b.output("y");
    return b.save(file);
  }

  // The unfolded math, step by step in double.
  std::vector<double> reference(const FloatTensor& x) const {
    const int64_t nb = x.shape[0];
    std::vector<double> out;
    for (int64_t n = 0; n < nb; ++n) {
      double act[3][6][6];
      for (int f = 0; f < 3; ++f)
        for (int y = 0; y < 6; ++y)
          for (int xx = 0; xx < 6; ++xx) {
            double s = 0;
            for (int c = 0; c < 2; ++c)
              for (int r = 0; r < 3; ++r)
                for (int q = 0; q < 3; ++q) {
                  const int iy = y + r - 1, ix = xx + q - 1;
                  if (iy < 0 || iy >= 6 || ix < 0 || ix >= 6) continue;
                  s += static_cast<double>(
                           x.data[static_cast<std::size_t>(((n * 2 + c) * 6 + iy) * 6 + ix)]) *
                       w[static_cast<std::size_t>(((f * 2 + c) * 3 + r) * 3 + q)];
                }
            const double bnv =
                gamma[f] * (s - mean[f]) / std::sqrt(static_cast<double>(var[f]) + eps) + beta[f];
            act[f][y][xx] = std::max(bnv, 0.0);
          }
      double flat[27];
      for (int f = 0; f < 3; ++f)
        for (int y = 0; y < 3; ++y)
          for (int xx = 0; xx < 3; ++xx)
            flat[(f * 3 + y) * 3 + xx] =
                std::max(std::max(act[f][2 * y][2 * xx], act[f][2 * y][2 * xx + 1]),
                         std::max(act[f][2 * y + 1][2 * xx], act[f][2 * y + 1][2 * xx + 1]));
      for (int o = 0; o < 4; ++o) {
        double s = fcb[static_cast<std::size_t>(o)];
        for (int i = 0; i < 27; ++i) s += 0.5 * fc[static_cast<std::size_t>(o * 27 + i)] * flat[i];
        out.push_back(s);
      }
    }
    return out;
  }
};

TEST(OnnxImport, ConvBnReluPoolFlattenGemm) {
  const ConvBnModel m;
  OnnxImportOptions opt;
  opt.batch = 2;
  for (bool float_data : {false, true}) {
    const Graph g = import_onnx(m.write("convbn.onnx", float_data), opt);
    ASSERT_EQ(g.nodes().size(), 5u);  // BN folded away
    EXPECT_EQ(g.count(OpKind::Conv), 1u);
    EXPECT_EQ(g.shape("x"), (Shape{2, 2, 6, 6}));  // dynamic batch from the options
    EXPECT_EQ(g.shape("c"), (Shape{2, 3, 6, 6}));
    EXPECT_EQ(g.shape("p"), (Shape{2, 3, 3, 3}));
    EXPECT_EQ(g.shape("f"), (Shape{2, 27}));
    EXPECT_EQ(g.outputs(), (std::vector<std::string>{"y"}));
    EXPECT_EQ(g.shape("y"), (Shape{2, 4}));
    // Folding: w' = w * gamma / sqrt(var + eps), b' = beta - mean * gamma / sqrt(var + eps).
    const Node& conv = g.node("conv0");
    ASSERT_TRUE(conv.has_bias);
    for (std::size_t f = 0; f < 3; ++f) {
      const double s = m.gamma[f] / std::sqrt(static_cast<double>(m.var[f]) + m.eps);
      EXPECT_NEAR(conv.bias[f], m.beta[f] - m.mean[f] * s, 1e-6);
      for (std::size_t i = 0; i < 18; ++i)
        EXPECT_NEAR(conv.weights[f * 18 + i], m.w[f * 18 + i] * s, 1e-6);
    }
    // Gemm: alpha folded into the weights, [out, in] layout (transB = 1).
    const Node& fc = g.node("fc");
    EXPECT_EQ(fc.weight_shape, (Shape{4, 27}));
    EXPECT_FLOAT_EQ(fc.weights[5], 0.5f * m.fc[5]);
    EXPECT_EQ(fc.bias, m.fcb);
    const auto v = *gemm_view(g, conv);
    EXPECT_EQ(v.m, 2 * 36);
    EXPECT_EQ(v.k, 18);
    EXPECT_EQ(v.n, 3);

    FloatTensor x{{2, 2, 6, 6}, randn(144, 7)};
    const FloatTensor y = forward_fp32(g, x);
    const std::vector<double> ref = m.reference(x);
    ASSERT_EQ(y.data.size(), ref.size());
    for (std::size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(y.data[i], ref[i], 1e-4);
  }
}

TEST(OnnxImport, StaticBatchIsKept) {
  OnnxBuilder b;
  b.input("x", {3, 4});
  b.node("Relu", "r", {"x"}, {"y"});
  b.output("y");
  OnnxImportOptions opt;
  opt.batch = 8;
  EXPECT_EQ(import_onnx(b.save("static.onnx"), opt).shape("y"), (Shape{3, 4}));
}

// The importer gives an initializer's protobuf payload back once its single reader has
// copied it; weights read by two nodes, directly or through Identity/Dropout aliases, must
// keep their values for every reader.
TEST(OnnxImport, SharedWeightsKeepTheirValuesForEveryReader) {
  const std::vector<float> w = randn(2 * 2 * 1 * 1, 7), v = randn(2 * 2 * 1 * 1, 8);
  OnnxBuilder b;
  b.input("x", {1, 2, 3, 3});
  b.init("w", {2, 2, 1, 1}, w);
  b.init("v", {2, 2, 1, 1}, v);
  b.node("Identity", "alias", {"v"}, {"v2"});
  b.node("Conv", "c0", {"x", "w"}, {"a"});
  b.node("Conv", "c1", {"a", "w"}, {"b"});
  b.node("Conv", "c2", {"b", "v2"}, {"c"});
  b.node("Conv", "c3", {"c", "v2"}, {"y"});
  b.output("y");
  const Graph g = import_onnx(b.save("shared.onnx"));
  for (const char* n : {"c0", "c1"}) EXPECT_EQ(g.node(n).weights, w) << n;
  for (const char* n : {"c2", "c3"}) EXPECT_EQ(g.node(n).weights, v) << n;
}

TEST(OnnxImport, MatMulActivationsAndLinear) {
  OnnxBuilder b;
  b.input("a", {2, 3, 4});
  b.input("bt", {2, 4, 5});
  const std::vector<float> w = randn(5 * 6, 3);
  b.init("w", {5, 6}, w);
  b.node("MatMul", "mm", {"a", "bt"}, {"ab"});
  b.node("MatMul", "lin", {"ab", "w"}, {"y"});  // constant right operand: Linear
  b.output("y");
  const Graph g = import_onnx(b.save("matmul.onnx"));
  EXPECT_EQ(g.node("mm").op, OpKind::MatMul);
  EXPECT_EQ(g.node("lin").op, OpKind::Gemm);
  EXPECT_EQ(g.node("lin").weight_shape, (Shape{6, 5}));
  EXPECT_FLOAT_EQ(g.node("lin").weights[1 * 5 + 2], w[2 * 6 + 1]);  // transposed
  EXPECT_EQ(g.shape("y"), (Shape{2, 3, 6}));
  const auto mm = *gemm_view(g, g.node("mm"));
  EXPECT_EQ(mm.groups, 2);
  EXPECT_EQ(mm.m, 3);
  EXPECT_EQ(mm.k, 4);
  EXPECT_EQ(mm.n, 5);
  EXPECT_FALSE(mm.b_is_weight);

  TensorValues in;
  in["a"] = FloatTensor{{2, 3, 4}, randn(24, 4)};
  in["bt"] = FloatTensor{{2, 4, 5}, randn(40, 5)};
  const FloatTensor y = forward_fp32(g, in).at("y");
  for (int bi = 0; bi < 2; ++bi)
    for (int i = 0; i < 3; ++i)
      for (int o = 0; o < 6; ++o) {
        double s = 0;
        for (int j = 0; j < 5; ++j) {
          double ab = 0;
          for (int q = 0; q < 4; ++q)
            ab +=
                static_cast<double>(in["a"].data[static_cast<std::size_t>((bi * 3 + i) * 4 + q)]) *
                in["bt"].data[static_cast<std::size_t>((bi * 4 + q) * 5 + j)];
          s += ab * w[static_cast<std::size_t>(j * 6 + o)];
        }
        EXPECT_NEAR(y.data[static_cast<std::size_t>((bi * 3 + i) * 6 + o)], s, 1e-4);
      }
}

TEST(OnnxImport, ClipBothOpsetFormsAddReshapePools) {
  for (int64_t opset : {6, 13}) {
    OnnxBuilder b(opset);
    b.input("x", {1, 2, 4, 4});
    b.init("bias", {2, 1, 1}, {1.0f, -1.0f});
    b.node("Add", "addc", {"x", "bias"}, {"a"});
    auto& clip = opset >= 11 ? b.node("Clip", "clip6", {"a", "lo", "hi"}, {"c"})
                             : b.node("Clip", "clip6", {"a"}, {"c"});
    if (opset >= 11) {
      b.init("lo", {}, {0.0f});
      b.init("hi", {}, {6.0f});
    } else {
      OnnxBuilder::float1(clip, "min", 0.0f);
      OnnxBuilder::float1(clip, "max", 6.0f);
    }
    auto& ap = b.node("AveragePool", "avg", {"c"}, {"ap"});
    OnnxBuilder::ints(ap, "kernel_shape", {2, 2});
    OnnxBuilder::ints(ap, "strides", {2, 2});
    b.node("GlobalAveragePool", "gap", {"ap"}, {"g"});
    b.init_i64("shape", {1, -1});
    b.node("Reshape", "rs", {"g", "shape"}, {"y"});
    b.output("y");
    const Graph g = import_onnx(b.save("clip" + std::to_string(opset) + ".onnx"));
    EXPECT_EQ(g.node("clip6").op, OpKind::Clip);
    EXPECT_EQ(g.node("clip6").attrs.clip_min, 0.0f);
    EXPECT_EQ(g.node("clip6").attrs.clip_max, 6.0f);
    EXPECT_EQ(g.tensor("bias").kind, TensorKind::Constant);
    EXPECT_EQ(g.shape("y"), (Shape{1, 2}));
    FloatTensor x{{1, 2, 4, 4}, {}};
    for (int i = 0; i < 32; ++i) x.data.push_back(static_cast<float>(i) * 0.5f - 2.0f);
    const FloatTensor y = forward_fp32(g, x);
    // Channel 0: clip(x + 1, 0, 6) mean; channel 1: clip(x - 1, 0, 6) mean.
    double ref[2] = {0, 0};
    for (int i = 0; i < 32; ++i) {
      const double v = x.data[static_cast<std::size_t>(i)] + (i < 16 ? 1.0 : -1.0);
      ref[i / 16] += std::min(std::max(v, 0.0), 6.0) / 16;
    }
    EXPECT_NEAR(y.data[0], ref[0], 1e-5);
    EXPECT_NEAR(y.data[1], ref[1], 1e-5);
  }
}

TEST(OnnxImport, UnsupportedOpNamesNodeAndType) {
  OnnxBuilder b;
  b.input("x", {1, 4});
  b.node("Relu", "r", {"x"}, {"a"});
  b.node("Softplus", "gate_7", {"a"}, {"y"});
  b.output("y");
  const std::string path = b.save("softplus.onnx");
  const std::string msg = error_of<UserError>([&] { import_onnx(path); });
  EXPECT_EQ(msg, path + ": unsupported ops: Softplus \u00d71 ('gate_7')");
}

TEST(OnnxImport, CorruptAndMissingFiles) {
  const std::string corrupt = ::testing::TempDir() + "lpsim_model_" + std::to_string(::getpid()) + "_corrupt.onnx";
  {
    std::ofstream out(corrupt, std::ios::binary);
    out << "this is not an ONNX model\xff\xff\xff";
  }
  std::string msg = error_of<UserError>([&] { import_onnx(corrupt); });
  EXPECT_EQ(msg.rfind(corrupt + ": ", 0), 0u) << msg;
  EXPECT_NE(msg.find("not a valid ONNX model"), std::string::npos) << msg;

  // A truncated real model.
  const std::string good = ConvBnModel().write("truncate_src.onnx");
  std::ifstream in(good, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut = ::testing::TempDir() + "lpsim_model_" + std::to_string(::getpid()) + "_truncated.onnx";
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  msg = error_of<UserError>([&] { import_onnx(cut); });
  EXPECT_EQ(msg.rfind(cut + ": ", 0), 0u) << msg;

  const std::string missing = ::testing::TempDir() + "lpsim_model_does_not_exist.onnx";
  msg = error_of<UserError>([&] { import_onnx(missing); });
  EXPECT_EQ(msg, missing + ": cannot open ONNX model");
}

TEST(OnnxImport, MissingInitializerIsNamed) {
  OnnxBuilder b;
  b.input("x", {1, 2, 4, 4});
  b.node("Conv", "conv_a", {"x", "conv_a.weight"}, {"y"});
  b.output("y");
  const std::string path = b.save("missing_init.onnx");
  const std::string msg = error_of<UserError>([&] { import_onnx(path); });
  EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
  EXPECT_NE(msg.find("node 'conv_a' (Conv)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'conv_a.weight'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing initializer"), std::string::npos) << msg;
}

TEST(OnnxImport, BadDtypeNamesTheTensor) {
  OnnxBuilder b;
  b.input("x", {1, 3});
  auto* t = b.graph().add_initializer();
  t->set_name("fc.weight_f64");
  t->set_data_type(onnx::TensorProto_DataType_DOUBLE);
  t->add_dims(2);
  t->add_dims(3);
  for (int i = 0; i < 6; ++i) t->add_double_data(i);
  auto& g = b.node("Gemm", "fc", {"x", "fc.weight_f64"}, {"y"});
  OnnxBuilder::int1(g, "transB", 1);
  b.output("y");
  const std::string path = b.save("f64.onnx");
  const std::string msg = error_of<UserError>([&] { import_onnx(path); });
  EXPECT_EQ(
      msg,
      path + ": tensor 'fc.weight_f64' has data type DOUBLE, only FLOAT (float32) is supported");
}

// A BatchNormalization that cannot be folded into a Conv/Gemm (after a ReLU, as densenet's BN
// after a Concat; or on a conv output that has another reader) runs on the host as a
// per-channel y = x * gamma / sqrt(var + eps) + (beta - mean * gamma / sqrt(var + eps)).
TEST(OnnxImport, UnfoldableBatchNormRunsOnTheHost) {
  const std::vector<float> s{0.5f, 2.0f}, bb{0.25f, -1.0f}, mm{0.1f, -0.3f}, vv{4.0f, 0.25f};
  auto bn_init = [&](OnnxBuilder& b) {
    b.init("s", {2}, s);
    b.init("b", {2}, bb);
    b.init("m", {2}, mm);
    b.init("v", {2}, vv);
  };
  const std::vector<float> w = randn(4, 1);
  const FloatTensor x{{1, 2, 4, 4}, randn(32, 3)};
  auto bn = [&](float v, std::size_t c) {
    const double sc = s[c] / std::sqrt(static_cast<double>(vv[c]) + 1e-5);
    return v * sc + (bb[c] - mm[c] * sc);
  };
  {
    OnnxBuilder b;
    b.input("x", {1, 2, 4, 4});
    b.init("w", {2, 2, 1, 1}, w);
    bn_init(b);
    b.node("Conv", "conv", {"x", "w"}, {"c"});
    b.node("Relu", "relu", {"c"}, {"r"});
    b.node("BatchNormalization", "bn_after_relu", {"r", "s", "b", "m", "v"}, {"y"});
    b.output("y");
    const Graph g = import_onnx(b.save("bn_relu.onnx"));
    EXPECT_EQ(g.node("bn_after_relu.scale").op, OpKind::Mul);
    EXPECT_EQ(g.node("bn_after_relu").op, OpKind::Add);
    const FloatTensor y = forward_fp32(g, x);
    ASSERT_EQ(y.data.size(), 32u);
    for (std::size_t c = 0; c < 2; ++c)
      for (std::size_t p = 0; p < 16; ++p) {
        double conv = 0;
        for (std::size_t ci = 0; ci < 2; ++ci) conv += w[c * 2 + ci] * x.data[ci * 16 + p];
        EXPECT_NEAR(y.data[c * 16 + p], bn(static_cast<float>(std::max(conv, 0.0)), c), 1e-5);
      }
  }
  {
    // Conv output also feeding a residual: folding would change the other reader.
    OnnxBuilder c;
    c.input("x", {1, 2, 4, 4});
    c.init("w", {2, 2, 1, 1}, w);
    bn_init(c);
    c.node("Conv", "conv", {"x", "w"}, {"c"});
    c.node("BatchNormalization", "bn", {"c", "s", "b", "m", "v"}, {"n"});
    c.node("Add", "add", {"n", "c"}, {"y"});
    c.output("y");
    const Graph g = import_onnx(c.save("bn_shared.onnx"));
    EXPECT_TRUE(g.node("conv").bias.empty());  // not folded
    const FloatTensor y = forward_fp32(g, x);
    ASSERT_EQ(y.data.size(), 32u);
    for (std::size_t ch = 0; ch < 2; ++ch)
      for (std::size_t p = 0; p < 16; ++p) {
        double conv = 0;
        for (std::size_t ci = 0; ci < 2; ++ci) conv += w[ch * 2 + ci] * x.data[ci * 16 + p];
        EXPECT_NEAR(y.data[ch * 16 + p], bn(static_cast<float>(conv), ch) + conv, 1e-5);
      }
  }
  {
    // Parameters that do not match the channels name the node.
    OnnxBuilder d;
    d.input("x", {1, 3, 4, 4});
    bn_init(d);
    d.node("Relu", "relu", {"x"}, {"r"});
    d.node("BatchNormalization", "bn3", {"r", "s", "b", "m", "v"}, {"y"});
    d.output("y");
    const std::string msg = error_of<UserError>([&] { import_onnx(d.save("bn3.onnx")); });
    EXPECT_NE(msg.find("node 'bn3' (BatchNormalization): parameters do not have the 3 channels"),
              std::string::npos)
        << msg;
  }
}

// A rank-0 constant operand (LayerNorm's epsilon in the opset-13 decomposition) keeps the
// activation's shape known during import, so a following Shape folds.
TEST(OnnxImport, ScalarConstantOperandKeepsTheShape) {
  OnnxBuilder b;
  b.input("x", {2, 3});
  b.init("eps", {}, {0.5f});
  b.node("Add", "add", {"x", "eps"}, {"a"});
  b.node("Shape", "shape", {"a"}, {"s"});
  b.node("Reshape", "reshape", {"a", "s"}, {"y"});
  b.output("y");
  const Graph g = import_onnx(b.save("scalar.onnx"));
  EXPECT_EQ(g.shape("y"), (Shape{2, 3}));
  const FloatTensor y = forward_fp32(g, FloatTensor{{2, 3}, {1, 2, 3, 4, 5, 6}});
  EXPECT_EQ(y.data, (std::vector<float>{1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f}));
}

TEST(OnnxImport, ShapeMisfitNamesFileAndNode) {
  OnnxBuilder b;
  b.input("x", {1, 3, 8, 8});
  b.init("w", {4, 2, 3, 3}, randn(72, 1));
  b.node("Conv", "stem", {"x", "w"}, {"y"});
  b.output("y");
  const std::string path = b.save("misfit.onnx");
  const std::string msg = error_of<UserError>([&] { import_onnx(path); });
  EXPECT_EQ(msg.rfind(path + ": node 'stem' (Conv): input has 3 channels", 0), 0u) << msg;
}

}  // namespace
}  // namespace lpsim::model
