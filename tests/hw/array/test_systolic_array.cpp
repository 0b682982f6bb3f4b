// Systolic array core: both fidelities against each other, the closed forms and a reference GEMM.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "hw/array/systolic_array.hpp"
#include "hw/pe/lp_pe.hpp"
#include "sw/common/parallel.hpp"

namespace {

using namespace lpsim::hw;
using lpsim::fmt::LpFormat;
using lpsim::fmt::LpParams;

// ---- Reference GEMM, written independently of the array and PE code -------------------
// Datapath semantics (docs/datapath.md): lane product = +-nearest(2^frac(La+Lw) * 2^W) *
// 2^(floor(La+Lw) - W); the lanes of a word are summed exactly; the running sum over k
// (ascending) is exact, clamped (narrow) or rounded to F+1 significant bits (small float).
struct RefGemm {
  PeConfig pe;
  int lsb = 0;  // grid of the result (taken from the array under test: a sizing, not a value)
  std::shared_ptr<LpFormat> fa, fw;
  RefGemm(const PeConfig& p, int l) : pe(p), lsb(l) {
    if (pe.type == PeType::lp) {
      fa = std::make_shared<LpFormat>(pe.act);
      fw = std::make_shared<LpFormat>(pe.wgt);
    }
  }

  i128 place(bool neg, i128 sig, int exp) const {  // sig * 2^exp on the grid, RNE
    const int sh = exp - lsb;
    i128 v;
    if (sh >= 0) {
      v = sig << std::min(sh, 100);
    } else {
      const i128 q = sig >> -sh, rem = sig - (q << -sh), half = static_cast<i128>(1) << (-sh - 1);
      v = q + ((rem > half || (rem == half && (q & 1))) ? 1 : 0);
    }
    return neg ? -v : v;
  }
  // Returns false for NaR.
  bool lane(std::uint32_t a, std::uint32_t w, i128& out) const {
    if (pe.type == PeType::integer) {
      auto val = [&](std::uint32_t c) { return static_cast<int>(c) - ((c >> (pe.mode - 1)) ? (1 << pe.mode) : 0); };
      const long p = static_cast<long>(val(a)) * val(w);
      out = p == 0 ? 0 : place(p < 0, p < 0 ? -p : p, 0);
      return true;
    }
    const auto ea = fa->fields(a), ew = fw->fields(w);
    if (ea.nar || ew.nar) return false;
    if (ea.zero || ew.zero) {
      out = 0;
      return true;
    }
    const double L = ea.log2 + ew.log2, fl = std::floor(L);
    const auto sig = static_cast<i128>(std::nearbyintl(std::pow(2.0L, static_cast<long double>(L - fl)) * std::ldexp(1.0L, pe.lin_frac_bits)));
    out = place(ea.negative != ew.negative, sig, static_cast<int>(fl) - pe.lin_frac_bits);
    return true;
  }
  i128 accumulate(i128 acc, i128 p) const {
    const i128 s = acc + p;
    if (pe.acc_mode == AccMode::narrow) {
      const i128 mx = (static_cast<i128>(1) << (pe.narrow_bits - 1)) - 1;
      return std::clamp(s, -mx - 1, mx);
    }
    if (pe.acc_mode == AccMode::small_float && s != 0) {
      i128 m = s < 0 ? -s : s;
      int msb = 0;
      while ((m >> (msb + 1)) != 0) ++msb;
      const int sh = msb - pe.float_frac_bits;
      if (sh > 0) {
        const i128 q = m >> sh, rem = m - (q << sh), half = static_cast<i128>(1) << (sh - 1);
        m = (q + ((rem > half || (rem == half && (q & 1))) ? 1 : 0)) << sh;
      }
      return s < 0 ? -m : m;
    }
    return s;
  }
  // A[M x K], W[K x N] element codes -> out[M x N].
  std::vector<i128> run(const std::vector<std::uint32_t>& A, const std::vector<std::uint32_t>& W, int M, int K,
                        int N) const {
    const int l = 8 / pe.mode, kw = (K + l - 1) / l;
    std::vector<i128> out(static_cast<std::size_t>(M) * N);
    // Lane products memoised per code pair (codes are <= 8 bits).
    std::vector<i128> lp(1 << 16);
    std::vector<char> lnar(1 << 16);
    for (std::uint32_t a = 0; a < (1u << pe.mode); ++a)
      for (std::uint32_t w = 0; w < (1u << pe.mode); ++w) lnar[(a << 8) | w] = !lane(a, w, lp[(a << 8) | w]);
    for (int m = 0; m < M; ++m)
      for (int n = 0; n < N; ++n) {
        i128 acc = 0;
        bool nar = false;
        for (int k0 = 0; k0 < kw; ++k0) {
          i128 word = 0;
          for (int j = 0; j < l; ++j) {
            const int k = k0 * l + j;
            if (k >= K) break;
            const std::uint32_t idx = (A[static_cast<std::size_t>(m) * K + k] << 8) | W[static_cast<std::size_t>(k) * N + n];
            if (lnar[idx]) nar = true; else word += lp[idx];
          }
          acc = accumulate(acc, word);
        }
        out[static_cast<std::size_t>(m) * N + n] = nar ? kAccNaR : acc;
      }
    return out;
  }
};

// Closed forms written out again from docs/datapath.md ("Array timing"), per fold.
std::uint64_t formula_cycles(const ArrayConfig& c, int M, int Kw, int N) {
  const int R = c.rows, C = c.cols;
  std::uint64_t t = 0;
  if (c.dataflow == Dataflow::ws || c.dataflow == Dataflow::is) {
    const int Q = c.dataflow == Dataflow::ws ? M : N, P = c.dataflow == Dataflow::ws ? N : M;
    t = static_cast<std::uint64_t>(R);  // first stationary preload
    for (int p0 = 0; p0 < P; p0 += C)
      for (int k0 = 0; k0 < Kw; k0 += R) t += static_cast<std::uint64_t>(Q + R + std::min(C, P - p0) - 2);
    return t;
  }
  bool first = true;
  for (int m0 = 0; m0 < M; m0 += R)
    for (int n0 = 0; n0 < N; n0 += C) {
      const std::uint64_t d = static_cast<std::uint64_t>(Kw + std::min(R, M - m0) + std::min(C, N - n0) - 2);
      t += first ? d : std::max<std::uint64_t>(d, static_cast<std::uint64_t>(R));
      first = false;
    }
  return t + static_cast<std::uint64_t>(R);
}

std::uint32_t random_code(std::mt19937& rng, int n, bool allow_nar) {
  for (;;) {
    const std::uint32_t c = rng() & ((1u << n) - 1u);
    if (allow_nar || c != (1u << (n - 1))) return c;
  }
}

struct Case {
  ArrayConfig cfg;
  int M, K, N;
};

// Runs one GEMM through both fidelities and the reference; returns the tile output.
std::vector<i128> check_case(const Case& cs, std::mt19937& rng, double nar_rate = 0.0,
                             std::vector<std::uint32_t>* A_out = nullptr, std::vector<std::uint32_t>* W_out = nullptr,
                             const std::vector<std::uint32_t>* A_in = nullptr, const std::vector<std::uint32_t>* W_in = nullptr) {
  const int mode = cs.cfg.pe.mode, M = cs.M, K = cs.K, N = cs.N;
  std::vector<std::uint32_t> A(static_cast<std::size_t>(M) * K), W(static_cast<std::size_t>(K) * N);
  std::uniform_real_distribution<double> u(0, 1);
  for (auto& c : A) c = u(rng) < nar_rate ? (1u << (mode - 1)) : random_code(rng, mode, false);
  for (auto& c : W) c = u(rng) < nar_rate ? (1u << (mode - 1)) : random_code(rng, mode, false);
  if (A_in) A = *A_in;
  if (W_in) W = *W_in;
  if (A_out) *A_out = A;
  if (W_out) *W_out = W;
  const auto a = pack_act(A, M, K, mode);
  const auto w = pack_wgt(W, K, N, mode);
  const int kw = words_for(K, mode);
  std::vector<i128> out_tile(static_cast<std::size_t>(M) * N, 7), out_cycle(static_cast<std::size_t>(M) * N, 9);
  SystolicArray arr(cs.cfg);
  const std::uint64_t ct = arr.run_tile(GemmJob{a.data(), w.data(), out_tile.data(), M, kw, N});
  const std::uint64_t cc = arr.run_cycle(GemmJob{a.data(), w.data(), out_cycle.data(), M, kw, N});
  const std::string what = to_string(cs.cfg.dataflow) + " " + std::to_string(cs.cfg.rows) + "x" +
                           std::to_string(cs.cfg.cols) + " mode " + std::to_string(mode) + " acc " +
                           to_string(cs.cfg.pe.acc_mode) + " M=" + std::to_string(M) + " K=" +
                           std::to_string(K) + " N=" + std::to_string(N);
  EXPECT_EQ(ct, cc) << what;
  EXPECT_EQ(ct, formula_cycles(cs.cfg, M, kw, N)) << what;
  EXPECT_EQ(ct, SystolicArray::gemm_cycles(cs.cfg, M, kw, N)) << what;
  RefGemm ref{cs.cfg.pe, arr.lsb_exp()};
  const auto out_ref = ref.run(A, W, M, K, N);
  std::size_t bad_tile = 0, bad_cycle = 0;
  for (std::size_t i = 0; i < out_ref.size(); ++i) {
    bad_tile += out_tile[i] != out_ref[i];
    bad_cycle += out_cycle[i] != out_ref[i];
  }
  EXPECT_EQ(bad_tile, 0u) << what;
  EXPECT_EQ(bad_cycle, 0u) << what;
  EXPECT_EQ(arr.stats().gemms, 2u);
  EXPECT_EQ(arr.stats().cycles, 2 * ct);
  return out_tile;
}

ArrayConfig array_cfg(int R, int C, Dataflow df, int mode, AccMode acc = AccMode::exact) {
  ArrayConfig c;
  c.rows = R;
  c.cols = C;
  c.dataflow = df;
  c.pe.mode = mode;
  c.pe.act = LpParams{mode, mode == 8 ? 2 : 1, mode == 2 ? 1 : 3, mode == 8 ? 1 : 0};
  c.pe.wgt = LpParams{mode, mode == 8 ? 1 : 0, mode - 1, mode == 8 ? -2 : 0};
  c.pe.acc_mode = acc;
  return c;
}

TEST(SystolicArray, RandomRaggedGemmsEveryModeAndDataflow) {
  std::mt19937 rng(2024);
  std::uniform_int_distribution<int> dim(1, 23);
  int cases = 0;
  for (Dataflow df : {Dataflow::ws, Dataflow::os, Dataflow::is})
    for (int mode : {8, 4, 2})
      for (auto [R, C] : {std::pair{4, 3}, std::pair{5, 8}, std::pair{1, 1}})
        for (int t = 0; t < 3; ++t) {
          check_case(Case{array_cfg(R, C, df, mode), dim(rng), dim(rng) * 2 + 1, dim(rng)}, rng);
          ++cases;
        }
  EXPECT_EQ(cases, 81);
}

TEST(SystolicArray, NarrowAndSmallFloatAccumulatorsAgreeAcrossFidelities) {
  std::mt19937 rng(5);
  for (Dataflow df : {Dataflow::ws, Dataflow::os, Dataflow::is})
    for (AccMode acc : {AccMode::narrow, AccMode::small_float})
      for (int mode : {8, 4}) {
        ArrayConfig c = array_cfg(4, 5, df, mode, acc);
        c.pe.narrow_bits = 16;
        c.pe.narrow_frac_bits = 2;
        check_case(Case{c, 9, 37, 7}, rng);
      }
}

TEST(SystolicArray, NarrowAccumulatorSaturatesInTheArray) {
  std::mt19937 rng(11);
  ArrayConfig c = array_cfg(4, 4, Dataflow::ws, 8, AccMode::narrow);
  c.pe.act = c.pe.wgt = LpParams{8, 2, 3, 0};
  c.pe.narrow_bits = 12;
  c.pe.narrow_frac_bits = 0;  // [-2048, 2047]
  const int M = 3, K = 9, N = 2;
  std::vector<std::uint32_t> A(M * K, 0x7F), W(K * N, 0x7F);  // maxpos^2 = 2^23.5 each
  for (int k = 0; k < K; ++k) W[k * N + 1] = 0xC0;            // column 1: -1 * maxpos
  const auto out = check_case(Case{c, M, K, N}, rng, 0.0, nullptr, nullptr, &A, &W);
  for (int m = 0; m < M; ++m) {
    EXPECT_EQ(out[m * N + 0], 2047);
    EXPECT_EQ(out[m * N + 1], -2048);
  }
}

TEST(SystolicArray, ZeroAndNaROperands) {
  std::mt19937 rng(13);
  for (Dataflow df : {Dataflow::ws, Dataflow::os, Dataflow::is})
    for (int mode : {8, 2}) {
      std::vector<std::uint32_t> A, W;
      const int M = 11, K = 13, N = 6;
      const auto out = check_case(Case{array_cfg(4, 4, df, mode), M, K, N}, rng, 0.02, &A, &W);
      const std::uint32_t nar = 1u << (mode - 1);
      for (int m = 0; m < M; ++m)
        for (int n = 0; n < N; ++n) {
          bool expect_nar = false;
          for (int k = 0; k < K; ++k) expect_nar |= A[m * K + k] == nar || W[k * N + n] == nar;
          EXPECT_EQ(out[m * N + n] == kAccNaR, expect_nar);
        }
    }
  // All-zero operands give exact zeros.
  std::vector<std::uint32_t> Z(5 * 7, 0), Wr(7 * 3);
  for (auto& c : Wr) c = random_code(rng, 8, false);
  const auto out = check_case(Case{array_cfg(3, 3, Dataflow::ws, 8), 5, 7, 3}, rng, 0.0, nullptr, nullptr, &Z, &Wr);
  for (i128 v : out) EXPECT_EQ(v, 0);
}

TEST(SystolicArray, IntPeArray) {
  std::mt19937 rng(17);
  for (Dataflow df : {Dataflow::ws, Dataflow::os, Dataflow::is})
    for (int mode : {8, 4, 2}) {
      ArrayConfig c = array_cfg(4, 3, df, mode);
      c.pe.type = PeType::integer;
      check_case(Case{c, 10, 21, 5}, rng);
    }
}

TEST(SystolicArray, ErrorAgainstFp32Gemm) {
  // LP8 <8,2,3,0> values, W = 8: the array result against an FP32 GEMM of the decoded values.
  std::mt19937 rng(19);
  ArrayConfig c = array_cfg(8, 8, Dataflow::ws, 8);
  c.pe.act = c.pe.wgt = LpParams{8, 2, 3, 0};
  const int M = 16, K = 64, N = 16;
  std::normal_distribution<double> g(0, 1);
  const LpFormat f(c.pe.act);
  std::vector<std::uint32_t> A(M * K), W(K * N);
  for (auto& x : A) x = f.encode(g(rng));
  for (auto& x : W) x = f.encode(g(rng) * 0.1);
  const auto out = check_case(Case{c, M, K, N}, rng, 0.0, nullptr, nullptr, &A, &W);
  SystolicArray arr(c);
  double se = 0, ss = 0, max_rel = 0;
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      float s = 0;
      for (int k = 0; k < K; ++k)
        s += static_cast<float>(f.decode(A[m * K + k])) * static_cast<float>(f.decode(W[k * N + n]));
      const double v = acc_to_double(out[m * N + n], arr.lsb_exp());
      se += (v - s) * (v - s);
      ss += static_cast<double>(s) * s;
      max_rel = std::max(max_rel, std::fabs(v - s) / (std::fabs(s) + 1e-3));
    }
  const double rel_rms = std::sqrt(se / ss);
  RecordProperty("rel_rms_error_vs_fp32", std::to_string(rel_rms));
  std::printf("array (W=8) vs FP32 GEMM: relative RMS error %.3g, max rel %.3g\n", rel_rms, max_rel);
  EXPECT_LT(rel_rms, 2e-3);  // converter rounding: <= 2^-9 relative per product
}

