// Model zoo: torchvision layer counts, shapes, MACs and parameter counts at 224; seeded,
// portable, deterministic weights; reduced variants run end to end.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "sw/common/error.hpp"
#include "sw/model/normal_rng.hpp"
#include "sw/model/zoo.hpp"

namespace lpsim::model {
namespace {

ZooOptions shape_only() {
  ZooOptions o;
  o.with_weights = false;
  return o;
}

struct Expect {
  const char* name;
  std::size_t convs, gemms, matmuls, adds;
  double gmacs;    // torchvision / paper figures at 224x224, batch 1
  double mparams;  // torchvision (BN parameters counted there; folded here)
};

class ZooShapes : public ::testing::TestWithParam<Expect> {};

TEST_P(ZooShapes, CountsMacsAndShapes) {
  const Expect e = GetParam();
  const Graph g = build_zoo_model(e.name, shape_only());
  EXPECT_FALSE(g.has_weights());
  EXPECT_EQ(g.shape("input"), (Shape{1, 3, 224, 224}));
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.shape(g.outputs()[0]), (Shape{1, 1000}));
  EXPECT_EQ(g.count(OpKind::Conv), e.convs);
  EXPECT_EQ(g.count(OpKind::Gemm), e.gemms);
  EXPECT_EQ(g.count(OpKind::MatMul), e.matmuls);
  EXPECT_EQ(g.count(OpKind::Add), e.adds);
  EXPECT_NEAR(static_cast<double>(g.total_macs()) / 1e9, e.gmacs, 0.01 * e.gmacs);
  EXPECT_NEAR(static_cast<double>(g.num_parameters()) / 1e6, e.mparams, 0.01 * e.mparams);
  // Batch scales every GEMM's M (or groups), so MACs scale exactly.
  ZooOptions b4 = shape_only();
  b4.batch = 4;
  const Graph g4 = build_zoo_model(e.name, b4);
  EXPECT_EQ(g4.total_macs(), 4 * g.total_macs());
  EXPECT_EQ(g4.shape(g4.outputs()[0]), (Shape{4, 1000}));
}

INSTANTIATE_TEST_SUITE_P(Torchvision, ZooShapes,
                         ::testing::Values(Expect{"resnet18", 20, 1, 0, 8, 1.814, 11.690},
                                           Expect{"resnet50", 53, 1, 0, 16, 4.089, 25.557},
                                           Expect{"mobilenetv2", 52, 1, 0, 10, 0.3006, 3.505},
                                           Expect{"vit_b16", 1, 49, 24, 25, 17.56, 86.568}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Zoo, ListsEveryModel) {
  EXPECT_EQ(list_zoo_models(),
            (std::vector<std::string>{"resnet18", "resnet50", "mobilenetv2", "vit_b16"}));
}

TEST(Zoo, ResNet18LayerShapes) {
  const Graph g = build_zoo_model("resnet18", shape_only());
  EXPECT_EQ(g.shape("conv1"), (Shape{1, 64, 112, 112}));
  EXPECT_EQ(g.shape("maxpool"), (Shape{1, 64, 56, 56}));
  EXPECT_EQ(g.shape("layer2.0.conv1"), (Shape{1, 128, 28, 28}));
  EXPECT_EQ(g.shape("layer2.0.downsample.0"), (Shape{1, 128, 28, 28}));
  EXPECT_EQ(g.shape("layer4.1.relu"), (Shape{1, 512, 7, 7}));
  EXPECT_EQ(g.node("fc").weight_shape, (Shape{1000, 512}));
  const auto v = *gemm_view(g, g.node("conv1"));
  EXPECT_EQ(v.m, 112 * 112);
  EXPECT_EQ(v.k, 7 * 7 * 3);
  EXPECT_EQ(v.n, 64);
}

TEST(Zoo, ResNet50BottleneckShapes) {
  const Graph g = build_zoo_model("resnet50", shape_only());
  EXPECT_EQ(g.node("layer1.0.conv3").weight_shape, (Shape{256, 64, 1, 1}));
  EXPECT_EQ(g.node("layer2.0.conv2").attrs.stride[0], 2);  // ResNet v1.5: stride on the 3x3
  EXPECT_EQ(g.shape("layer2.0.conv2"), (Shape{1, 128, 28, 28}));
  EXPECT_EQ(g.shape("layer4.2.relu"), (Shape{1, 2048, 7, 7}));
  EXPECT_EQ(g.node("fc").weight_shape, (Shape{1000, 2048}));
}

TEST(Zoo, MobileNetV2Shapes) {
  const Graph g = build_zoo_model("mobilenetv2", shape_only());
  EXPECT_EQ(g.shape("features.0.0"), (Shape{1, 32, 112, 112}));
  const Node& dw = g.node("features.2.conv.1.0");
  EXPECT_EQ(dw.attrs.groups, 96);
  EXPECT_EQ(dw.weight_shape, (Shape{96, 1, 3, 3}));
  EXPECT_EQ(g.shape("features.2.conv.1.0"), (Shape{1, 96, 56, 56}));
  EXPECT_EQ(g.node("features.1.conv.0.0").attrs.groups, 32);  // t = 1: no expansion conv
  EXPECT_EQ(g.shape("features.17.conv.2"), (Shape{1, 320, 7, 7}));
  EXPECT_EQ(g.shape("features.18.0"), (Shape{1, 1280, 7, 7}));
  EXPECT_EQ(g.node("features.0.2").op, OpKind::Clip);
  EXPECT_EQ(g.node("features.0.2").attrs.clip_max, 6.0f);
  const auto v = *gemm_view(g, dw);
  EXPECT_EQ(v.groups, 96);
  EXPECT_EQ(v.k, 9);
  EXPECT_EQ(v.n, 1);
}

TEST(Zoo, VitB16Shapes) {
  const Graph g = build_zoo_model("vit_b16", shape_only());
  EXPECT_EQ(g.shape("class_token.concat"), (Shape{1, 197, 768}));
  const std::string p = "encoder.layers.encoder_layer_0.self_attention.";
  EXPECT_EQ(g.shape(p + "in_proj"), (Shape{1, 197, 2304}));
  EXPECT_EQ(g.shape(p + "qk"), (Shape{1, 12, 197, 197}));
  EXPECT_EQ(g.shape(p + "av"), (Shape{1, 12, 197, 64}));
  EXPECT_EQ(g.shape("encoder.layers.encoder_layer_11.mlp.0"), (Shape{1, 197, 3072}));
  EXPECT_FLOAT_EQ(g.node(p + "softmax").attrs.scale, 0.125f);
  const auto qkv = *gemm_view(g, g.node(p + "in_proj"));
  EXPECT_EQ(qkv.m, 197);
  EXPECT_EQ(qkv.k, 768);
  EXPECT_EQ(qkv.n, 2304);
  const auto qk = *gemm_view(g, g.node(p + "qk"));
  EXPECT_EQ(qk.groups, 12);
  EXPECT_EQ(qk.m, 197);
  EXPECT_EQ(qk.k, 64);
  EXPECT_EQ(qk.n, 197);
  EXPECT_EQ(g.count(OpKind::Softmax), 12u);
  EXPECT_EQ(g.count(OpKind::LayerNorm), 25u);
  EXPECT_EQ(g.count(OpKind::Gelu), 12u);
}

TEST(Zoo, PortableNormalGenerator) {
  // Box-Muller on mt19937_64: these values hold on every conforming standard library.
  NormalRng r(42);
  EXPECT_NEAR(r.normal(), -0.48121769980184442, 1e-15);
  EXPECT_NEAR(r.normal(), -0.5745368738983061, 1e-15);
  EXPECT_NEAR(r.normal(), 0.49458385623521306, 1e-15);
  NormalRng q(7, "conv1.weight");
  EXPECT_NEAR(q.normal(), -2.1686589399484548, 1e-15);
  double s = 0, s2 = 0;
  NormalRng m(5);
  for (int i = 0; i < 200000; ++i) {
    const double z = m.normal();
    s += z;
    s2 += z * z;
  }
  EXPECT_NEAR(s / 200000, 0.0, 0.01);
  EXPECT_NEAR(s2 / 200000, 1.0, 0.01);
}

ZooOptions reduced(uint64_t seed) {
  ZooOptions o;
  o.seed = seed;
  o.input_size = 32;
  o.width_divisor = 4;
  o.max_blocks = 2;
  o.num_classes = 10;
  return o;
}

TEST(Zoo, SameSeedSameWeightsOtherSeedOtherWeights) {
  for (const auto& name : list_zoo_models()) {
    const Graph a = build_zoo_model(name, reduced(11));
    const Graph b = build_zoo_model(name, reduced(11));
    const Graph c = build_zoo_model(name, reduced(12));
    ASSERT_TRUE(a.has_weights()) << name;
    ASSERT_EQ(a.nodes().size(), b.nodes().size());
    std::size_t differ = 0, with_params = 0;
    for (std::size_t i = 0; i < a.nodes().size(); ++i) {
      EXPECT_EQ(a.nodes()[i].weights, b.nodes()[i].weights) << name << " " << a.nodes()[i].name;
      EXPECT_EQ(a.nodes()[i].bias, b.nodes()[i].bias);
      if (a.nodes()[i].weights.empty()) continue;
      ++with_params;
      differ += a.nodes()[i].weights != c.nodes()[i].weights;
    }
    EXPECT_EQ(differ, with_params) << name;
  }
}

TEST(Zoo, WeightsDoNotDependOnBatchOrInputSize) {
  ZooOptions o = reduced(3);
  const Graph a = build_zoo_model("resnet18", o);
  o.batch = 3;
  o.input_size = 64;
  const Graph b = build_zoo_model("resnet18", o);
  EXPECT_EQ(a.node("layer3.1.conv2").weights, b.node("layer3.1.conv2").weights);
}

double rms(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s / static_cast<double>(v.size()));
}

TEST(Zoo, WeightDistributions) {
  ZooOptions o;
  o.input_size = 32;
  const Graph g = build_zoo_model("resnet18", o);
  // Kaiming normal sqrt(2 / fan_in) times the folded-BN factor exp(0.25 z) (rms e^0.0625).
  const double bn = std::exp(0.0625);
  EXPECT_NEAR(rms(g.node("layer3.0.conv1").weights), std::sqrt(2.0 / (128 * 9)) * bn,
              0.05 * bn * std::sqrt(2.0 / (128 * 9)));
  // Residual branch ends: half of LeCun normal.
  EXPECT_NEAR(rms(g.node("layer3.0.conv2").weights), 0.5 * std::sqrt(1.0 / (256 * 9)) * bn,
              0.05 * 0.5 * std::sqrt(1.0 / (256 * 9)) * bn);
  EXPECT_NEAR(rms(g.node("fc").weights), std::sqrt(1.0 / 512), 0.05 * std::sqrt(1.0 / 512));
  EXPECT_LT(rms(g.node("conv1").bias), 0.05);
  const Graph v = build_zoo_model("vit_b16", reduced(1));
  EXPECT_NEAR(rms(v.node("encoder.layers.encoder_layer_0.mlp.0").weights), 0.02, 0.002);
}

void expect_finite(const FloatTensor& t) {
  for (float x : t.data) ASSERT_TRUE(std::isfinite(x));
}

TEST(Zoo, ReducedModelsRunAndBatchIsIndependent) {
  for (const auto& name : list_zoo_models()) {
    ZooOptions o = reduced(5);
    const Graph g1 = build_zoo_model(name, o);
    o.batch = 2;
    const Graph g2 = build_zoo_model(name, o);
    const FloatTensor x2 = make_input(g2, 9);
    FloatTensor x1{g1.shape("input"), {}};
    const std::size_t half = x2.data.size() / 2;
    x1.data.assign(x2.data.begin() + static_cast<std::ptrdiff_t>(half), x2.data.end());
    const FloatTensor y1 = forward_fp32(g1, x1);
    const FloatTensor y2 = forward_fp32(g2, x2);
    ASSERT_EQ(y1.shape, (Shape{1, 10})) << name;
    ASSERT_EQ(y2.shape, (Shape{2, 10})) << name;
    expect_finite(y2);
    double spread = 0;
    for (std::size_t i = 0; i < 10; ++i) {
      EXPECT_NEAR(y2.data[10 + i], y1.data[i], 1e-4 * (1 + std::fabs(y1.data[i]))) << name;
      spread += std::fabs(y2.data[i] - y2.data[10 + i]);
    }
    EXPECT_GT(spread, 1e-3) << name << ": different images should give different logits";
  }
}

TEST(Zoo, BadNamesAndOptions) {
  try {
    build_zoo_model("alexnet");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown model 'alexnet'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("resnet18"), std::string::npos);
  }
  ZooOptions o;
  o.batch = 0;
  EXPECT_THROW(build_zoo_model("resnet18", o), UserError);
  o = ZooOptions{};
  o.input_size = 40;
  EXPECT_THROW(build_zoo_model("vit_b16", o), UserError);
}

}  // namespace
}  // namespace lpsim::model
