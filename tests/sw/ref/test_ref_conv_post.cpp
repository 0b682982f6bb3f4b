// Reference conv == GEMM on the im2col lowering (every accumulator mode and MODE), FP32 conv,
// and the post-processing order of operations.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "sw/formats/int_format.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/ref/ref_conv.hpp"
#include "sw/ref/ref_post.hpp"

namespace {

using lpsim::fmt::LpFormat;
using lpsim::fmt::LpParams;
using namespace lpsim::ref;

std::vector<std::uint32_t> random_codes(std::mt19937& rng, std::size_t n, int bits,
                                        std::uint32_t avoid) {
  std::uniform_int_distribution<std::uint32_t> d(0, (1u << bits) - 1);
  std::vector<std::uint32_t> v(n);
  for (auto& c : v) do
      c = d(rng);
    while (c == avoid);
  return v;
}

TEST(RefConv, EqualsGemmOnIm2col) {
  std::mt19937 rng(11);
  const ConvShape shapes[] = {
      {2, 3, 7, 6, 4, 3, 3, 1, 1, 1},  // 3x3, pad 1
      {1, 4, 9, 9, 6, 3, 3, 2, 1, 2},  // stride 2, groups 2
      {1, 6, 5, 5, 6, 3, 3, 1, 1, 6},  // depthwise
      {1, 5, 4, 4, 3, 1, 1, 1, 0, 1},  // 1x1
      {1, 2, 6, 5, 2, 2, 3, 3, 2, 1},  // ragged stride / pad
  };
  struct Case {
    PeKind pe;
    int mode;
    LpParams p;
    AccKind acc;
  };
  const Case cases[] = {
      {PeKind::lp, 8, {8, 2, 3, 0}, AccKind::exact},
      {PeKind::lp, 4, {4, 1, 3, 1}, AccKind::exact},
      {PeKind::lp, 2, {2, 0, 1, 0}, AccKind::exact},
      {PeKind::lp, 4, {4, 1, 2, 0}, AccKind::small_float},
      {PeKind::lp, 2, {2, 0, 1, -1}, AccKind::narrow},
      {PeKind::lp, 8, {8, 1, 4, 0}, AccKind::narrow},
      {PeKind::integer, 4, {4, 1, 3, 0}, AccKind::exact},
      {PeKind::integer, 2, {2, 0, 1, 0}, AccKind::small_float},
  };
  for (const Case& c : cases) {
    DatapathSpec spec;
    spec.pe = c.pe;
    spec.mode = c.mode;
    spec.act = spec.wgt = c.p;
    spec.acc = c.acc;
    spec.narrow_bits = 12;
    spec.narrow_frac_bits = 2;
    spec.float_frac_bits = 3;
    const RefDatapath dp(spec);
    const std::uint32_t nar = c.pe == PeKind::lp ? (1u << (c.mode - 1)) : ~0u;
    for (const ConvShape& s : shapes) {
      const auto in = random_codes(
          rng, static_cast<std::size_t>(s.batch) * s.in_c * s.in_h * s.in_w, c.mode, nar);
      const auto wgt = random_codes(rng, static_cast<std::size_t>(s.out_c) * s.kg(), c.mode, nar);
      const auto conv = ref_conv2d(dp, s, in.data(), wgt.data());
      const int oh = s.out_h(), ow = s.out_w();
      for (int b = 0; b < s.batch; ++b)
        for (int g = 0; g < s.groups; ++g) {
          const auto a = im2col_codes(s, in.data(), b, g);
          const auto w = conv_weight_gemm(s, wgt.data(), g);
          const auto gm = dp.gemm(a.data(), w.data(), oh * ow, s.kg(), s.ng());
          for (int o = 0; o < s.ng(); ++o)
            for (int p = 0; p < oh * ow; ++p) {
              const auto& x =
                  conv[((static_cast<std::size_t>(b) * s.out_c + g * s.ng() + o) * oh * ow) + p];
              ASSERT_EQ(x, gm[static_cast<std::size_t>(p) * s.ng() + o])
                  << "mode " << c.mode << " b" << b << " g" << g;
            }
        }
    }
  }
}

TEST(RefConv, Fp32AndShapeErrors) {
  // 1 channel 3x3 input, 2x2 kernel of ones, pad 0: window sums.
  const ConvShape s{1, 1, 3, 3, 1, 2, 2, 1, 0, 1};
  const float in[] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[] = {1, 1, 1, 1};
  const auto out = fp32_conv2d(s, in, w);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], 12.0f);
  EXPECT_EQ(out[3], 28.0f);
  ConvShape bad = s;
  bad.groups = 2;
  EXPECT_THROW(bad.validate(), RefError);
  bad = s;
  bad.kh = 5;
  EXPECT_THROW(bad.validate(), RefError);
}