TEST(SystolicArray, PeStateShowsStationaryWeightsAndMovingData) {
  ArrayConfig c = array_cfg(3, 3, Dataflow::ws, 8);
  std::vector<std::uint8_t> a(4 * 3, 0x40), w(3 * 3);
  for (int i = 0; i < 9; ++i) w[i] = static_cast<std::uint8_t>(0x41 + i);
  std::vector<i128> out(4 * 3);
  SystolicArray arr(c);
  arr.start(GemmJob{a.data(), w.data(), out.data(), 4, 3, 3});
  for (int i = 0; i < 3; ++i) arr.step();  // preload
  EXPECT_EQ(arr.pe_state(0, 0).vert, 0x41);
  EXPECT_EQ(arr.pe_state(2, 2).vert, 0x49);
  arr.step();
  EXPECT_EQ(arr.pe_state(0, 0).act, 0x40);
  EXPECT_EQ(arr.pe_state(0, 1).act, 0x00);
  EXPECT_TRUE(arr.busy());
  while (arr.busy()) arr.step();
  EXPECT_EQ(arr.cycle(), SystolicArray::gemm_cycles(c, 4, 3, 3));
}

TEST(ArrayConfig, Validates) {
  ArrayConfig c;
  c.rows = 0;
  EXPECT_THROW(c.validate(), ConfigError);
  c = ArrayConfig{};
  c.pe.mode = 4;  // formats are still LP8
  EXPECT_THROW(SystolicArray{c}, ConfigError);
  EXPECT_THROW(dataflow_from_string("rs"), ConfigError);
  SystolicArray arr(ArrayConfig{});
  std::vector<std::uint8_t> a(1), w(1);
  std::vector<i128> o(1);
  EXPECT_THROW(arr.run_tile(GemmJob{a.data(), w.data(), o.data(), 0, 1, 1}), ConfigError);
}

