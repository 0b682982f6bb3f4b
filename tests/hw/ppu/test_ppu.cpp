// Kernel-free tests of the post-processing unit: order of operations, encoding, op counts.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "hw/ctrl/layer_descriptor.hpp"
#include "hw/common/config_error.hpp"
#include "hw/ppu/ppu.hpp"
#include "sw/formats/lp_format.hpp"

namespace lpsim::hw {
namespace {

TEST(Ppu, OrderIsBiasResidualActivationScale) {
  Ppu p;
  PpuOps o = PpuOps::from_flags(pp::BIAS | pp::RESIDUAL | pp::RELU6 | pp::REQUANT, 0.5f);
  EXPECT_TRUE(o.bias && o.residual && o.requant);
  EXPECT_EQ(o.act, Activation::relu6);
  EXPECT_DOUBLE_EQ(p.apply(o, 1.0, 2.0, 1.5), 2.25);   // (1 + 2 + 1.5) -> 4.5 -> * 0.5
  EXPECT_DOUBLE_EQ(p.apply(o, 5.0, 2.0, 1.0), 3.0);    // 8 clamped to 6 before the scale
  EXPECT_DOUBLE_EQ(p.apply(o, -5.0, 2.0, 1.0), 0.0);   // residual before ReLU: -2 -> 0
  o = PpuOps::from_flags(pp::RELU, 1.0f);
  EXPECT_DOUBLE_EQ(p.apply(o, 100.0, 0, 0), 100.0);
  EXPECT_DOUBLE_EQ(p.apply(o, -0.25, 0, 0), 0.0);
  o = PpuOps::from_flags(0, 7.0f);
  EXPECT_FALSE(o.requant);
  EXPECT_DOUBLE_EQ(p.apply(o, -3.0, 9, 9), -3.0);      // nothing enabled: identity
  EXPECT_TRUE(std::isnan(p.apply(PpuOps::from_flags(pp::RELU, 1), std::nan(""), 0, 0)));
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
  p.process(PpuOps{}, acc.data(), 3, nullptr, nullptr, nullptr, vals.data(), nullptr);
  EXPECT_EQ(p.stats().encodes, 6u);
  EXPECT_EQ(p.stats().cycles, 3u);
  EXPECT_EQ(vals[1], 0.5);
}

}  // namespace
}  // namespace lpsim::hw
