// Cross-check: the systolic array's GEMM outputs (tile and cycle fidelity, every dataflow,
// MODE, accumulator mode, several LP formats and the INT PE) equal sw/ref's ref_gemm bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "hw/array/systolic_array.hpp"
#include "hw/codec/fixed_point.hpp"
#include "sw/ref/ref_datapath.hpp"

namespace {

using lpsim::fmt::LpParams;
namespace hw = lpsim::hw;
namespace ref = lpsim::ref;

struct Case {
  bool lp;
  LpParams act, wgt;
  hw::AccMode acc;
  int lin = 8;
};

ref::DatapathSpec to_ref(const hw::PeConfig& pe) {
  ref::DatapathSpec s;
  s.pe = pe.type == hw::PeType::lp ? ref::PeKind::lp : ref::PeKind::integer;
  s.mode = pe.mode;
  s.act = pe.act;
  s.wgt = pe.wgt;
  s.lin_frac_bits = pe.lin_frac_bits;
  s.acc = pe.acc_mode == hw::AccMode::exact    ? ref::AccKind::exact
          : pe.acc_mode == hw::AccMode::narrow ? ref::AccKind::narrow
                                               : ref::AccKind::small_float;
  s.narrow_bits = pe.narrow_bits;
  s.narrow_frac_bits = pe.narrow_frac_bits;
  s.float_frac_bits = pe.float_frac_bits;
  s.max_k = pe.max_k;
  return s;
}

std::string describe(const hw::ArrayConfig& c) {
  return hw::to_string(c.dataflow) + " " + std::to_string(c.rows) + "x" + std::to_string(c.cols) +
         " mode " + std::to_string(c.pe.mode) + " " + hw::to_string(c.pe.type) + " " +
         lpsim::fmt::lp_name(c.pe.act) + " x " + lpsim::fmt::lp_name(c.pe.wgt) +
         " W=" + std::to_string(c.pe.lin_frac_bits) + " acc " + hw::to_string(c.pe.acc_mode);
}

// Random codes; NaR appears with probability ~nar_rate (LP only), zero often enough.
std::vector<std::uint32_t> codes(std::mt19937& rng, std::size_t n, int bits, bool allow_nar,
                                 double nar_rate) {
  std::uniform_int_distribution<std::uint32_t> d(0, (1u << bits) - 1);
  std::uniform_real_distribution<double> u(0, 1);
  const std::uint32_t nar = 1u << (bits - 1);
  std::vector<std::uint32_t> v(n);
  for (auto& c : v) {
    do c = d(rng);
    while (c == nar && !(allow_nar && u(rng) < nar_rate * (1 << bits)));
  }
  return v;
}

// Coverage counters: the random cases must exercise NaR, narrow saturation and nonzero values.
struct Seen {
  int nar = 0, saturated = 0, nonzero = 0;
} g_seen;

void check(const hw::ArrayConfig& cfg, std::mt19937& rng, int m, int k, int n, double nar_rate,
           bool cycle_too) {
  hw::SystolicArray arr(cfg);
  const ref::RefDatapath dp(to_ref(cfg.pe));
  ASSERT_EQ(arr.lsb_exp(), dp.lsb_exp()) << describe(cfg);
  const bool lp = cfg.pe.type == hw::PeType::lp;
  const auto a = codes(rng, static_cast<std::size_t>(m) * k, cfg.pe.mode, lp, nar_rate);
  const auto w = codes(rng, static_cast<std::size_t>(k) * n, cfg.pe.mode, lp, nar_rate);
  const auto pa = hw::pack_act(a, m, k, cfg.pe.mode);
  const auto pw = hw::pack_wgt(w, k, n, cfg.pe.mode);
  const int kw = hw::words_for(k, cfg.pe.mode);
  std::vector<hw::i128> out(static_cast<std::size_t>(m) * n, 7);
  arr.run_tile(hw::GemmJob{pa.data(), pw.data(), out.data(), m, kw, n});
  const auto r = dp.gemm(a.data(), w.data(), m, k, n);
  int bad = 0;
  const hw::i128 sat = (static_cast<hw::i128>(1) << (cfg.pe.narrow_bits - 1)) - 1;
  for (const auto& v : r) {
    g_seen.nar += v.nar;
    g_seen.nonzero += !v.nar && v.units != 0;
    g_seen.saturated +=
        cfg.pe.acc_mode == hw::AccMode::narrow && (v.units == sat || v.units == -sat - 1);
  }
  for (std::size_t i = 0; i < out.size() && bad < 5; ++i) {
    const bool same = out[i] == r[i].hw_units();
    const double dh = hw::acc_to_double(out[i], arr.lsb_exp()), dr = r[i].to_double();
    const bool same_d = (std::isnan(dh) && std::isnan(dr)) || dh == dr;
    if (!same || !same_d) {
      ++bad;
      ADD_FAILURE() << describe(cfg) << " M" << m << " K" << k << " N" << n << " out " << i
                    << ": hw " << hw::to_string_i128(out[i]) << " (" << dh << ") ref "
                    << (r[i].nar ? std::string("NaR") : hw::to_string_i128(r[i].units)) << " ("
                    << dr << ")";
    }
  }
  if (cycle_too) {
    std::vector<hw::i128> out_c(out.size(), 7);
    arr.run_cycle(hw::GemmJob{pa.data(), pw.data(), out_c.data(), m, kw, n});
    for (std::size_t i = 0; i < out.size(); ++i)
      if (out_c[i] != r[i].hw_units()) {
        ADD_FAILURE() << describe(cfg) << " cycle fidelity out " << i;
        break;
      }
  }
}

const Case kCases[] = {
    {true, {8, 2, 3, 0}, {8, 2, 3, 0}, hw::AccMode::exact},
    {true, {8, 1, 4, 2}, {8, 2, 3, -3}, hw::AccMode::exact},
    {true, {8, 0, 7, 0}, {8, 2, 7, 5}, hw::AccMode::exact, 13},
    {true, {8, 2, 3, 0}, {8, 2, 3, 0}, hw::AccMode::exact, 1},
    {true, {8, 2, 3, 0}, {8, 1, 3, 0}, hw::AccMode::narrow},
    {true, {8, 2, 3, 0}, {8, 2, 3, 0}, hw::AccMode::small_float},
    {true, {8, 3, 4, 0}, {8, 3, 4, 0}, hw::AccMode::narrow},  // too wide for exact, fine for narrow
    {true, {8, 3, 3, 1}, {8, 3, 3, -1}, hw::AccMode::small_float, 10},
    {true, {4, 1, 3, 0}, {4, 1, 3, 0}, hw::AccMode::exact},
    {true, {4, 0, 2, 1}, {4, 2, 3, -2}, hw::AccMode::exact, 5},
    {true, {4, 1, 3, 0}, {4, 1, 2, 0}, hw::AccMode::narrow},
    {true, {4, 1, 3, 0}, {4, 1, 3, 0}, hw::AccMode::small_float},
    {true, {2, 0, 1, 0}, {2, 0, 1, 0}, hw::AccMode::exact},
    {true, {2, 1, 1, 3}, {2, 0, 1, -2}, hw::AccMode::exact, 2},
    {true, {2, 0, 1, 0}, {2, 0, 1, 0}, hw::AccMode::narrow},
    {true, {2, 0, 1, 0}, {2, 0, 1, 0}, hw::AccMode::small_float},
    {false, {8, 2, 3, 0}, {8, 2, 3, 0}, hw::AccMode::exact},
    {false, {4, 1, 3, 0}, {4, 1, 3, 0}, hw::AccMode::exact},
    {false, {2, 0, 1, 0}, {2, 0, 1, 0}, hw::AccMode::exact},
    {false, {8, 2, 3, 0}, {8, 2, 3, 0}, hw::AccMode::narrow},
    {false, {4, 1, 3, 0}, {4, 1, 3, 0}, hw::AccMode::small_float},
};

hw::ArrayConfig make_cfg(const Case& c, hw::Dataflow df, int rows, int cols) {
  hw::ArrayConfig cfg;
  cfg.rows = rows;
  cfg.cols = cols;
  cfg.dataflow = df;
  cfg.pe.type = c.lp ? hw::PeType::lp : hw::PeType::integer;
  cfg.pe.mode = c.act.n;
  cfg.pe.act = c.act;
  cfg.pe.wgt = c.wgt;
  cfg.pe.lin_frac_bits = c.lin;
  cfg.pe.acc_mode = c.acc;
  // Narrow: a grid coarse enough to round products and narrow enough to saturate sometimes.
  cfg.pe.narrow_bits = 16;
  cfg.pe.narrow_frac_bits = c.lp ? 4 : -2;
  cfg.pe.float_frac_bits = 5;
  return cfg;
}

TEST(RefCrosscheck, RandomGemmsEveryModeDataflowAndFormat) {
  std::mt19937 rng(2024);
  std::uniform_int_distribution<int> dim(1, 23);
  for (const Case& c : kCases)
    for (const auto df : {hw::Dataflow::ws, hw::Dataflow::os, hw::Dataflow::is})
      for (int trial = 0; trial < 3; ++trial) {
        const int rows = trial == 0 ? 4 : 5, cols = trial == 0 ? 3 : 8;
        check(make_cfg(c, df, rows, cols), rng, dim(rng), dim(rng) * 3, dim(rng),
              trial == 2 ? 0.004 : 0.0, trial == 1);
      }
  EXPECT_GT(g_seen.nar, 0);
  EXPECT_GT(g_seen.saturated, 0);
  EXPECT_GT(g_seen.nonzero, 1000);
}

TEST(RefCrosscheck, LongReductionsAndLargeShapes) {
  std::mt19937 rng(99);
  for (const Case& c : kCases) {
    if (c.acc != hw::AccMode::exact && c.act.n != 8) continue;
    check(make_cfg(c, hw::Dataflow::ws, 8, 8), rng, 17, 700, 19, 0.0, false);
  }
}

}  // namespace