TEST(RefConv, PaddingIsZeroCode) {
  // LP ones everywhere, 3x3 kernel, pad 1 on 2x2: every output sums the 4 inside positions.
  DatapathSpec spec;
  const ConvShape s{1, 1, 2, 2, 1, 3, 3, 1, 1, 1};
  const std::vector<std::uint32_t> in(4, 0x40), w(9, 0x40);
  for (const auto& v : ref_conv2d(spec, s, in.data(), w.data())) EXPECT_EQ(v.to_double(), 4.0);
}

TEST(RefPost, OrderOfOperations) {
  PostOps ops;
  ops.bias = ops.residual = true;
  ops.act = PostAct::relu;
  ops.requant = true;
  ops.scale = 0.5;
  // requant scales accumulator and bias, then the real residual, then ReLU:
  // (-2 + 0.5) * 0.5 + 3 = 2.25
  EXPECT_EQ(post_value(ops, -2.0, 0.5, 3.0), 2.25);
  // negative after the residual -> 0
  EXPECT_EQ(post_value(ops, -5.0, 0.5, 1.0), 0.0);
  // ReLU6 clamps after the scale, at 6 real units: (9 + 0.5) * 0.5 + 0.5 = 5.25 stays;
  // (13 + 0.5) * 0.5 + 0.5 = 7.25 -> 6
  ops.act = PostAct::relu6;
  EXPECT_EQ(post_value(ops, 9.0, 0.5, 0.5), 5.25);
  EXPECT_EQ(post_value(ops, 13.0, 0.5, 0.5), 6.0);
  ops.relu6_cap = 4.0;
  EXPECT_EQ(post_value(ops, 9.0, 0.5, 0.5), 4.0);
  // NaN (NaR accumulator) passes through ReLU / ReLU6
  EXPECT_TRUE(std::isnan(post_value(ops, std::numeric_limits<double>::quiet_NaN(), 0.5, 0.5)));
  // Double arithmetic sequence: (acc + bias) + residual, not acc + (bias + residual).
  PostOps add;
  add.bias = add.residual = true;
  EXPECT_EQ(post_value(add, 1.0, 1e-16, 1e-16), (1.0 + 1e-16) + 1e-16);
  EXPECT_NE(post_value(add, 1.0, 1e-16, 1e-16), 1.0 + (1e-16 + 1e-16));
  // Disabled steps ignore their operands.
  EXPECT_EQ(post_value(PostOps{}, -3.0, 100.0, 100.0), -3.0);
}

// Per-tensor INT (requant): the accumulator counts units of scale = s_a * s_w and ReLU6 clamps
// at 6 real units, i.e. at 6 / scale accumulator units (it clamped at 6 units before: a layer
// whose real outputs were 0..6 came out as 0..6 * scale).
TEST(RefPost, Relu6ClampsAtSixRealUnitsOnRequantizedLayers) {
  PostOps ops;
  ops.bias = true;
  ops.requant = true;
  ops.act = PostAct::relu6;
  for (const double scale : {1.0 / 256, 0.25, 3.0}) {
    ops.scale = scale;
    const double cap = 6.0 / scale;  // exact for these scales
    EXPECT_EQ(post_value(ops, cap, 0.0, 0.0), 6.0) << scale;
    EXPECT_EQ(post_value(ops, cap - 1, 0.0, 0.0), (cap - 1) * scale) << scale;
    EXPECT_EQ(post_value(ops, cap + 1, 0.0, 0.0), 6.0) << scale;
    EXPECT_EQ(post_value(ops, cap - 1, 1.0, 0.0), 6.0) << scale;  // the bias (in units) counts
    EXPECT_EQ(post_value(ops, cap - 1, 2.0, 0.0), 6.0) << scale;
    EXPECT_EQ(post_value(ops, -1.0, 0.0, 0.0), 0.0) << scale;
  }
  // An INT GEMM whose real results straddle 6, through post_process into an INT8 output.
  DatapathSpec spec;
  spec.pe = PeKind::integer;
  // int8 codes: [[100, 20], [-3, 1]] x [[16], [3]] -> [1660], [-45]
  const std::uint32_t a[] = {100, 20, 0xfd, 1}, w[] = {16, 3};
  const auto acc = ref_gemm(spec, a, w, 2, 2, 1);
  ASSERT_EQ(acc[0].to_double(), 1660.0);
  ASSERT_EQ(acc[1].to_double(), -45.0);
  ops.scale = 1.0 / 256;           // s_a = s_w = 1/16
  const double bias[] = {-124.0};  // -124 units: 1536 units = a real 6.0 exactly
  const lpsim::fmt::IntFormat out({8, 1.0 / 16});
  std::vector<double> values;
  const auto codes = post_process(ops, acc, 2, 1, bias, nullptr, out, &values);
  EXPECT_EQ(values[0], 6.0);
  EXPECT_EQ(values[1], 0.0);
  EXPECT_EQ(codes[0], 96u);  // 6 / (1/16)
  EXPECT_EQ(codes[1], 0u);
  const double bias2[] = {-125.0};  // 1535 units: just below the cap
  post_process(ops, acc, 2, 1, bias2, nullptr, out, &values);
  EXPECT_EQ(values[0], 1535.0 / 256);
}

