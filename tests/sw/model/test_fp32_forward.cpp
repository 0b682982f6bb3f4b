// FP32 reference forward pass: hand-computed conv, pools, add, host ops; conv and GEMM
// against naive loops on seeded random shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "sw/common/error.hpp"
#include "tests/sw/model/node_builder.hpp"
#include "sw/model/fp32_forward.hpp"
#include "sw/model/normal_rng.hpp"

namespace lpsim::model {
namespace {

using test::make;

FloatTensor iota_tensor(Shape shape, float start = 1.0f) {
  FloatTensor t{shape, std::vector<float>(static_cast<std::size_t>(num_elements(shape)))};
  for (std::size_t i = 0; i < t.data.size(); ++i) t.data[i] = start + static_cast<float>(i);
  return t;
}

FloatTensor random_tensor(Shape shape, uint64_t seed) {
  NormalRng rng(seed);
  FloatTensor t{shape, std::vector<float>(static_cast<std::size_t>(num_elements(shape)))};
  for (float& v : t.data) v = static_cast<float>(rng.normal());
  return t;
}

FloatTensor eval(const Node& n, std::vector<const FloatTensor*> in) {
  return eval_node_fp32(n, in);
}

TEST(Fp32Forward, OneConvHandComputed) {
  // Input 1..9 (3x3), kernel [[1,2],[3,4]], bias 0.5.
  Graph g("one_conv");
  g.add_input("x", {1, 1, 3, 3});
  Node c = make(OpKind::Conv, "c", {"x"});
  c.weight_shape = {1, 1, 2, 2};
  c.weights = {1, 2, 3, 4};
  c.has_bias = true;
  c.bias = {0.5f};
  g.add_node(c);
  g.add_output("c");
  g.finalize();
  const FloatTensor y = forward_fp32(g, iota_tensor({1, 1, 3, 3}));
  EXPECT_EQ(y.shape, (Shape{1, 1, 2, 2}));
  EXPECT_EQ(y.data, (std::vector<float>{37.5f, 47.5f, 67.5f, 77.5f}));

  // Stride 2, pad 1: windows cut by the padding.
  c.attrs.stride = {2, 2};
  c.attrs.pads = {1, 1, 1, 1};
  c.has_bias = false;
  c.bias.clear();
  const FloatTensor x = iota_tensor({1, 1, 3, 3});
  const FloatTensor z = eval(c, {&x});
  EXPECT_EQ(z.data, (std::vector<float>{4, 18, 36, 77}));
}

TEST(Fp32Forward, PoolsHandComputed) {
  const FloatTensor x = iota_tensor({1, 1, 4, 4});
  Node mp = make(OpKind::MaxPool, "mp", {"x"});
  mp.attrs.kernel = {2, 2};
  mp.attrs.stride = {2, 2};
  EXPECT_EQ(eval(mp, {&x}).data, (std::vector<float>{6, 8, 14, 16}));

  Node ap = make(OpKind::AveragePool, "ap", {"x"});
  ap.attrs.kernel = {3, 3};
  ap.attrs.pads = {1, 1, 1, 1};
  const FloatTensor a = eval(ap, {&x});
  EXPECT_FLOAT_EQ(a.data[0], (1 + 2 + 5 + 6) / 4.0f);
  EXPECT_FLOAT_EQ(a.data[5], (1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11) / 9.0f);
  ap.attrs.count_include_pad = true;
  EXPECT_FLOAT_EQ(eval(ap, {&x}).data[0], (1 + 2 + 5 + 6) / 9.0f);

  // ceil_mode: 5x5, kernel 2, stride 2 -> 3x3; the last window holds one column/row.
  const FloatTensor x5 = iota_tensor({1, 1, 5, 5});
  mp.attrs.ceil_mode = true;
  const FloatTensor c = eval(mp, {&x5});
  EXPECT_EQ(c.shape, (Shape{1, 1, 3, 3}));
  EXPECT_EQ(c.data, (std::vector<float>{7, 9, 10, 17, 19, 20, 22, 24, 25}));

  Node gap = make(OpKind::GlobalAveragePool, "gap", {"x"});
  const FloatTensor two = iota_tensor({1, 2, 2, 2});
  EXPECT_EQ(eval(gap, {&two}).data, (std::vector<float>{2.5f, 6.5f}));
}

TEST(Fp32Forward, AddReluClipHandComputed) {
  Graph g("add");
  g.add_input("x", {2, 3});
  g.add_constant("b", {3}, {10, -20, 30});
  g.add_node(make(OpKind::Add, "s", {"x", "b"}));
  g.add_node(make(OpKind::Relu, "r", {"s"}));
  Node clip = make(OpKind::Clip, "c", {"r"});
  clip.attrs.clip_min = 0;
  clip.attrs.clip_max = 12;
  g.add_node(clip);
  g.add_node(make(OpKind::Add, "res", {"c", "x"}));
  g.add_output("res");
  g.finalize();
  const FloatTensor y = forward_fp32(g, iota_tensor({2, 3}));
  // x = [[1,2,3],[4,5,6]]; s = [[11,-18,33],[14,-15,36]]; clip -> [[11,0,12],[12,0,12]].
  EXPECT_EQ(y.data, (std::vector<float>{12, 2, 15, 16, 5, 18}));
}

TEST(Fp32Forward, HostOps) {
  FloatTensor x{{1, 3}, {1.0f, 2.0f, 3.0f}};
  Node sm = make(OpKind::Softmax, "sm", {"x"});
  sm.attrs.axis = -1;
  sm.attrs.scale = 0.5f;
  const FloatTensor p = eval(sm, {&x});
  const double z = std::exp(0.5) + std::exp(1.0) + std::exp(1.5);
  EXPECT_NEAR(p.data[0], std::exp(0.5) / z, 1e-6);
  EXPECT_NEAR(p.data[2], std::exp(1.5) / z, 1e-6);

  Node ln = make(OpKind::LayerNorm, "ln", {"x"});
  ln.weight_shape = {3};
  ln.weights = {1, 2, 3};
  ln.has_bias = true;
  ln.bias = {0, 0, 1};
  ln.attrs.epsilon = 0;
  const FloatTensor l = eval(ln, {&x});
  const double sd = std::sqrt(2.0 / 3.0);
  EXPECT_NEAR(l.data[0], -1.0 / sd, 1e-5);
  EXPECT_NEAR(l.data[1], 0.0, 1e-6);
  EXPECT_NEAR(l.data[2], 3.0 / sd + 1.0, 1e-5);

  Node ge = make(OpKind::Gelu, "ge", {"x"});
  EXPECT_NEAR(eval(ge, {&x}).data[0], 0.8413447460685429, 1e-6);
}

TEST(Fp32Forward, DataMovement) {
  const FloatTensor x = iota_tensor({1, 2, 3}, 0.0f);
  Node t = make(OpKind::Transpose, "t", {"x"});
  t.attrs.perm = {0, 2, 1};
  EXPECT_EQ(eval(t, {&x}).data, (std::vector<float>{0, 3, 1, 4, 2, 5}));
  Node s = make(OpKind::Slice, "s", {"x"});
  s.attrs.axis = -1;
  s.attrs.start = 1;
  s.attrs.end = 3;
  EXPECT_EQ(eval(s, {&x}).data, (std::vector<float>{1, 2, 4, 5}));
  const FloatTensor cls{{1, 1, 3}, {9, 9, 9}};
  const FloatTensor xb = iota_tensor({2, 1, 3}, 0.0f);
  Node c = make(OpKind::Concat, "c", {"cls", "x"});
  c.attrs.axis = 1;
  const FloatTensor y = eval(c, {&cls, &xb});
  EXPECT_EQ(y.shape, (Shape{2, 2, 3}));
  EXPECT_EQ(y.data, (std::vector<float>{9, 9, 9, 0, 1, 2, 9, 9, 9, 3, 4, 5}));
}

TEST(Fp32Forward, GemmKernelMatchesNaive) {
  std::mt19937_64 sizes(3);
  for (int trial = 0; trial < 30; ++trial) {
    const int64_t m = 1 + static_cast<int64_t>(sizes() % 13),
                  n = 1 + static_cast<int64_t>(sizes() % 37);
    const int64_t k = 1 + static_cast<int64_t>(sizes() % 29);
    const FloatTensor a = random_tensor({m, k}, 10 + static_cast<uint64_t>(trial));
    const FloatTensor b = random_tensor({k, n}, 100 + static_cast<uint64_t>(trial));
    std::vector<float> c(static_cast<std::size_t>(m * n), 1.0f);
    gemm_f32(m, n, k, a.data.data(), k, b.data.data(), n, c.data(), n);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double ref = 1.0;
        for (int64_t q = 0; q < k; ++q)
          ref += static_cast<double>(a.data[static_cast<std::size_t>(i * k + q)]) *
                 b.data[static_cast<std::size_t>(q * n + j)];
        EXPECT_NEAR(c[static_cast<std::size_t>(i * n + j)], ref, 1e-4) << m << "x" << n << "x" << k;
      }
  }
}

struct ConvCase {
  Shape x, w;
  int64_t stride, dil, groups;
  std::array<int64_t, 4> pads;
};

TEST(Fp32Forward, ConvMatchesNaive) {
  const ConvCase cases[] = {
      {{2, 3, 9, 11}, {4, 3, 3, 3}, 1, 1, 1, {1, 1, 1, 1}},
      {{1, 4, 10, 10}, {6, 2, 3, 2}, 2, 1, 2, {0, 1, 2, 0}},
      {{1, 8, 7, 7}, {8, 1, 3, 3}, 2, 1, 8, {1, 1, 1, 1}},    // depthwise
      {{1, 2, 12, 12}, {3, 2, 3, 3}, 1, 2, 1, {2, 2, 2, 2}},  // dilated
      {{2, 5, 6, 6}, {7, 5, 1, 1}, 1, 1, 1, {0, 0, 0, 0}},    // 1x1 direct path
      {{1, 3, 32, 32}, {5, 3, 7, 7}, 2, 1, 1, {3, 3, 3, 3}},
  };
  uint64_t seed = 1;
  for (const ConvCase& cc : cases) {
    Node c = make(OpKind::Conv, "c", {"x"});
    c.weight_shape = cc.w;
    c.attrs.stride = {cc.stride, cc.stride};
    c.attrs.dilation = {cc.dil, cc.dil};
    c.attrs.groups = cc.groups;
    c.attrs.pads = cc.pads;
    c.weights = random_tensor(cc.w, ++seed).data;
    c.has_bias = true;
    c.bias = random_tensor({cc.w[0]}, ++seed).data;
    const FloatTensor x = random_tensor(cc.x, ++seed);
    const FloatTensor y = eval(c, {&x});
    const int64_t f = cc.w[0], cg = cc.w[1], r = cc.w[2], s = cc.w[3], fg = f / cc.groups;
    const int64_t h = cc.x[2], w = cc.x[3], oh = y.shape[2], ow = y.shape[3];
    for (int64_t nb = 0; nb < cc.x[0]; ++nb)
      for (int64_t fo = 0; fo < f; ++fo)
        for (int64_t yy = 0; yy < oh; ++yy)
          for (int64_t xx = 0; xx < ow; ++xx) {
            double ref = c.bias[static_cast<std::size_t>(fo)];
            for (int64_t ci = 0; ci < cg; ++ci)
              for (int64_t ri = 0; ri < r; ++ri)
                for (int64_t si = 0; si < s; ++si) {
                  const int64_t iy = yy * cc.stride - cc.pads[0] + ri * cc.dil;
                  const int64_t ix = xx * cc.stride - cc.pads[1] + si * cc.dil;
                  if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                  const int64_t chan = (fo / fg) * cg + ci;
                  ref += static_cast<double>(x.data[static_cast<std::size_t>(
                             ((nb * cc.x[1] + chan) * h + iy) * w + ix)]) *
                         c.weights[static_cast<std::size_t>(((fo * cg + ci) * r + ri) * s + si)];
                }
            ASSERT_NEAR(y.data[static_cast<std::size_t>(((nb * f + fo) * oh + yy) * ow + xx)], ref,
                        1e-4);
          }
  }
}

TEST(Fp32Forward, MatMulBatchBroadcast) {
  const FloatTensor a = random_tensor({2, 3, 4, 5}, 1);
  const FloatTensor b = random_tensor({3, 5, 2}, 2);  // broadcast over the leading 2
  Node mm = make(OpKind::MatMul, "mm", {"a", "b"});
  const FloatTensor y = eval(mm, {&a, &b});
  ASSERT_EQ(y.shape, (Shape{2, 3, 4, 2}));
  for (int64_t bi = 0; bi < 2; ++bi)
    for (int64_t h = 0; h < 3; ++h)
      for (int64_t i = 0; i < 4; ++i)
        for (int64_t j = 0; j < 2; ++j) {
          double ref = 0;
          for (int64_t q = 0; q < 5; ++q)
            ref += static_cast<double>(
                       a.data[static_cast<std::size_t>(((bi * 3 + h) * 4 + i) * 5 + q)]) *
                   b.data[static_cast<std::size_t>((h * 5 + q) * 2 + j)];
          EXPECT_NEAR(y.data[static_cast<std::size_t>(((bi * 3 + h) * 4 + i) * 2 + j)], ref, 1e-5);
        }
}

TEST(Fp32Forward, ShapeOnlyGraphRefusesToRun) {
  Node c = make(OpKind::Conv, "c", {"x"});
  c.weight_shape = {1, 1, 1, 1};
  const FloatTensor x = iota_tensor({1, 1, 2, 2});
  EXPECT_THROW(eval(c, {&x}), UserError);
}

}  // namespace
}  // namespace lpsim::model