// Tile fidelity splits the rows over threads: every output is byte-identical for 1 and N threads,
// in every accumulator mode, NaR rows and columns included.
TEST(SystolicArrayThreads, TileOutputsEqualForAnyThreadCount) {
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> u(0, 1);
  for (AccMode am : {AccMode::exact, AccMode::narrow, AccMode::small_float}) {
    ArrayConfig c;
    c.pe.acc_mode = am;
    const int mode = c.pe.mode, M = 301, K = 77, N = 45;
    std::vector<std::uint32_t> A(static_cast<std::size_t>(M) * K), W(static_cast<std::size_t>(K) * N);
    for (auto& x : A) x = u(rng) < 0.002 ? (1u << (mode - 1)) : random_code(rng, mode, false);
    for (auto& x : W) x = u(rng) < 0.002 ? (1u << (mode - 1)) : random_code(rng, mode, false);
    const auto a = pack_act(A, M, K, mode);
    const auto w = pack_wgt(W, K, N, mode);
    const int kw = words_for(K, mode);
    std::vector<std::vector<i128>> outs;
    for (int threads : {1, 4, 0}) {
      lpsim::set_threads(threads);
      std::vector<i128> out(static_cast<std::size_t>(M) * N, 5);
      SystolicArray arr(c);
      arr.run_tile(GemmJob{a.data(), w.data(), out.data(), M, kw, N});
      outs.push_back(out);
    }
    lpsim::set_threads(0);
    EXPECT_TRUE(outs[0] == outs[1]) << to_string(am);
    EXPECT_TRUE(outs[0] == outs[2]) << to_string(am);
  }
}

