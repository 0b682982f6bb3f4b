// Energy model: every component against a hand computation, exact sum, area and metrics.
#include <gtest/gtest.h>

#include <random>

#include "sw/energy/energy_model.hpp"

namespace lpsim::energy {
namespace {

ActionCounts sample_counts(std::mt19937_64& rng) {
  std::uniform_int_distribution<std::uint64_t> u(0, 1'000'000'007ull);
  ActionCounts c;
  for (auto& m : c.macs) m = u(rng);
  c.decoder_words = u(rng);
  c.encoder_words = u(rng);
  c.pe_reg_write_bytes = u(rng);
  c.wb = {128 * 1024, u(rng), u(rng)};
  c.ib = {256 * 1024, u(rng), u(rng)};
  c.ob = {128 * 1024, u(rng), u(rng)};
  c.dram_read_bytes = u(rng);
  c.dram_write_bytes = u(rng);
  c.ppu_adds = u(rng);
  c.ppu_mults = u(rng);
  c.ppu_activations = u(rng);
  c.ppu_encodes = u(rng);
  c.leakage_pe_cycles = u(rng);
  return c;
}

TEST(EnergyModel, TotalIsExactlyTheFixedOrderSumOfTheBreakdown) {
  std::mt19937_64 rng(42);
  const CostTables t;
  for (int i = 0; i < 200; ++i) {
    const ActionCounts c = sample_counts(rng);
    const EnergyReport r = evaluate(c, RunInfo{}, t);
    ASSERT_EQ(r.breakdown_pj.size(), kEnergyComponents.size());
    double sum = 0;
    for (const char* comp : kEnergyComponents) sum += r.breakdown_pj.at(comp);
    EXPECT_EQ(sum, r.total_pj);  // bit-exact, not approximately
    double any_order = 0;
    for (const auto& kv : r.breakdown_pj) any_order += kv.second;
    EXPECT_NEAR(any_order, r.total_pj, 1e-12 * r.total_pj);
  }
}

TEST(EnergyModel, EachComponentIsCountTimesCost) {
  const CostTables t;
  const EnergyTable& e = t.energy;
  ActionCounts c;
  c.mac(MacKind::lp8) = 1000;
  c.mac(MacKind::lp2) = 4000;
  c.mac(MacKind::int8) = 10;
  c.decoder_words = 300;
  c.encoder_words = 20;
  c.pe_reg_write_bytes = 5000;
  c.wb = {8 * 1024, 640, 64};
  c.ib = {32 * 1024, 80, 8};
  c.ob = {1024 * 1024, 16, 16};
  c.dram_read_bytes = 64;
  c.dram_write_bytes = 16;
  c.ppu_adds = 3;
  c.ppu_mults = 2;
  c.ppu_activations = 5;
  c.ppu_encodes = 7;
  c.leakage_pe_cycles = 1024;
  const EnergyReport r = evaluate(c, RunInfo{}, t);
  const auto& b = r.breakdown_pj;
  EXPECT_DOUBLE_EQ(b.at("pe_mac"),
                   1000 * e.mac_pj(MacKind::lp8) + 4000 * e.mac_pj(MacKind::lp2) + 10 * 0.3);
  EXPECT_DOUBLE_EQ(b.at("decoder"), 300 * e.value("decoder_word"));
  EXPECT_DOUBLE_EQ(b.at("encoder"), 20 * e.value("encoder_word"));
  EXPECT_DOUBLE_EQ(b.at("pe_regs"), 5000 * 0.03);
  EXPECT_NEAR(b.at("sram_wb"), 704 * 10.0 / 8, 1e-9);
  EXPECT_NEAR(b.at("sram_ib"), 88 * 20.0 / 8, 1e-9);
  EXPECT_NEAR(b.at("sram_ob"), 32 * 100.0 / 8, 1e-9);
  EXPECT_DOUBLE_EQ(b.at("dram"), 80 * 1950.0 / 8);
  EXPECT_DOUBLE_EQ(b.at("ppu"), 3 * 0.9 + 2 * 3.7 + 5 * 0.1 + 7 * e.value("encoder_word"));
  EXPECT_DOUBLE_EQ(b.at("leakage"), 1024 * 0.1 * 0.3);
}

TEST(EnergyModel, SameTrafficCostsMoreInABiggerBuffer) {
  const CostTables t;
  double prev = 0;
  for (std::uint64_t kb : {4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096}) {
    ActionCounts c;
    c.wb = {kb * 1024, 1 << 20, 1 << 18};
    const double e = evaluate(c, RunInfo{}, t).breakdown_pj.at("sram_wb");
    EXPECT_GT(e, prev) << kb;
    prev = e;
  }
}

TEST(EnergyModel, AreaAndMetrics) {
  const CostTables t;
  ActionCounts c;
  c.mac(MacKind::lp8) = 1024ull * 1000;  // 32x32 array busy for 1000 cycles
  c.wb.size_bytes = 128 * 1024;
  c.ib.size_bytes = 256 * 1024;
  c.ob.size_bytes = 128 * 1024;
  RunInfo run;
  run.cycles = 1000;
  run.inferences = 4;
  const EnergyReport r = evaluate(c, run, t);
  EXPECT_NEAR(r.pe_area_mm2, 1024 * 0.0121 / 203, 1e-12);
  EXPECT_NEAR(r.sram_area_mm2, 512 * 8192 * 0.346 / 0.5 / 1e6, 1e-12);
  EXPECT_DOUBLE_EQ(r.area_mm2, r.pe_area_mm2 + r.sram_area_mm2);
  EXPECT_DOUBLE_EQ(r.ops, 2.0 * 1024 * 1000);
  EXPECT_NEAR(r.seconds, 2e-6, 1e-18);
  EXPECT_DOUBLE_EQ(r.tops_per_w, r.ops / r.total_pj);
  EXPECT_NEAR(r.tops_per_w, 2 / t.energy.mac_pj(MacKind::lp8), 1e-12);
  // Full utilisation, MODE 8, 500 MHz: the compute-area figure the PE area was derived from.
  EXPECT_NEAR(r.compute_tops_per_mm2, 203.0 / 0.0121 / 1000, 1e-9);
  EXPECT_NEAR(r.tops_per_mm2, r.ops / r.seconds / 1e12 / r.area_mm2, 1e-9);
  EXPECT_DOUBLE_EQ(r.energy_per_inference_pj, r.total_pj / 4);
  EXPECT_NEAR(r.average_power_w, r.total_pj * 1e-12 / 2e-6, 1e-15);
}

TEST(EnergyModel, NoCyclesNoRates) {
  const EnergyReport r = evaluate(ActionCounts{}, RunInfo{}, CostTables{});
  EXPECT_EQ(r.total_pj, 0.0);
  EXPECT_EQ(r.tops_per_w, 0.0);
  EXPECT_EQ(r.tops_per_mm2, 0.0);
  RunInfo bad;
  bad.inferences = 0;
  EXPECT_THROW(evaluate(ActionCounts{}, bad, CostTables{}), std::invalid_argument);
}

TEST(ActionCounts, AddAndKinds) {
  ActionCounts a, b;
  a.mac(MacKind::lp4) = 3;
  a.wb = {1024, 10, 20};
  b.mac(MacKind::lp4) = 4;
  b.wb = {1024, 1, 2};
  b.dram_read_bytes = 9;
  a += b;
  EXPECT_EQ(a.mac(MacKind::lp4), 7u);
  EXPECT_EQ(a.total_macs(), 7u);
  EXPECT_EQ(a.wb.read_bytes, 11u);
  EXPECT_EQ(a.wb.size_bytes, 1024u);
  EXPECT_EQ(a.dram_read_bytes, 9u);
  ActionCounts c;
  c.wb.size_bytes = 2048;
  EXPECT_THROW(a += c, std::invalid_argument);
  EXPECT_EQ(mac_kind("lp", 2), MacKind::lp2);
  EXPECT_EQ(mac_kind("int", 8), MacKind::int8);
  EXPECT_EQ(mac_kind("fp", 16), MacKind::fp16);
  EXPECT_THROW(mac_kind("lp", 16), std::invalid_argument);
  EXPECT_STREQ(mac_kind_name(MacKind::int4), "int4");
  EXPECT_STREQ(pe_kind_name(PeKind::int_), "int");
}

}  // namespace
}  // namespace lpsim::energy
