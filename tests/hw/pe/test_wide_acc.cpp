// The wide exact accumulator (issue 13: exact accumulation beyond 127 bits with
// Boost.Multiprecision): the bound over every admitted format, lane products against an
// independent computation (the software LP format's fields, sw/ref's exact converter table and
// arbitrary-precision integers), sums at the extremes of the range, cancellation, sign, NaR, the
// OB word, the conversion to double, and the systolic array's limb sums in both fidelities.
#include <gtest/gtest.h>

#include <boost/multiprecision/cpp_int.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "hw/array/systolic_array.hpp"
#include "hw/common/config_error.hpp"
#include "hw/pe/lp_pe.hpp"
#include "hw/pe/pe_core.hpp"
#include "hw/pe/scalar_pe.hpp"
#include "hw/pe/wide_acc.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/ref/ref_datapath.hpp"

namespace lpsim::hw {
namespace {

using boost::multiprecision::cpp_int;
using fmt::LpParams;

cpp_int big(const WideAcc& v) { return cpp_int(v.str()); }

PeConfig lp_cfg(const LpParams& a, const LpParams& w, int W = 8) {
  PeConfig c;
  c.type = PeType::lp;
  c.mode = a.n;
  c.act = a;
  c.wgt = w;
  c.lin_frac_bits = W;
  return c;
}

// log2 of a code in Q.8 (sf folded in) from the software format's fields.
int log_q8(const fmt::LpFormat& f, std::uint32_t code) {
  const fmt::LpFields fl = f.fields(code);
  const LpParams& p = f.params();
  return ((1 << p.es) * fl.k + fl.e - p.sf) * 256 + (static_cast<int>(fl.frac) << (8 - fl.frac_bits));
}

int floor_div256(int x) { return x >= 0 ? x / 256 : -((-x + 255) / 256); }

// An independent model of one LP lane product on the exact grid: +-lin[f] 2^(I - emin).
struct LaneModel {
  fmt::LpFormat fa, fw;
  int W, emin;
  const std::vector<std::uint32_t>& lin;
  LaneModel(const LpParams& a, const LpParams& w, int W_)
      : fa(a), fw(w), W(W_), emin(floor_div256(log_q8(fa, 1) + log_q8(fw, 1))), lin(ref::lin_table(W_)) {}
  // false for NaR
  bool product(std::uint32_t a, std::uint32_t w, cpp_int& out) const {
    const fmt::LpFields xa = fa.fields(a), xw = fw.fields(w);
    if (xa.nar || xw.nar) return false;
    out = 0;
    if (xa.zero || xw.zero) return true;
    const int L = log_q8(fa, a) + log_q8(fw, w), I = floor_div256(L);
    out = cpp_int(lin[static_cast<std::size_t>(L - 256 * I)]) << (I - emin);
    if (xa.negative != xw.negative) out = -out;
    return true;
  }
};

std::uint32_t lane(std::uint8_t word, int mode, int j) { return (word >> (j * mode)) & ((1u << mode) - 1u); }

TEST(WideAcc, TheBoundCoversEveryAdmittedFormat) {
  // LP: n in {2, 4, 8} (the MODEs), every es/rs, converter W = 24, max_k = 2^31 (the largest the
  // configuration admits; sf does not change the span).
  int lp_max = 0;
  for (int n : {2, 4, 8})
    for (int es = 0; es <= 4; ++es)
      for (int rs = 1; rs < n; ++rs) {
        PeConfig c = lp_cfg({n, es, rs, 0}, {n, es, rs, 0}, 24);
        c.max_k = std::int64_t{1} << 31;
        const int b = LpPeArith::exact_bits(c);
        lp_max = std::max(lp_max, b);
        EXPECT_NO_THROW(c.validate()) << b;
      }
  EXPECT_EQ(lp_max, 442);  // LP<8,4,7,*> x LP<8,4,7,*>: 384 + 24 + 31 + 3
  // Baseline PE types: posit es 0..4, AdaptivFloat es 1..n-2, FP8, ANT int/flint.
  int sc_max = 0;
  auto check = [&](PeType t, const ScalarOperand& f) {
    PeConfig c;
    c.type = t;
    c.mode = f.n;
    c.act_s = c.wgt_s = f;
    c.max_k = std::int64_t{1} << 31;
    const int b = ScalarPeArith::exact_bits(c);
    sc_max = std::max(sc_max, b);
    EXPECT_NO_THROW(c.validate()) << to_string(f) << " " << b;
  };
  for (int n : {2, 4, 8})
    for (int es = 0; es <= 4; ++es) check(PeType::posit, {ScalarFamily::posit, n, es, 0});
  for (int n : {4, 8})
    for (int es = 1; es <= n - 2; ++es) check(PeType::adaptivfloat, {ScalarFamily::af, n, es, 0});
  check(PeType::fp8, {ScalarFamily::fp8_e4m3, 8, 0, 0});
  check(PeType::fp8, {ScalarFamily::fp8_e5m2, 8, 0, 0});
  for (int n : {4, 8}) {
    check(PeType::ant, {ScalarFamily::int_, n, 0, 0});
    check(PeType::ant, {ScalarFamily::flint, n, 0, 0});
  }
  EXPECT_EQ(sc_max, 418);  // posit<8,4>: products 2^-192 .. 2^194, + 31 + 1
  EXPECT_EQ(std::max(lp_max, sc_max), kMaxExactBits);
  EXPECT_EQ(kMaxExactBits, ref::kRefMaxExactBits);
  EXPECT_LT(kMaxExactBits, 511);  // the 512-bit type keeps -2^511 for NaR
}

TEST(WideAcc, SmallFloatStillNeedsTheI128Grid) {
  PeConfig c = lp_cfg({8, 3, 4, 0}, {8, 3, 4, 0});
  EXPECT_NO_THROW(c.validate());
  EXPECT_TRUE(LpPeArith(c).wide());
  c.acc_mode = AccMode::small_float;
  try {
    c.validate();
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bits > 127"), std::string::npos) << e.what();
  }
  c.acc_mode = AccMode::narrow;  // its own width
  EXPECT_NO_THROW(c.validate());
  EXPECT_FALSE(LpPeArith(c).wide());
  // Formats that fit keep the i128 path.
  EXPECT_FALSE(LpPeArith(lp_cfg({8, 2, 3, 0}, {8, 2, 3, 0})).wide());
  EXPECT_FALSE(LpPeArith(lp_cfg({8, 3, 3, 0}, {8, 3, 3, 0})).wide());
}

// Every word pair of wide formats (MODE 8: one lane; MODE 4: two lanes summed) equals the
// independent model exactly.
TEST(WideAcc, WordProductsEqualAnIndependentExactModel) {
  struct Case {
    LpParams a, w;
    int W;
  };
  for (const Case& k : {Case{{8, 3, 4, 0}, {8, 3, 4, 0}, 8}, Case{{8, 4, 7, 3}, {8, 4, 5, -2}, 13},
                        Case{{4, 4, 3, 0}, {4, 4, 3, 1}, 8}}) {
    SCOPED_TRACE(fmt::lp_name(k.a) + " x " + fmt::lp_name(k.w));
    const PeConfig cfg = lp_cfg(k.a, k.w, k.W);
    const LpPeArith pe(cfg);
    ASSERT_TRUE(pe.wide());
    const LaneModel m(k.a, k.w, k.W);
    EXPECT_EQ(pe.acc().lsb_exp(), m.emin - k.W);
    int widest = 0;
    for (unsigned a = 0; a < 256; ++a)
      for (unsigned w = 0; w < 256; ++w) {
        cpp_int want = 0;
        bool nar = false;
        for (int j = 0; j < pe.lanes(); ++j) {
          cpp_int p;
          if (!m.product(lane(static_cast<std::uint8_t>(a), cfg.mode, j), lane(static_cast<std::uint8_t>(w), cfg.mode, j), p))
            nar = true;
          else
            want += p;
        }
        const WideAcc got = pe.word_product_wide(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(w));
        if (nar) {
          ASSERT_TRUE(is_wide_nar(got)) << a << " " << w;
        } else {
          ASSERT_EQ(big(got), want) << a << " " << w;
          if (want != 0) widest = std::max(widest, static_cast<int>(boost::multiprecision::msb(abs(want))));
        }
      }
    EXPECT_GT(widest, 126) << "products must leave the i128 range";
    EXPECT_THROW((void)pe.word_product(1, 1), std::logic_error);
  }
}

// Sums at the ends of the range: the smallest and the largest product together, cancellation to
// exactly zero, the sign, NaR (sticky), compared with the independent model.
TEST(WideAcc, ExtremeSumsCancellationSignAndNaR) {
  const LpParams p{8, 4, 7, 0};
  const LaneModel m(p, p, 8);
  PeCore pe(lp_cfg(p, p));
  ASSERT_TRUE(pe.arith().wide());
  const std::uint8_t minpos = 0x01, maxpos = 0x7F, neg_maxpos = 0x81, neg_minpos = 0xFF, nar = 0x80;
  cpp_int small, large;
  ASSERT_TRUE(m.product(minpos, minpos, small));
  ASSERT_TRUE(m.product(maxpos, maxpos, large));
  EXPECT_EQ(small, cpp_int(1) << 8);  // 2^-192 = 2^W grid units
  EXPECT_EQ(boost::multiprecision::msb(large), 384u + 8u);

  pe.mac(minpos, minpos);
  pe.mac(maxpos, maxpos);
  EXPECT_EQ(big(pe.acc_wide()), small + large);  // 393 bits, the smallest term kept
  EXPECT_EQ(pe.value(), std::ldexp(1.0, 192));   // rounds to the large term in double
  pe.mac(neg_maxpos, maxpos);
  EXPECT_EQ(big(pe.acc_wide()), small);  // the large terms cancel exactly
  EXPECT_EQ(pe.value(), std::ldexp(1.0, -192));
  pe.mac(neg_minpos, minpos);
  EXPECT_EQ(big(pe.acc_wide()), 0);  // exactly zero
  EXPECT_EQ(pe.value(), 0.0);

  // Sign: minpos^2 - maxpos^2 < 0, exactly.
  pe.reset();
  pe.mac(minpos, minpos);
  pe.mac(maxpos, neg_maxpos);
  EXPECT_EQ(big(pe.acc_wide()), small - large);
  EXPECT_LT(pe.value(), 0.0);
  EXPECT_EQ(pe.value(), -std::ldexp(1.0, 192));
  // 1000 largest products and one smallest, in any order: the exact integer.
  pe.reset();
  std::mt19937 rng(7);
  std::vector<std::pair<std::uint8_t, std::uint8_t>> terms(1000, {maxpos, maxpos});
  terms.push_back({neg_minpos, minpos});
  std::shuffle(terms.begin(), terms.end(), rng);
  for (const auto& [a, w] : terms) pe.mac(a, w);
  EXPECT_EQ(big(pe.acc_wide()), 1000 * large - small);
  // NaR is sticky.
  pe.mac(nar, minpos);
  EXPECT_TRUE(pe.is_nar());
  pe.mac(maxpos, maxpos);
  EXPECT_TRUE(pe.is_nar());
  EXPECT_TRUE(std::isnan(pe.value()));
}

TEST(WideAcc, DoubleConversionRoundsToNearestEven) {
  const WideAcc t = WideAcc(1) << 300;
  EXPECT_EQ(wide_to_double(t, -300), 1.0);
  // 2^53 + 1 at 2^200: a tie, to even (down); 2^53 + 3: a tie, to even (up); + sticky: up.
  EXPECT_EQ(wide_to_double(((WideAcc(1) << 53) + 1) << 200, -200), std::ldexp(1.0, 53));
  EXPECT_EQ(wide_to_double(((WideAcc(1) << 53) + 3) << 200, -200), std::ldexp(1.0, 53) + 4);
  EXPECT_EQ(wide_to_double((((WideAcc(1) << 53) + 1) << 200) + 1, -200), std::ldexp(1.0, 53) + 2);
  EXPECT_EQ(wide_to_double(-(((WideAcc(1) << 53) + 1) << 200) - 1, -200), -(std::ldexp(1.0, 53) + 2));
  EXPECT_EQ(wide_to_double(WideAcc(-5), 3), -40.0);
  EXPECT_TRUE(std::isnan(wide_to_double(wide_nar(), 0)));
  // The same as the i128 conversion wherever both apply.
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) {
    const auto hi = static_cast<std::int64_t>(rng() >> (i % 64));
    const i128 v = static_cast<i128>(hi) * (static_cast<i128>(1) << 60) + static_cast<i128>(rng() >> 4);
    const u128 m = abs_u128(v);
    WideAcc w = (WideAcc(static_cast<std::uint64_t>(m >> 64)) << 64) | WideAcc(static_cast<std::uint64_t>(m));
    if (v < 0) w = -w;
    ASSERT_EQ(wide_to_double(w, -37), acc_to_double(v, -37));
  }
}

TEST(WideAcc, ObWordRoundTrip) {
  std::mt19937_64 rng(11);
  for (unsigned bytes : {17u, 20u, 53u, 56u}) {
    const int bits = 8 * static_cast<int>(bytes) - 2;  // a value of the width, NaR bit spare
    std::vector<std::uint8_t> buf(bytes);
    for (int i = 0; i < 300; ++i) {
      WideAcc v = 0;
      const int top = static_cast<int>(rng() % static_cast<unsigned>(bits));
      for (int b = 0; b <= top; b += 60) v = (v << 60) | WideAcc(rng() >> 4);
      v >>= std::max(0, static_cast<int>(boost::multiprecision::msb(v == 0 ? WideAcc(1) : v)) - top);
      if (rng() & 1) v = -v;
      store_wide(v, bytes, buf.data());
      ASSERT_EQ(load_wide(buf.data(), bytes), v) << bytes << " " << v;
      // Two's complement: the sign byte.
      ASSERT_EQ((buf[bytes - 1] & 0x80) != 0, v < 0);
    }
    store_wide(wide_nar(), bytes, buf.data());
    EXPECT_TRUE(is_wide_nar(load_wide(buf.data(), bytes)));
    EXPECT_EQ(buf[bytes - 1], 0x80);
    store_wide(WideAcc(-1), bytes, buf.data());
    EXPECT_TRUE(std::all_of(buf.begin(), buf.end(), [](std::uint8_t x) { return x == 0xFF; }));
  }
}

// The array's limb sums: randomized ragged GEMMs, every dataflow, tile and cycle fidelity, equal
// to the exact sums of the word products (the products are checked above) and, through
// to_double, to the software reference; the same cycles in both fidelities.
TEST(WideAcc, ArrayGemmsAreExactInBothFidelities) {
  struct Case {
    LpParams p;
    int M, K, N;
  };
  std::mt19937 rng(5);
  for (const Case& k : {Case{{8, 4, 7, 0}, 7, 9, 5}, Case{{4, 4, 3, 0}, 6, 13, 4}, Case{{8, 3, 4, 1}, 9, 20, 7}}) {
    const int mode = k.p.n;
    // Codes biased to the extremes (minpos, maxpos and their negatives) plus random ones.
    const std::uint32_t mx = (1u << (mode - 1)) - 1u, all = (1u << mode) - 1u;
    auto code = [&](bool allow_nar) {
      const std::uint32_t r = rng() % 8;
      std::uint32_t c = r == 0 ? 1u : r == 1 ? mx : r == 2 ? (all + 1u - mx) & all : r == 3 ? all : rng() & all;
      if (!allow_nar && c == (1u << (mode - 1))) c = 1;
      return c;
    };
    for (bool with_nar : {false, true}) {
      std::vector<std::uint32_t> a(static_cast<std::size_t>(k.M * k.K)), w(static_cast<std::size_t>(k.K * k.N));
      for (auto& c : a) c = code(false);
      for (auto& c : w) c = code(false);
      if (with_nar) a[static_cast<std::size_t>(k.K + 2)] = 1u << (mode - 1);  // row 1 is NaR
      ref::DatapathSpec spec;
      spec.mode = mode;
      spec.act = spec.wgt = k.p;
      const std::vector<ref::AccValue> want_ref = ref::ref_gemm(spec, a.data(), w.data(), k.M, k.K, k.N);
      for (Dataflow df : {Dataflow::ws, Dataflow::is, Dataflow::os}) {
        ArrayConfig cfg;
        cfg.rows = 4;
        cfg.cols = 3;
        cfg.dataflow = df;
        cfg.pe = lp_cfg(k.p, k.p);
        SystolicArray arr(cfg);
        ASSERT_TRUE(arr.pe().wide());
        const auto pa = pack_act(a, k.M, k.K, mode);
        const auto pw = pack_wgt(w, k.K, k.N, mode);
        const int kw = words_for(k.K, mode);
        std::vector<WideAcc> tile(static_cast<std::size_t>(k.M * k.N)), cyc(tile.size());
        GemmJob j;
        j.a = pa.data();
        j.w = pw.data();
        j.m = k.M;
        j.kw = kw;
        j.n = k.N;
        j.out_wide = tile.data();
        const std::uint64_t ct = arr.run_tile(j);
        j.out_wide = cyc.data();
        const std::uint64_t cc = arr.run_cycle(j);
        EXPECT_EQ(ct, cc);
        EXPECT_EQ(ct, SystolicArray::gemm_cycles(cfg, k.M, kw, k.N));
        for (int m = 0; m < k.M; ++m)
          for (int n = 0; n < k.N; ++n) {
            cpp_int want = 0;
            bool nar = false;
            for (int q = 0; q < kw; ++q) {
              const WideAcc p = arr.pe().word_product_wide(pa[static_cast<std::size_t>(m * kw + q)],
                                                           pw[static_cast<std::size_t>(q * k.N + n)]);
              if (is_wide_nar(p))
                nar = true;
              else
                want += big(p);
            }
            const std::size_t i = static_cast<std::size_t>(m * k.N + n);
            SCOPED_TRACE(fmt::lp_name(k.p) + " " + to_string(df) + " m=" + std::to_string(m) + " n=" + std::to_string(n));
            if (nar) {
              ASSERT_TRUE(is_wide_nar(tile[i]));
              ASSERT_TRUE(is_wide_nar(cyc[i]));
              ASSERT_TRUE(want_ref[i].nar);
              continue;
            }
            ASSERT_EQ(big(tile[i]), want);
            ASSERT_EQ(big(cyc[i]), want);
            const double d = wide_to_double(tile[i], arr.lsb_exp());
            ASSERT_EQ(d, want_ref[i].to_double());
            if (want_ref[i].lsb_exp == arr.lsb_exp()) {
              ASSERT_EQ(cpp_int(want_ref[i].units), want);
            }
          }
        EXPECT_EQ(arr.stats().nar_outputs, with_nar ? 2u * static_cast<std::uint64_t>(k.N) : 0u);
      }
    }
  }
}

// The waveform's psum_value comes from PeState::grid: a wide register's whole value, not its
// low 128 bits (which are all zero here). LP<8,4,7,0> maxpos x maxpos (a power of two far
// beyond 2^127) on an output-stationary array: the stationary accumulator of PE (0, 0) shows
// 1, 2, ... such products as they arrive, and nothing else.
TEST(WideAcc, PeStateShowsTheWholeWideRegister) {
  const LpParams p{8, 4, 7, 0};
  ArrayConfig cfg;
  cfg.rows = 2;
  cfg.cols = 2;
  cfg.dataflow = Dataflow::os;
  cfg.pe = lp_cfg(p, p);
  SystolicArray arr(cfg);
  ASSERT_TRUE(arr.pe().wide());
  arr.set_full_registers(true);
  const std::uint32_t maxpos = 0x7f;
  const std::vector<std::uint32_t> a(3, maxpos), w(3, maxpos);  // M = N = 1, K = 3
  const auto pa = pack_act(a, 1, 3, 8);
  const auto pw = pack_wgt(w, 3, 1, 8);
  std::vector<WideAcc> out(1);
  GemmJob j;
  j.a = pa.data();
  j.w = pw.data();
  j.m = 1;
  j.kw = 3;
  j.n = 1;
  j.out_wide = out.data();
  const cpp_int one = big(arr.pe().word_product_wide(pa[0], pw[0]));
  ASSERT_GT(one, cpp_int(1) << 200);
  const double unit = static_cast<double>(one);  // a power of two: exact in a double
  arr.start(j);
  int shown = 0;
  while (arr.busy()) {
    arr.step();
    const double g = arr.pe_state(0, 0).grid;
    EXPECT_TRUE(g == 0 || g == unit || g == 2 * unit || g == 3 * unit) << g << " cycle " << arr.cycle();
    shown += g != 0;
  }
  EXPECT_GT(shown, 0) << "the register never showed its value";
  EXPECT_EQ(big(out[0]), 3 * one);
}

}  // namespace
}  // namespace lpsim::hw