// ---- Cycle-detected folds and activity counts -------------------------------------------
// The counts of one GEMM written out again from the schedule (docs/datapath.md, "Array
// timing"), fold by fold, independently of SystolicArray::gemm_stats.
struct FormulaCounts {
  std::uint64_t tiles = 0, word_macs = 0, stationary = 0, streamed = 0, outputs = 0;
  std::vector<std::uint64_t> folds;
};

FormulaCounts formula_counts(const ArrayConfig& c, int M, int Kw, int N) {
  FormulaCounts f;
  const int R = c.rows, C = c.cols;
  auto u = [](int x) { return static_cast<std::uint64_t>(x); };
  if (c.dataflow == Dataflow::os) {
    for (int m0 = 0; m0 < M; m0 += R)
      for (int n0 = 0; n0 < N; n0 += C) {
        const int mt = std::min(R, M - m0), nt = std::min(C, N - n0);
        ++f.tiles;
        f.word_macs += u(mt) * u(Kw) * u(nt);  // every PE of the fold pairs Kw words
        f.streamed += u(mt + nt) * u(Kw);      // Kw words into each used row and column
        f.outputs += u(mt) * u(nt);
        f.folds.push_back(u(Kw + mt + nt - 2));
      }
    return f;
  }
  const int Q = c.dataflow == Dataflow::ws ? M : N, P = c.dataflow == Dataflow::ws ? N : M;
  for (int p0 = 0; p0 < P; p0 += C)
    for (int k0 = 0; k0 < Kw; k0 += R) {
      const int pt = std::min(C, P - p0), kt = std::min(R, Kw - k0);
      ++f.tiles;
      f.word_macs += u(Q) * u(kt) * u(pt);
      f.stationary += u(kt) * u(pt);
      f.streamed += u(Q) * u(kt);
      if (k0 + kt == Kw) f.outputs += u(Q) * u(pt);  // final sums leave on the last K fold
      f.folds.push_back(u(Q + R + pt - 2));
    }
  return f;
}