TEST(RefPost, EncodesInTheNextLayersFormat) {
  DatapathSpec spec;
  const std::uint32_t a[] = {0x32, 0x4d, 0x80, 0x40}, w[] = {0x4d, 0x40};  // 2 x 2 by 2 x 1
  const auto acc = ref_gemm(spec, a, w, 2, 2, 1);
  ASSERT_TRUE(acc[1].nar);
  PostOps ops;
  ops.bias = true;
  ops.act = PostAct::relu;
  const double bias[] = {0.25};
  const LpFormat out_fmt({8, 2, 3, 0});
  std::vector<double> values;
  const auto codes = post_process(ops, acc, 2, 1, bias, nullptr, out_fmt, &values);
  // row 0: 2^-1.75 * 2^1.625 = 470 * 2^-9, plus 2^1.625 * 1: L = 1.625, sig = nearest(2^0.625 *
  // 256) = nearest(394.806) = 395, 395 * 2^(1-8); then + bias.
  EXPECT_EQ(values[0], 0.91796875 + 395.0 / 128 + 0.25);
  EXPECT_EQ(codes[0], out_fmt.encode(values[0]));
  EXPECT_EQ(codes[1], out_fmt.nar());
  const lpsim::fmt::IntFormat int8({8, 0.05});
  const auto icodes = post_process(ops, acc, 2, 1, bias, nullptr, int8);
  EXPECT_EQ(icodes[0], int8.encode(values[0]));
  EXPECT_THROW(post_process(ops, acc, 2, 1, nullptr, nullptr, int8), RefError);
}

TEST(RefPost, ChannelScalesBeforeBiasPerColumn) {
  PostOps ops;
  ops.channel_scale = true;
  ops.bias = ops.residual = true;
  ops.act = PostAct::relu6;
  // acc * scale first: bias, residual and the ReLU6 cap are real values.
  EXPECT_EQ(post_value(ops, 8.0, 0.5, 0.25, 0.125), 1.75);
  EXPECT_EQ(post_value(ops, 100.0, 0.0, 0.0, 0.125), 6.0);
  ops.requant = true;  // (both may be set in the reference; the PPU refuses the pair)
  ops.scale = 0.5;
  EXPECT_EQ(post_value(ops, 8.0, 0.5, 0.25, 0.125), 1.0);  // (1 + 0.5) * 0.5 + 0.25
  ops.requant = false;
  ops.residual = false;
  ops.act = PostAct::none;
  // An INT GEMM: 2 x 2 accumulators, one scale per output column.
  DatapathSpec spec;
  spec.pe = PeKind::integer;
  const std::uint32_t a[] = {3, 0xfe, 1, 2}, w[] = {5, 1, 0xff, 4};  // int8 codes: [[3,-2],[1,2]] x [[5,1],[-1,4]]
  const auto acc = ref_gemm(spec, a, w, 2, 2, 2);
  ASSERT_EQ(acc[0].to_double(), 17.0);  // 3*5 + (-2)(-1)
  ASSERT_EQ(acc[1].to_double(), -5.0);  // 3*1 + (-2)4
  const double bias[] = {0.5, -1.0}, scale[] = {0.25, 1.0 / 3};
  const lpsim::fmt::IntFormat out({8, 0.125});
  std::vector<double> values;
  const auto codes = post_process(ops, acc, 2, 2, bias, nullptr, scale, out, &values);
  EXPECT_EQ(values[0], 17.0 * 0.25 + 0.5);
  EXPECT_EQ(values[1], -5.0 * (1.0 / 3) - 1.0);
  EXPECT_EQ(values[2], acc[2].to_double() * 0.25 + 0.5);
  EXPECT_EQ(values[3], acc[3].to_double() * (1.0 / 3) - 1.0);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(codes[i], out.encode(values[i])) << i;
  EXPECT_THROW(post_process(ops, acc, 2, 2, bias, nullptr, nullptr, out), RefError);
}

}  // namespace
