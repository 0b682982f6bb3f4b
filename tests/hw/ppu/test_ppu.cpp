// Kernel-free tests of the post-processing unit: order of operations, encoding, op counts.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "hw/ctrl/layer_descriptor.hpp"
#include "hw/common/config_error.hpp"
#include "hw/ppu/ppu.hpp"
#include "sw/formats/int_format.hpp"
#include "sw/formats/lp_format.hpp"

namespace lpsim::hw {
namespace {

TEST(Ppu, OrderIsBiasScaleResidualActivation) {
  Ppu p;
  PpuOps o = PpuOps::from_flags(pp::BIAS | pp::RESIDUAL | pp::RELU6 | pp::REQUANT, 0.5f);
  EXPECT_TRUE(o.bias && o.residual && o.requant);
  EXPECT_EQ(o.act, Activation::relu6);
  EXPECT_DOUBLE_EQ(p.apply(o, 1.0, 2.0, 1.5), 3.0);   // (1 + 2) * 0.5 + 1.5
  EXPECT_DOUBLE_EQ(p.apply(o, 5.0, 2.0, 1.0), 4.5);   // 3.5 + 1: not clamped (8 units are 4)
  EXPECT_DOUBLE_EQ(p.apply(o, 11.0, 2.0, 1.0), 6.0);  // 6.5 + 1 = 7.5 clamped to a real 6
  EXPECT_DOUBLE_EQ(p.apply(o, -9.0, 2.0, 1.0), 0.0);  // residual before ReLU: -2.5 -> 0
  o = PpuOps::from_flags(pp::RELU, 1.0f);
  EXPECT_DOUBLE_EQ(p.apply(o, 100.0, 0, 0), 100.0);
  EXPECT_DOUBLE_EQ(p.apply(o, -0.25, 0, 0), 0.0);
  o = PpuOps::from_flags(0, 7.0f);
  EXPECT_FALSE(o.requant);
  EXPECT_DOUBLE_EQ(p.apply(o, -3.0, 9, 9), -3.0);  // nothing enabled: identity
  EXPECT_TRUE(std::isnan(p.apply(PpuOps::from_flags(pp::RELU, 1), std::nan(""), 0, 0)));
}

// Per-tensor INT layers (REQUANT): the accumulator counts units of s_a * s_w, and ReLU6 must
// clamp at 6 in real units, i.e. at 6 / scale accumulator units, whatever the scale. Before
// the fix the clamp was applied to accumulator units (at 6 units, then scaled: 6 * scale).
TEST(Ppu, Relu6ClampsAtSixRealUnitsOnRequantizedLayers) {
  Ppu p;
  for (const float scale : {0.25f, 0.0078125f, 3.0f}) {
    const PpuOps o = PpuOps::from_flags(pp::BIAS | pp::RELU6 | pp::REQUANT, scale);
    const double s = scale, at_cap = 6.0 / s;  // exact for these power-of-two / small scales
    EXPECT_EQ(p.apply(o, at_cap, 0, 0), 6.0) << scale;                     // exactly at the cap
    EXPECT_EQ(p.apply(o, at_cap - 1, 0, 0), (at_cap - 1) * s) << scale;    // one unit below: kept
    EXPECT_EQ(p.apply(o, at_cap + 1, 0, 0), 6.0) << scale;                 // one unit above: 6
    EXPECT_EQ(p.apply(o, at_cap - 2, 1.0, 0), (at_cap - 1) * s) << scale;  // the bias counts
    EXPECT_EQ(p.apply(o, at_cap - 1, 2.0, 0), 6.0) << scale;
    EXPECT_EQ(p.apply(o, -1, 0, 0), 0.0) << scale;
  }
  // An INT8 layer with s_a = s_w = 1/16: a real 5.5 is 1408 units, below the cap (was 6/256).
  const PpuOps o = PpuOps::from_flags(pp::RELU6 | pp::REQUANT, 1.0f / 256);
  EXPECT_EQ(p.apply(o, 1408, 0, 0), 5.5);
  EXPECT_EQ(p.apply(o, 1537, 0, 0), 6.0);
  // Encoded into an INT8 output of scale 1/16: the cap is code 96 (6 * 16), not code 0.
  const OutputEncoder enc(std::make_shared<const fmt::IntFormat>(fmt::IntParams{8, 1.0 / 16}),
                          nullptr);
  const std::vector<double> acc = {1408, 1536, 1537, 100000, -5, 16};
  std::vector<fmt::Code> codes(acc.size());
  p.process(o, acc.data(), acc.size(), nullptr, nullptr, nullptr, &enc, nullptr, codes.data());
  const std::vector<fmt::Code> want = {88, 96, 96, 96, 0, 1};
  EXPECT_EQ(codes, want);
}

TEST(Ppu, FlagsAreValidated) {
  EXPECT_THROW(PpuOps::from_flags(pp::RELU | pp::RELU6, 1), ConfigError);
  EXPECT_THROW(PpuOps::from_flags(0x100, 1), ConfigError);
  EXPECT_THROW(PpuOps::from_flags(pp::REQUANT, 0), ConfigError);
  EXPECT_THROW(PpuOps::from_flags(pp::REQUANT, INFINITY), ConfigError);
  EXPECT_THROW(Ppu(PpuConfig{0, 6.0}), ConfigError);
}

TEST(Ppu, ProcessEncodesToNextLayerFormatAndCountsOps) {
  Ppu p(PpuConfig{4, 6.0});
  const fmt::LpFormat lp(fmt::LpParams{8, 2, 3, 0});
  const PpuOps o = PpuOps::from_flags(pp::BIAS | pp::RELU | pp::REQUANT, 0.25f);
  const std::vector<double> acc = {-8, 0.5, 3, 1000, 17, -0.125};
  const std::vector<double> bias = {1, 1, 1, 1, -1, 0};
  std::vector<double> vals(acc.size());
  std::vector<fmt::Code> codes(acc.size());
  p.process(o, acc.data(), acc.size(), bias.data(), nullptr, &lp, vals.data(), codes.data());
  for (std::size_t i = 0; i < acc.size(); ++i) {
    const double ref = std::max(acc[i] + bias[i], 0.0) * 0.25;
    EXPECT_DOUBLE_EQ(vals[i], ref) << i;
    EXPECT_EQ(codes[i], lp.encode(ref)) << i;
  }
  EXPECT_EQ(lp.decode(codes[0]), 0.0);
  const auto& s = p.stats();
  EXPECT_EQ(s.elements, 6u);
  EXPECT_EQ(s.bias_adds, 6u);
  EXPECT_EQ(s.residual_adds, 0u);
  EXPECT_EQ(s.activations, 6u);
  EXPECT_EQ(s.scale_muls, 6u);
  EXPECT_EQ(s.encodes, 6u);
  EXPECT_EQ(s.cycles, 2u);  // 6 elements on 4 lanes
  p.process(PpuOps{}, acc.data(), 3, nullptr, nullptr,
            static_cast<const fmt::NumberFormat*>(nullptr), vals.data(), nullptr);
  EXPECT_EQ(p.stats().encodes, 6u);
  EXPECT_EQ(p.stats().cycles, 3u);
  EXPECT_EQ(vals[1], 0.5);
}

// A codec whose encode() must never be called: the PPU's LP path may not reach sw/formats.
class NoEncode final : public fmt::NumberFormat {
 public:
  std::string name() const override { return "no-encode"; }
  int bits() const override { return 8; }
  fmt::Code encode(double) const override { throw std::logic_error("software encode called"); }
  double decode(fmt::Code) const override { return 0; }
  bool is_nan_code(fmt::Code) const override { return false; }
  fmt::Code negate(fmt::Code c) const override { return c; }
  bool twos_complement() const override { return true; }
};

TEST(Ppu, LpOutputsAreEncodedByTheHardwareEncoder) {
  for (int n : {2, 4, 8}) {
    const fmt::LpParams lp{n, 1, n - 1, 2};
    const fmt::LpFormat sw(lp);
    const OutputEncoder enc(std::make_shared<NoEncode>(), &lp);
    ASSERT_TRUE(enc.bit_level());
    Ppu p(PpuConfig{4, 6.0});
    const PpuOps o = PpuOps::from_flags(pp::BIAS | pp::RELU6, 1.0f);
    const std::vector<double> acc = {-8, 0.5, 3, 1000, 1e-30, -0.125, std::nan(""), 0.3};
    const std::vector<double> bias = {9, 0, 0, 0, 0, 0.25, 0, 0.01};
    std::vector<double> vals(acc.size());
    std::vector<fmt::Code> codes(acc.size());
    p.process(o, acc.data(), acc.size(), bias.data(), nullptr, &enc, vals.data(), codes.data());
    for (std::size_t i = 0; i < acc.size(); ++i)
      EXPECT_EQ(codes[i], sw.encode(vals[i])) << n << " " << i;
    EXPECT_EQ(codes[6], sw.nar());
    EXPECT_EQ(p.stats().encodes, acc.size());
  }
  // Other output formats (here LP with n = 6, not a MODE) keep their codec's encode().
  const fmt::LpParams lp6{6, 1, 3, 0};
  const OutputEncoder sw6(std::make_shared<fmt::LpFormat>(lp6), &lp6);
  EXPECT_FALSE(sw6.bit_level());
  EXPECT_EQ(sw6.encode(3.0), fmt::LpFormat(lp6).encode(3.0));
  EXPECT_THROW(OutputEncoder(nullptr, &lp6), ConfigError);
}

TEST(Ppu, ChannelScalesComeFirstAndPerColumn) {
  Ppu p(PpuConfig{4, 6.0});
  const PpuOps o = PpuOps::from_flags(pp::CHSCALE | pp::BIAS | pp::RESIDUAL | pp::RELU6, 0.0f);
  EXPECT_TRUE(o.channel_scale);
  EXPECT_FALSE(o.requant);  // PP_SCALE is not used (0 is not checked)
  // acc * scale first, then the real-valued bias and residual, then ReLU6 (cap in real units).
  EXPECT_DOUBLE_EQ(p.apply(o, 8.0, 0.5, 0.25, 0.125), 1.75);   // 1 + 0.5 + 0.25
  EXPECT_DOUBLE_EQ(p.apply(o, 100.0, 0.0, 0.0, 0.125), 6.0);   // 12.5 clamped to 6
  EXPECT_DOUBLE_EQ(p.apply(o, -100.0, 1.0, 0.0, 0.125), 0.0);
  EXPECT_TRUE(std::isnan(p.apply(o, std::nan(""), 0, 0, 2.0)));
  const std::vector<double> acc = {3, -4, 5, 7, 1000};
  const std::vector<double> bias = {0.5, 0.5, -1, 0, 0}, res = {0, 0, 0, 1, 0};
  const std::vector<double> scale = {0.25, 0.5, 2, 1.0 / 3, 1e-3};
  const fmt::LpFormat lp(fmt::LpParams{8, 2, 3, 0});
  std::vector<double> vals(acc.size());
  std::vector<fmt::Code> codes(acc.size());
  const OutputEncoder enc(std::make_shared<fmt::LpFormat>(lp.params()), &lp.params());
  p.process(o, acc.data(), acc.size(), bias.data(), res.data(), scale.data(), &enc, vals.data(),
            codes.data());
  for (std::size_t i = 0; i < acc.size(); ++i) {
    const double ref = std::min(std::max(acc[i] * scale[i] + bias[i] + res[i], 0.0), 6.0);
    EXPECT_EQ(vals[i], ref) << i;
    EXPECT_EQ(codes[i], lp.encode(ref)) << i;
  }
  EXPECT_EQ(p.stats().scale_muls, acc.size());  // one multiply per element, as REQUANT
  // CHSCALE without a scale vector, or with REQUANT, is refused.
  EXPECT_THROW(p.process(o, acc.data(), acc.size(), bias.data(), res.data(), nullptr, &enc,
                         vals.data(), codes.data()),
               ConfigError);
  EXPECT_THROW(PpuOps::from_flags(pp::CHSCALE | pp::REQUANT, 1.0f), ConfigError);
  LayerDescriptor d;
  d.m = d.n = d.k = 1;
  d.fmt_w = d.fmt_a = d.fmt_o = OperandFormat{FormatFamily::int_, 8, 0, 0, 0};
  d.pp_flags = pp::CHSCALE;
  EXPECT_NO_THROW(d.validate());
  d.pp_flags = pp::CHSCALE | pp::REQUANT;
  EXPECT_THROW(d.validate(), ConfigError);
}

}  // namespace
}  // namespace lpsim::hw