// One GEMM in tile fidelity and in cycle fidelity (lean or full register view): the fold
// lengths and counts the cycle engine detected == the closed forms == this file's formulas ==
// tile fidelity's counts, and the outputs are the same bits.
void check_detected(const ArrayConfig& cfg, int M, int K, int N, std::mt19937& rng, bool full_regs) {
  const int mode = cfg.pe.mode, kw = words_for(K, mode);
  std::vector<std::uint32_t> A(static_cast<std::size_t>(M) * K), W(static_cast<std::size_t>(K) * N);
  for (auto& c : A) c = rng() % 50 == 0 ? (1u << (mode - 1)) : random_code(rng, mode, false);
  for (auto& c : W) c = rng() % 50 == 0 ? (1u << (mode - 1)) : random_code(rng, mode, false);
  const auto a = pack_act(A, M, K, mode);
  const auto w = pack_wgt(W, K, N, mode);
  std::vector<i128> out_tile(static_cast<std::size_t>(M) * N, 1), out_cycle(static_cast<std::size_t>(M) * N, 2);
  SystolicArray tile(cfg), cyc(cfg);
  cyc.set_full_registers(full_regs);
  tile.run_tile(GemmJob{a.data(), w.data(), out_tile.data(), M, kw, N});
  cyc.run_cycle(GemmJob{a.data(), w.data(), out_cycle.data(), M, kw, N});
  const std::string what = to_string(cfg.dataflow) + " " + std::to_string(cfg.rows) + "x" +
                           std::to_string(cfg.cols) + " mode " + std::to_string(mode) + " M=" +
                           std::to_string(M) + " K=" + std::to_string(K) + " N=" + std::to_string(N) +
                           (full_regs ? " full" : " lean");
  EXPECT_TRUE(out_tile == out_cycle) << what;
  const FormulaCounts f = formula_counts(cfg, M, kw, N);
  EXPECT_EQ(cyc.fold_cycles(), f.folds) << what;
  EXPECT_EQ(SystolicArray::fold_cycles_closed(cfg, M, kw, N), f.folds) << what;
  const ArrayStats closed = SystolicArray::gemm_stats(cfg, M, kw, N);
  const ArrayStats &d = cyc.stats(), &t = tile.stats();
  const std::uint64_t pes = static_cast<std::uint64_t>(cfg.rows) * static_cast<std::uint64_t>(cfg.cols);
  EXPECT_EQ(d.cycles, closed.cycles) << what;
  EXPECT_EQ(d.cycles, formula_cycles(cfg, M, kw, N)) << what;
  EXPECT_EQ(d.tiles, f.tiles) << what;
  EXPECT_EQ(d.word_macs, f.word_macs) << what;
  EXPECT_EQ(d.lane_macs, f.word_macs * static_cast<std::uint64_t>(8 / mode)) << what;
  EXPECT_EQ(d.stationary_words, f.stationary) << what;
  EXPECT_EQ(d.streamed_words, f.streamed) << what;
  EXPECT_EQ(d.outputs, f.outputs) << what;
  EXPECT_EQ(d.idle_pe_cycles, d.cycles * pes - f.word_macs) << what;
  for (const ArrayStats* s : {&closed, &t}) {
    EXPECT_EQ(s->cycles, d.cycles) << what;
    EXPECT_EQ(s->tiles, d.tiles) << what;
    EXPECT_EQ(s->word_macs, d.word_macs) << what;
    EXPECT_EQ(s->lane_macs, d.lane_macs) << what;
    EXPECT_EQ(s->stationary_words, d.stationary_words) << what;
    EXPECT_EQ(s->streamed_words, d.streamed_words) << what;
    EXPECT_EQ(s->outputs, d.outputs) << what;
    EXPECT_EQ(s->idle_pe_cycles, d.idle_pe_cycles) << what;
  }
  EXPECT_EQ(t.nar_outputs, d.nar_outputs) << what;
}

