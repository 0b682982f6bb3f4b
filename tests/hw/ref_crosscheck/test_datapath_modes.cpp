// Issue 13, "Datapath in the workload": every accumulator mode with the controller's K tiles and
// every OB partial-sum format. The hardware side runs each K tile as its own GEMM on the
// systolic array (tile and cycle fidelity) and adds the tiles' sums with hw::PsumUnit, as
// ArrayBackend does; sw/ref models the same rounding from DatapathSpec::k_tile alone. Both must
// agree bit for bit on randomized GEMMs with ragged K tiles, all MODEs, LP and INT PEs. A
// reference that ignores the tiles, or rounds once more, must be caught.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "hw/array/systolic_array.hpp"
#include "hw/codec/fixed_point.hpp"
#include "hw/pe/acc_unit.hpp"
#include "sw/ref/ref_conv.hpp"
#include "sw/ref/ref_datapath.hpp"

namespace {

using lpsim::fmt::LpParams;
namespace hw = lpsim::hw;
namespace ref = lpsim::ref;

struct Mode {
  hw::AccMode acc;
  hw::PsumMode psum;
  int float_frac = 8, float_exp = 0, narrow_bits = 32, narrow_frac = 16, psum_frac = 23, lin = 8;
};

ref::DatapathSpec to_ref(const hw::PeConfig& pe, const Mode& m, std::int64_t k_tile) {
  ref::DatapathSpec s;
  s.pe = pe.type == hw::PeType::lp ? ref::PeKind::lp : ref::PeKind::integer;
  s.mode = pe.mode;
  s.act = pe.act;
  s.wgt = pe.wgt;
  s.lin_frac_bits = pe.lin_frac_bits;
  s.acc = m.acc == hw::AccMode::exact    ? ref::AccKind::exact
          : m.acc == hw::AccMode::narrow ? ref::AccKind::narrow
                                         : ref::AccKind::small_float;
  s.narrow_bits = m.narrow_bits;
  s.narrow_frac_bits = m.narrow_frac;
  s.float_frac_bits = m.float_frac;
  s.float_exp_bits = m.float_exp;
  s.psum = m.psum == hw::PsumMode::exact         ? ref::PsumKind::exact
           : m.psum == hw::PsumMode::small_float ? ref::PsumKind::small_float
                                                 : ref::PsumKind::accumulator;
  s.psum_frac_bits = m.psum_frac;
  s.k_tile = k_tile;
  return s;
}

hw::ArrayConfig make_cfg(bool lp, int mode, const LpParams& a, const LpParams& w, const Mode& m,
                         hw::Dataflow df, int rows, int cols) {
  hw::ArrayConfig c;
  c.rows = rows;
  c.cols = cols;
  c.dataflow = df;
  c.pe.type = lp ? hw::PeType::lp : hw::PeType::integer;
  c.pe.mode = mode;
  c.pe.act = a;
  c.pe.wgt = w;
  c.pe.acc_mode = m.acc;
  c.pe.lin_frac_bits = m.lin;
  c.pe.narrow_bits = m.narrow_bits;
  c.pe.narrow_frac_bits = m.narrow_frac;
  c.pe.float_frac_bits = m.float_frac;
  c.pe.float_exp_bits = m.float_exp;
  return c;
}

std::vector<std::uint32_t> codes(std::mt19937& rng, std::size_t n, int bits, bool lp) {
  std::uniform_int_distribution<std::uint32_t> d(0, (1u << bits) - 1);
  std::vector<std::uint32_t> v(n);
  const std::uint32_t nar = 1u << (bits - 1);
  for (auto& c : v) {
    do c = d(rng);
    while (lp && c == nar && d(rng) % 64 != 0);  // NaR rarely
  }
  return v;
}

// The hardware: K split into tiles of kt elements (the last one ragged), each tile packed into
// its own MODE words and run on the array from 0, the tiles' sums added by the OB's PsumUnit.
std::vector<hw::i128> hw_tiled(const hw::ArrayConfig& cfg, const Mode& m,
                               const std::vector<std::uint32_t>& a,
                               const std::vector<std::uint32_t>& w, int M, int K, int N, int kt,
                               bool cycle) {
  hw::SystolicArray arr(cfg);
  const hw::PsumUnit psum(arr.pe().acc(), m.psum, m.psum_frac);
  std::vector<hw::i128> acc(static_cast<std::size_t>(M) * N, 0);
  const int tiles = (K + kt - 1) / kt;
  for (int t = 0; t < tiles; ++t) {
    const int k0 = t * kt, kn = std::min(kt, K - k0);
    std::vector<std::uint32_t> at(static_cast<std::size_t>(M) * kn), wt(static_cast<std::size_t>(kn) * N);
    for (int i = 0; i < M; ++i)
      for (int k = 0; k < kn; ++k) at[static_cast<std::size_t>(i) * kn + k] = a[static_cast<std::size_t>(i) * K + k0 + k];
    for (int k = 0; k < kn; ++k)
      for (int j = 0; j < N; ++j) wt[static_cast<std::size_t>(k) * N + j] = w[static_cast<std::size_t>(k0 + k) * N + j];
    const auto pa = hw::pack_act(at, M, kn, cfg.pe.mode);
    const auto pw = hw::pack_wgt(wt, kn, N, cfg.pe.mode);
    std::vector<hw::i128> out(acc.size(), 7);
    const hw::GemmJob job{pa.data(), pw.data(), out.data(), M, hw::words_for(kn, cfg.pe.mode), N};
    if (cycle)
      arr.run_cycle(job);
    else
      arr.run_tile(job);
    for (std::size_t i = 0; i < acc.size(); ++i) {
      if (tiles == 1)
        acc[i] = out[i];
      else if (t == 0)
        acc[i] = psum.store(out[i]);
      else
        acc[i] = psum.add(acc[i], out[i]);
    }
  }
  return acc;
}

std::string describe(const hw::ArrayConfig& c, const Mode& m, int M, int K, int N, int kt) {
  return hw::to_string(c.dataflow) + " " + std::to_string(c.rows) + "x" + std::to_string(c.cols) +
         " mode " + std::to_string(c.pe.mode) + " " + hw::to_string(c.pe.type) + " " +
         lpsim::fmt::lp_name(c.pe.act) + " acc " + hw::to_string(m.acc) + " psum " +
         std::to_string(static_cast<int>(m.psum)) + " M" + std::to_string(M) + " K" +
         std::to_string(K) + " N" + std::to_string(N) + " kt" + std::to_string(kt);
}

const Mode kModes[] = {
    {hw::AccMode::exact, hw::PsumMode::accumulator},
    {hw::AccMode::exact, hw::PsumMode::small_float, 8, 0, 32, 16, 6},
    {hw::AccMode::small_float, hw::PsumMode::accumulator},  // the poster's running sum
    {hw::AccMode::small_float, hw::PsumMode::accumulator, 4, 3},  // saturating 3-bit exponent
    {hw::AccMode::small_float, hw::PsumMode::exact, 5},
    {hw::AccMode::small_float, hw::PsumMode::small_float, 8, 0, 32, 16, 12, 6},
    {hw::AccMode::narrow, hw::PsumMode::accumulator, 8, 0, 16, 6},  // saturates often
    {hw::AccMode::narrow, hw::PsumMode::exact, 8, 0, 12, 4},
    {hw::AccMode::narrow, hw::PsumMode::small_float, 8, 0, 24, 10, 9},
};

struct Fmt {
  bool lp;
  int mode;
  LpParams a, w;
};
const Fmt kFormats[] = {
    {true, 8, {8, 2, 3, 0}, {8, 2, 3, 0}},  {true, 8, {8, 1, 4, 2}, {8, 2, 3, -3}},
    {true, 4, {4, 1, 3, 0}, {4, 1, 2, 1}},  {true, 2, {2, 0, 1, 0}, {2, 1, 1, -1}},
    {false, 8, {8, 2, 3, 0}, {8, 2, 3, 0}}, {false, 4, {4, 1, 3, 0}, {4, 1, 3, 0}},
    {false, 2, {2, 0, 1, 0}, {2, 0, 1, 0}},
};

TEST(DatapathModes, KTilesOfEveryAccumulatorAndPsumFormatEqualTheReference) {
  std::mt19937 rng(2026);
  const hw::Dataflow dfs[] = {hw::Dataflow::ws, hw::Dataflow::is, hw::Dataflow::os};
  int cases = 0, tiled = 0, differs_untiled = 0;
  for (const Fmt& f : kFormats)
    for (const Mode& m : kModes) {
      for (int rep = 0; rep < 4; ++rep) {
        std::uniform_int_distribution<int> dim(1, 9), kd(1, 70);
        const int M = dim(rng), N = dim(rng), K = kd(rng);
        const int kt = std::uniform_int_distribution<int>(1, K + 3)(rng);  // ragged, or one tile
        const hw::Dataflow df = dfs[static_cast<std::size_t>(rep) % 3];
        const hw::ArrayConfig cfg = make_cfg(f.lp, f.mode, f.a, f.w, m, df, 1 + rep, 2 + rep % 3);
        const auto a = codes(rng, static_cast<std::size_t>(M) * K, f.mode, f.lp);
        const auto w = codes(rng, static_cast<std::size_t>(K) * N, f.mode, f.lp);
        const ref::RefDatapath dp(to_ref(cfg.pe, m, kt < K ? kt : 0));
        const auto r = dp.gemm(a.data(), w.data(), M, K, N);
        const ref::RefDatapath dp1(to_ref(cfg.pe, m, 0));
        const auto r1 = dp1.gemm(a.data(), w.data(), M, K, N);
        for (bool cycle : {false, true}) {
          const auto h = hw_tiled(cfg, m, a, w, M, K, N, kt, cycle);
          for (std::size_t i = 0; i < h.size(); ++i)
            ASSERT_EQ(h[i], r[i].hw_units())
                << describe(cfg, m, M, K, N, kt) << (cycle ? " cycle" : " tile") << " out " << i
                << ": hw " << hw::to_string_i128(h[i]) << " ref "
                << (r[i].nar ? std::string("NaR") : hw::to_string_i128(r[i].units));
        }
        ++cases;
        tiled += kt < K;
        for (std::size_t i = 0; i < r.size(); ++i)
          if (r[i] != r1[i]) {
            ++differs_untiled;
            break;
          }
      }
    }
  EXPECT_GT(cases, 200);
  EXPECT_GT(tiled, 100);
  // The tiles really change results in the rounding modes (else the test could not fail).
  EXPECT_GT(differs_untiled, 20);
}

// The reference's conv path (ref_conv2d: direct loops, padding as zero k slots) closes K tiles
// at the same k as the im2col GEMM the hardware runs.
TEST(DatapathModes, ConvKTilesEqualTheGemmOfTheIm2colRows) {
  std::mt19937 rng(7);
  for (const Mode& m : kModes)
    for (int mode : {8, 4, 2}) {
      ref::ConvShape s;
      s.batch = 1;
      s.in_c = 4;
      s.in_h = 5;
      s.in_w = 6;
      s.out_c = 3;
      s.kh = 3;
      s.kw = 3;
      s.stride = 1;
      s.pad = 1;
      s.groups = 1;
      hw::PeConfig pe;
      pe.mode = mode;
      pe.act = pe.wgt = mode == 8 ? LpParams{8, 2, 3, 0} : mode == 4 ? LpParams{4, 1, 3, 0} : LpParams{2, 0, 1, 0};
      const int K = s.in_c * s.kh * s.kw;
      for (int kt : {9, 13, 18}) {
        const ref::RefDatapath dp(to_ref(pe, m, kt));
        const auto in = codes(rng, static_cast<std::size_t>(s.in_c) * s.in_h * s.in_w, mode, true);
        const auto wg = codes(rng, static_cast<std::size_t>(s.out_c) * K, mode, true);
        const auto conv = ref::ref_conv2d(dp, s, in.data(), wg.data());
        const auto rows = ref::im2col_codes(s, in.data(), 0, 0);
        const auto wm = ref::conv_weight_gemm(s, wg.data(), 0);
        const int M = s.out_h() * s.out_w();
        const auto g = dp.gemm(rows.data(), wm.data(), M, K, s.out_c);
        for (int o = 0; o < s.out_c; ++o)
          for (int p = 0; p < M; ++p)
            ASSERT_EQ(conv[static_cast<std::size_t>(o) * M + p], g[static_cast<std::size_t>(p) * s.out_c + o])
                << "mode " << mode << " kt " << kt << " acc " << hw::to_string(m.acc);
      }
    }
}

// Mutation tests: a reference that ignores the K tiles, or rounds the small float to one bit
// fewer, disagrees with the hardware on these GEMMs.
TEST(DatapathModes, AWrongReferenceRoundingIsCaught) {
  std::mt19937 rng(99);
  const Mode m{hw::AccMode::small_float, hw::PsumMode::accumulator};
  const hw::ArrayConfig cfg = make_cfg(true, 8, {8, 2, 3, 0}, {8, 2, 3, 0}, m, hw::Dataflow::ws, 4, 4);
  const int M = 6, K = 64, N = 5, kt = 20;
  const auto a = codes(rng, M * K, 8, false), w = codes(rng, K * N, 8, false);
  const auto h = hw_tiled(cfg, m, a, w, M, K, N, kt, false);
  auto mismatches = [&](const ref::DatapathSpec& s) {
    const auto r = ref::RefDatapath(s).gemm(a.data(), w.data(), M, K, N);
    int bad = 0;
    for (std::size_t i = 0; i < h.size(); ++i) bad += h[i] != r[i].hw_units();
    return bad;
  };
  EXPECT_EQ(mismatches(to_ref(cfg.pe, m, kt)), 0);
  EXPECT_GT(mismatches(to_ref(cfg.pe, m, 0)), 0);  // K tiles ignored
  Mode fewer = m;
  fewer.float_frac = 7;
  EXPECT_GT(mismatches(to_ref(cfg.pe, fewer, kt)), 0);  // one fraction bit short
  Mode psum_exact = m;
  psum_exact.psum = hw::PsumMode::exact;
  EXPECT_GT(mismatches(to_ref(cfg.pe, psum_exact, kt)), 0);  // OB format ignored
}

// small_float with an E-bit exponent saturates at (2^p - 1) 2^(2^E - 2) grid units.
TEST(DatapathModes, SmallFloatExponentSaturates) {
  const hw::AccUnit u(hw::AccMode::small_float, -32, 74, 4, 2);  // p = 5, top = 2
  const hw::i128 max = (hw::i128{31}) << 2;
  EXPECT_EQ(u.float_max(), max);
  EXPECT_EQ(u.add(0, 1000), max);
  EXPECT_EQ(u.add(0, -1000), -max);
  EXPECT_EQ(u.add(0, 13), 13);  // below 2^p: exact (subnormal range)
  ref::DatapathSpec s;
  s.acc = ref::AccKind::small_float;
  s.float_frac_bits = 4;
  s.float_exp_bits = 2;
  EXPECT_EQ(ref::modes::acc_post_add(s, 1000), max);
  EXPECT_EQ(ref::modes::acc_post_add(s, -1000), -max);
  EXPECT_EQ(ref::modes::acc_post_add(s, 13), 13);
  EXPECT_EQ(ref::modes::acc_post_add(s, 35), 36);  // 100011 -> 5 bits: 10010 (ties to even)
  EXPECT_EQ(u.add(0, 35), 36);
}

}  // namespace