TEST(SystolicArrayDetected, FoldsAndCountsEqualClosedFormsAndTileFidelity) {
  std::mt19937 rng(1313);
  std::uniform_int_distribution<int> dim(1, 40);
  int cases = 0;
  for (Dataflow df : {Dataflow::ws, Dataflow::os, Dataflow::is})
    for (int mode : {8, 4, 2})
      for (auto [R, C] : {std::pair{4, 3}, std::pair{5, 8}, std::pair{1, 1}, std::pair{3, 7}, std::pair{32, 32}})
        for (int t = 0; t < 3; ++t) {
          const int M = dim(rng), K = dim(rng) * 3, N = dim(rng);
          for (bool full : {false, true}) check_detected(array_cfg(R, C, df, mode), M, K, N, rng, full);
          ++cases;
        }
  EXPECT_EQ(cases, 135);
  // Exact multiples of the array (no ragged fold) and single-word reductions.
  for (Dataflow df : {Dataflow::ws, Dataflow::os, Dataflow::is}) {
    check_detected(array_cfg(4, 4, df, 8), 8, 8, 8, rng, false);
    check_detected(array_cfg(4, 4, df, 2), 4, 4, 12, rng, false);
    check_detected(array_cfg(6, 2, df, 8), 1, 1, 1, rng, false);
    check_detected(array_cfg(2, 6, df, 4), 3, 1, 13, rng, true);
  }
}

TEST(SystolicArrayDetected, OtherPeTypesAndAccumulators) {
  std::mt19937 rng(77);
  for (Dataflow df : {Dataflow::ws, Dataflow::os, Dataflow::is})
    for (int mode : {8, 4, 2}) {
      ArrayConfig c = array_cfg(4, 5, df, mode);
      c.pe.type = PeType::integer;
      check_detected(c, 11, 29, 7, rng, false);
    }
  for (Dataflow df : {Dataflow::ws, Dataflow::os, Dataflow::is})
    for (AccMode acc : {AccMode::narrow, AccMode::small_float}) {
      ArrayConfig c = array_cfg(3, 4, df, 8, acc);
      c.pe.narrow_bits = 16;
      c.pe.narrow_frac_bits = 2;
      check_detected(c, 10, 23, 9, rng, false);
    }
}

// Mutation check: one valid bit dropped at an edge feeder must make the detected counts and
// the outputs disagree with the closed forms and tile fidelity.
TEST(SystolicArrayDetected, DroppedValidBitIsCaught) {
  for (Dataflow df : {Dataflow::ws, Dataflow::os, Dataflow::is}) {
    const ArrayConfig cfg = array_cfg(4, 3, df, 8);
    const int M = 7, K = 9, N = 5;
    std::mt19937 rng(3);
    std::vector<std::uint32_t> A(M * K), W(K * N);
    for (auto& c : A) c = 0x20 + rng() % 0x40;  // positive, nonzero, no NaR
    for (auto& c : W) c = 0x20 + rng() % 0x40;
    const auto a = pack_act(A, M, K, 8);
    const auto w = pack_wgt(W, K, N, 8);
    std::vector<i128> good(M * N), bad(M * N);
    SystolicArray ref(cfg), arr(cfg);
    ref.run_cycle(GemmJob{a.data(), w.data(), good.data(), M, K, N});
    // Row 1's first word: clock R + 1 + 1 after the preload (ws/is), clock 1 + 1 (os).
    const std::int64_t clock = df == Dataflow::os ? 2 : cfg.rows + 2;
    arr.inject_fault_for_test(clock, 1);
    arr.run_cycle(GemmJob{a.data(), w.data(), bad.data(), M, K, N});
    const ArrayStats closed = SystolicArray::gemm_stats(cfg, M, K, N);
    EXPECT_EQ(ref.stats().word_macs, closed.word_macs) << to_string(df);
    EXPECT_NE(arr.stats().word_macs, closed.word_macs) << to_string(df);
    EXPECT_NE(arr.stats().streamed_words, closed.streamed_words) << to_string(df);
    EXPECT_NE(arr.stats().idle_pe_cycles, closed.idle_pe_cycles) << to_string(df);
    EXPECT_FALSE(good == bad) << to_string(df);
    // A word dropped inside a burst leaves a gap in the row's valid bits: reported.
    SystolicArray gap(cfg);
    gap.inject_fault_for_test(clock + 2, 1);
    EXPECT_THROW(gap.run_cycle(GemmJob{a.data(), w.data(), bad.data(), M, K, N}), std::logic_error) << to_string(df);
  }
}

// The full register view (what a waveform probe records) is the one the engine produced before
// folds were detected: hashes of every PE register after every clock, recorded with that
// engine (commit 9d6315f) by the same code.
// Register-trace cases: every PE register after every clock, hashed (FNV-1a 64).
struct TraceCase {
  Dataflow df;
  int R, C, mode, M, K, N;
  bool integer;
  AccMode acc;
  int nar_per_mille;
};

std::vector<TraceCase> trace_cases() {
  std::vector<TraceCase> v;
  for (Dataflow df : {Dataflow::ws, Dataflow::os, Dataflow::is}) {
    v.push_back({df, 4, 3, 8, 9, 21, 7, false, AccMode::exact, 0});
    v.push_back({df, 5, 8, 4, 13, 37, 11, false, AccMode::exact, 30});
    v.push_back({df, 3, 3, 2, 5, 50, 4, false, AccMode::exact, 20});
    v.push_back({df, 4, 5, 8, 7, 13, 9, true, AccMode::exact, 0});
    v.push_back({df, 4, 4, 8, 6, 19, 6, false, AccMode::narrow, 10});
    v.push_back({df, 1, 1, 8, 3, 5, 2, false, AccMode::exact, 0});
  }
  return v;
}

ArrayConfig trace_cfg(const TraceCase& t) {
  ArrayConfig c;
  c.rows = t.R;
  c.cols = t.C;
  c.dataflow = t.df;
  c.pe.mode = t.mode;
  c.pe.type = t.integer ? PeType::integer : PeType::lp;
  c.pe.act = LpParams{t.mode, t.mode == 8 ? 2 : 1, t.mode == 2 ? 1 : 3, t.mode == 8 ? 1 : 0};
  c.pe.wgt = LpParams{t.mode, t.mode == 8 ? 1 : 0, t.mode - 1, t.mode == 8 ? -2 : 0};
  c.pe.acc_mode = t.acc;
  c.pe.narrow_bits = 20;
  c.pe.narrow_frac_bits = 4;
  return c;
}

// Runs the case in cycle fidelity (registers observed after every clock); returns the hash
// of the register trace and of the outputs.
std::uint64_t trace_hash(const TraceCase& t, SystolicArray& arr) {
  std::mt19937 rng(static_cast<unsigned>(t.M * 1000 + t.K * 10 + t.N));
  auto code = [&]() {
    const std::uint32_t nar = 1u << (t.mode - 1);
    const std::uint32_t c = rng() & ((1u << t.mode) - 1u);
    if (rng() % 1000 < static_cast<unsigned>(t.nar_per_mille)) return nar;
    return c == nar ? 0u : c;
  };
  std::vector<std::uint32_t> A(static_cast<std::size_t>(t.M) * t.K), W(static_cast<std::size_t>(t.K) * t.N);
  for (auto& c : A) c = code();
  for (auto& c : W) c = code();
  const auto a = pack_act(A, t.M, t.K, t.mode);
  const auto w = pack_wgt(W, t.K, t.N, t.mode);
  std::vector<i128> out(static_cast<std::size_t>(t.M) * t.N, 3);
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::uint64_t x) {
    for (int b = 0; b < 8; ++b) {
      h ^= (x >> (8 * b)) & 0xFF;
      h *= 1099511628211ull;
    }
  };
  arr.start(GemmJob{a.data(), w.data(), out.data(), t.M, words_for(t.K, t.mode), t.N});
  while (arr.busy()) {
    arr.step();
    for (int r = 0; r < t.R; ++r)
      for (int c = 0; c < t.C; ++c) {
        const PeState s = arr.pe_state(r, c);
        mix(s.act | (std::uint64_t{s.vert} << 8));
        mix(static_cast<std::uint64_t>(static_cast<u128>(s.psum)));
        mix(static_cast<std::uint64_t>(static_cast<u128>(s.psum) >> 64));
      }
  }
  mix(arr.cycle());
  for (i128 v : out) {
    mix(static_cast<std::uint64_t>(static_cast<u128>(v)));
    mix(static_cast<std::uint64_t>(static_cast<u128>(v) >> 64));
  }
  return h;
}

TEST(SystolicArrayDetected, FullRegisterTraceUnchanged) {
  const std::vector<std::uint64_t> recorded = {
0xfc094246a3cac21bull,
0xaad5e0b5e10d38bbull,
0x3b50cde184fde43dull,
0x253deaa162acc88bull,
0x7313e17a8a2cf56dull,
0x292638e8cf158670ull,
0x12f3eb939a3c2994ull,
0xeaa4f66c9cc395d9ull,
0xbcea9b3de12a39b3ull,
0x09f31cb3a91dd4f1ull,
0x7794fb8473d56f7bull,
0xfea4373d7d58a6fcull,
0xad48ef7648310f59ull,
0x60d63aabc72b4369ull,
0xae8f03bb7fc38994ull,
0x795847c921dd4f13ull,
0x4e076cd3792acacfull,
0x591b174d88cd7210ull,
  };
  const std::vector<TraceCase> cases = trace_cases();
  ASSERT_EQ(cases.size(), recorded.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SystolicArray arr(trace_cfg(cases[i]));
    arr.set_full_registers(true);
    EXPECT_EQ(trace_hash(cases[i], arr), recorded[i]) << "case " << i << " " << to_string(cases[i].df);
    // The lean view computes the same outputs and cycles (its idle registers are stale).
  }
}

}  // namespace
