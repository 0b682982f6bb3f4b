// Reference datapath: converter table, hand-computed LP products, exact sums, zero/NaR, every
// MODE, INT PE, narrow and small-float chains, correct rounding to double, spec errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "sw/formats/lp_format.hpp"
#include "sw/ref/ref_datapath.hpp"

namespace {

using lpsim::fmt::LpFormat;
using lpsim::fmt::LpParams;
using namespace lpsim::ref;

DatapathSpec lp_spec(LpParams a, LpParams w, int lin = 8) {
  DatapathSpec s;
  s.mode = a.n;
  s.act = a;
  s.wgt = w;
  s.lin_frac_bits = lin;
  return s;
}

i128 pow2(int e) {
  return static_cast<i128>(1) << e;
}

TEST(RefLinTable, HandValues) {
  const auto& t8 = lin_table(8);
  EXPECT_EQ(t8[0], 256u);
  EXPECT_EQ(t8[128], 362u);  // 2^0.5 * 256 = 362.04
  EXPECT_EQ(t8[224], 470u);  // 2^0.875 * 256 = 469.506
  EXPECT_EQ(t8[255], 511u);  // 2^(255/256) * 256 = 511.31
  const auto& t1 = lin_table(1);
  EXPECT_EQ(t1[0], 2u);
  EXPECT_EQ(t1[128], 3u);  // 2.83
  EXPECT_EQ(t1[255], 4u);  // 3.989: rounding carries out to 2^(W+1)
}

TEST(RefLinTable, NearestForEveryWidth) {
  for (int w = 1; w <= 24; ++w) {
    const auto& t = lin_table(w);
    for (int f = 0; f < 256; ++f) {
      const long double x = std::ldexp(std::exp2(static_cast<long double>(f) / 256), w);
      EXPECT_LE(std::fabs(static_cast<long double>(t[static_cast<std::size_t>(f)]) - x), 0.5L)
          << w << " " << f;
      if (f > 0) {
        EXPECT_GE(t[static_cast<std::size_t>(f)], t[static_cast<std::size_t>(f - 1)]);
      }
    }
  }
  EXPECT_THROW(lin_table(0), RefError);
  EXPECT_THROW(lin_table(25), RefError);
}

TEST(RefGemm, HandProductLp8) {
  // spec examples: 0x32 = 2^-1.75, 0x4d = 2^1.625 in lp<8,2,3,0>. L = -0.125 -> I = -1,
  // f = 224/256, sig = 470 (W = 8): product = 470 * 2^(-1-8) = 0.91796875.
  // Grid: emin = floor(-11.75 - 11.75) = -24, lsb = -24 - 8 = -32.
  const auto spec = lp_spec({8, 2, 3, 0}, {8, 2, 3, 0});
  EXPECT_EQ(acc_lsb_exp(spec), -32);
  const std::uint32_t a[] = {0x32}, w[] = {0x4d};
  const auto r = ref_gemm(spec, a, w, 1, 1, 1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].nar);
  EXPECT_EQ(r[0].lsb_exp, -32);
  EXPECT_TRUE(r[0].units == 470 * pow2(23));
  EXPECT_EQ(r[0].to_double(), 0.91796875);
  // Negative operand (0xce = -2^-1.75): same magnitude, negative.
  const std::uint32_t an[] = {0xce};
  const auto rn = ref_gemm(spec, an, w, 1, 1, 1);
  EXPECT_TRUE(rn[0].units == -470 * pow2(23));
  // Two terms: 2^-1.75 * 2^1.625 + 2^1.625 * 2^1.625 (L = 3.25: I = 3, f = 64, sig =
  // nearest(2^0.25 * 256) = nearest(304.44) = 304) = 0.91796875 + 304 * 2^(3-8) = 10.41796875.
  const std::uint32_t a2[] = {0x32, 0x4d}, w2[] = {0x4d, 0x4d};
  const auto r2 = ref_gemm(spec, a2, w2, 1, 2, 1);
  EXPECT_TRUE(r2[0].units == 470 * pow2(23) + 304 * pow2(3 - 8 + 32));
  EXPECT_EQ(r2[0].to_double(), 10.41796875);
}

TEST(RefGemm, HandProductsSmallWidthsAndSf) {
  // W = 3: 2^-0.125 -> nearest(2^0.875 * 8) = nearest(14.67) = 15, product 15 * 2^(-1-3).
  const auto s3 = lp_spec({8, 2, 3, 0}, {8, 2, 3, 0}, 3);
  const std::uint32_t a[] = {0x32}, w[] = {0x4d};
  EXPECT_EQ(ref_gemm(s3, a, w, 1, 1, 1)[0].to_double(), 15.0 / 16);
  // sf folds into the log: act sf = 2 scales by 2^-2, wgt sf = -1 by 2^1.
  const auto ssf = lp_spec({8, 2, 3, 2}, {8, 2, 3, -1});
  const auto r = ref_gemm(ssf, a, w, 1, 1, 1);
  EXPECT_EQ(r[0].to_double(), 0.91796875 / 2);
  EXPECT_EQ(r[0].lsb_exp, -24 - 1 - 8);  // emin = floor(-13.75 - 10.75) = -25
}

TEST(RefGemm, EveryMode) {
  // MODE 4: lp<4,1,3,0>: 0x3 = 1/2, 0x5 = 2, 0x6 = 4, 0x1 = 1/16. emin = floor(-4 - 4) = -8.
  const auto s4 = lp_spec({4, 1, 3, 0}, {4, 1, 3, 0});
  EXPECT_EQ(acc_lsb_exp(s4), -16);
  const std::uint32_t a4[] = {0x3, 0x6, 0x1}, w4[] = {0x5, 0x6, 0x1};
  const auto r4 = ref_gemm(s4, a4, w4, 1, 3, 1);  // 1 + 16 + 1/256
  EXPECT_EQ(r4[0].to_double(), 17.0 + 1.0 / 256);
  EXPECT_TRUE(r4[0].units == 17 * pow2(16) + 256);
  // MODE 2: lp<2,0,1,0> codes {0: 0, 1: 1, 2: NaR, 3: -1}.
  const auto s2 = lp_spec({2, 0, 1, 0}, {2, 0, 1, 0});
  EXPECT_EQ(acc_lsb_exp(s2), -8);
  const std::uint32_t a2[] = {1, 3, 1, 1, 0}, w2[] = {1, 1, 3, 1, 3};
  EXPECT_EQ(ref_gemm(s2, a2, w2, 1, 5, 1)[0].to_double(), 0.0);  // 1 - 1 - 1 + 1 + 0
  const std::uint32_t w2b[] = {1, 3, 3, 1, 3};
  EXPECT_EQ(ref_gemm(s2, a2, w2b, 1, 5, 1)[0].to_double(), 2.0);
  // Codes wider than MODE are rejected.
  const std::uint32_t bad[] = {4};
  EXPECT_THROW(ref_gemm(s2, bad, w2, 1, 1, 1), RefError);
}

TEST(RefGemm, ZeroAndNaR) {
  const auto spec = lp_spec({8, 2, 3, 0}, {8, 2, 3, 0});
  // zero x anything = 0; NaR x zero = NaR (NaR dominates); NaR is sticky in the sum.
  const std::uint32_t a[] = {0x00, 0x80, 0x40, 0x40}, w[] = {0x7f, 0x40, 0x00, 0x40};
  // row 0: a = {0}, row-by-row via K = 1 GEMMs.
  EXPECT_EQ(ref_gemm(spec, &a[0], &w[0], 1, 1, 1)[0].to_double(), 0.0);
  EXPECT_TRUE(ref_gemm(spec, &a[1], &w[2], 1, 1, 1)[0].nar);
  EXPECT_TRUE(ref_gemm(spec, &a[0], &w[1], 1, 1, 1)[0].units == 0);
  const auto all = ref_gemm(spec, a, w, 1, 4, 1);
  EXPECT_TRUE(all[0].nar);
  EXPECT_TRUE(std::isnan(all[0].to_double()));
  EXPECT_TRUE(all[0].hw_units() == -(static_cast<i128>(1) << 126) * 2);
  const std::uint32_t nonar[] = {0x00, 0x40, 0x40, 0x40};
  EXPECT_EQ(ref_gemm(spec, nonar, w, 1, 4, 1)[0].to_double(), 2.0);
  // Empty reduction: 0.
  EXPECT_EQ(ref_gemm(spec, a, w, 1, 0, 1)[0].to_double(), 0.0);
}

TEST(RefGemm, OrderIndependentAndCloseToTheRealProduct) {
  std::mt19937 rng(7);
  for (const LpParams p :
       {LpParams{8, 2, 3, 0}, LpParams{8, 1, 5, 3}, LpParams{4, 1, 2, -2}, LpParams{2, 0, 1, 1}}) {
    const auto spec = lp_spec(p, p);
    const LpFormat f(p);
    const int k = 301;
    std::vector<std::uint32_t> a(k), w(k);
    std::uniform_int_distribution<std::uint32_t> code(0, (1u << p.n) - 1);
    for (int i = 0; i < k; ++i) {
      do a[static_cast<std::size_t>(i)] = code(rng);
      while (a[static_cast<std::size_t>(i)] == f.nar());
      do w[static_cast<std::size_t>(i)] = code(rng);
      while (w[static_cast<std::size_t>(i)] == f.nar());
    }
    const auto r = ref_gemm(spec, a.data(), w.data(), 1, k, 1)[0];
    std::vector<int> perm(k);
    for (int i = 0; i < k; ++i) perm[static_cast<std::size_t>(i)] = i;
    for (int trial = 0; trial < 5; ++trial) {
      std::shuffle(perm.begin(), perm.end(), rng);
      std::vector<std::uint32_t> ap(k), wp(k);
      for (int i = 0; i < k; ++i) {
        ap[static_cast<std::size_t>(i)] =
            a[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])];
        wp[static_cast<std::size_t>(i)] =
            w[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])];
      }
      EXPECT_EQ(ref_gemm(spec, ap.data(), wp.data(), 1, k, 1)[0], r);
    }
    // Each product is within a relative 2^-(W+1) of the real product.
    long double exact = 0, bound = 0;
    for (int i = 0; i < k; ++i) {
      const long double x = static_cast<long double>(f.decode(a[static_cast<std::size_t>(i)])) *
                            f.decode(w[static_cast<std::size_t>(i)]);
      exact += x;
      bound += std::fabs(x) * std::ldexp(1.0L, -9);
    }
    EXPECT_LE(std::fabs(static_cast<long double>(r.to_double()) - exact), bound * 1.0001L + 1e-30L)
        << lpsim::fmt::lp_name(p);
  }
}

TEST(RefGemm, IntPeEveryMode) {
  std::mt19937 rng(3);
  for (int mode : {8, 4, 2}) {
    DatapathSpec s;
    s.pe = PeKind::integer;
    s.mode = mode;
    EXPECT_EQ(acc_lsb_exp(s), 0);
    const int m = 3, k = 37, n = 4;
    std::vector<std::uint32_t> a(m * k), w(k * n);
    std::uniform_int_distribution<std::uint32_t> code(0, (1u << mode) - 1);
    for (auto& c : a) c = code(rng);
    for (auto& c : w) c = code(rng);
    auto val = [&](std::uint32_t c) {
      return c >= (1u << (mode - 1)) ? static_cast<long>(c) - (1L << mode) : static_cast<long>(c);
    };
    const auto r = ref_gemm(s, a.data(), w.data(), m, k, n);
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        long sum = 0;
        for (int kk = 0; kk < k; ++kk)
          sum += val(a[static_cast<std::size_t>(i * k + kk)]) *
                 val(w[static_cast<std::size_t>(kk * n + j)]);
        EXPECT_TRUE(r[static_cast<std::size_t>(i * n + j)].units == sum);
      }
  }
}

TEST(RefGemm, NarrowChainRoundsProductsAndSaturates) {
  // narrow, b = 8, LSB 2^-1: products are rounded (RNE) to halves, sums clamp to [-128, 127].
  DatapathSpec s = lp_spec({8, 2, 3, 0}, {8, 2, 3, 0});
  s.acc = AccKind::narrow;
  s.narrow_bits = 8;
  s.narrow_frac_bits = 1;
  EXPECT_EQ(acc_lsb_exp(s), -1);
  // 0.91796875 -> 1.0 (units 2); 10.41796875 total: second product 9.5 -> 19 units.
  const std::uint32_t a2[] = {0x32, 0x4d}, w2[] = {0x4d, 0x4d};
  EXPECT_TRUE(ref_gemm(s, a2, w2, 1, 2, 1)[0].units == 21);
  // maxpos * maxpos = 2^23.5 saturates to 127; then -1 (2 units) gives 125 (clamp after every add).
  const std::uint32_t a3[] = {0x7f, 0xc0}, w3[] = {0x7f, 0x40};  // 0xc0 = -1, 0x40 = 1
  EXPECT_TRUE(ref_gemm(s, a3, w3, 1, 2, 1)[0].units == 125);
  // Tie to even: LSB 2^1 (frac -1): 1.0 is half a unit and rounds to 0 (even).
  s.narrow_frac_bits = -1;
  const std::uint32_t one[] = {0x40};
  EXPECT_TRUE(ref_gemm(s, one, one, 1, 1, 1)[0].units == 0);
}

TEST(RefGemm, SmallFloatChainRoundsEverySum) {
  DatapathSpec s = lp_spec({8, 2, 3, 0}, {8, 2, 3, 0});
  s.acc = AccKind::small_float;
  s.float_frac_bits = 2;  // 3 significant bits
  EXPECT_EQ(acc_lsb_exp(s), -32);
  // 1 * 1 repeated: sums 1 .. 8 are exact, 9 = 1001b rounds (tie) to the even 8.
  std::vector<std::uint32_t> a(9, 0x40), w(9, 0x40);
  EXPECT_EQ(ref_gemm(s, a.data(), w.data(), 1, 9, 1)[0].to_double(), 8.0);
  // 10 terms: 8 + 1 = 9 -> 8, stays 8.
  a.push_back(0x40);
  w.push_back(0x40);
  EXPECT_EQ(ref_gemm(s, a.data(), w.data(), 1, 10, 1)[0].to_double(), 8.0);
  // MODE 4: the two lanes of a word are summed exactly before the rounded add:
  // lp<4,0,3,0>: words of 2 lanes; lane products 1 + 1 per word -> 2, 4, 6, 8, 10 -> 10 (3
  // bits: 1.01b * 8 = 10).
  DatapathSpec s4 = lp_spec({4, 0, 3, 0}, {4, 0, 3, 0});
  s4.acc = AccKind::small_float;
  s4.float_frac_bits = 2;
  const LpFormat f4({4, 0, 3, 0});
  const std::uint32_t c1 = f4.encode(1.0);
  std::vector<std::uint32_t> a4(10, c1), w4(10, c1);
  EXPECT_EQ(ref_gemm(s4, a4.data(), w4.data(), 1, 10, 1)[0].to_double(), 10.0);
  // At MODE 8 (one lane per word) ten products of 1 give 8: packing matters for this mode.
  DatapathSpec s8 = s;
  EXPECT_EQ(ref_gemm(s8, a.data(), w.data(), 1, 10, 1)[0].to_double(), 8.0);
}

TEST(RefAccValue, ToDoubleRoundsToNearestEven) {
  AccValue v;
  v.lsb_exp = -3;
  v.units = (static_cast<i128>(1) << 60) + 1;  // below half an ulp
  EXPECT_EQ(v.to_double(), std::ldexp(1.0, 57));
  v.units = (static_cast<i128>(1) << 53) + 1;  // exact tie -> even
  EXPECT_EQ(v.to_double(), std::ldexp(1.0, 50));
  v.units = (static_cast<i128>(1) << 53) + 3;  // tie -> even (up)
  EXPECT_EQ(v.to_double(), std::ldexp(static_cast<double>((1LL << 53) + 4), -3));
  v.units = -((static_cast<i128>(1) << 100) + (static_cast<i128>(1) << 47) + 1);  // just above half
  EXPECT_EQ(v.to_double(), -std::ldexp(1.0 + std::ldexp(1.0, -52), 97));
  for (long long x : {0LL, 1LL, -7LL, 123456789LL}) {
    v.units = x;
    EXPECT_EQ(v.to_double(), std::ldexp(static_cast<double>(x), -3));
  }
}

TEST(RefSpec, Errors) {
  DatapathSpec s;
  s.mode = 3;
  EXPECT_THROW(s.validate(), RefError);
  s = lp_spec({8, 2, 3, 0}, {4, 1, 3, 0});
  EXPECT_THROW(s.validate(), RefError);
  s = lp_spec({8, 2, 3, 0}, {8, 2, 3, 0}, 25);
  EXPECT_THROW(s.validate(), RefError);
  // es = 3, rs = 4 at MODE 8 needs 151 bits: summed in arbitrary precision (docs/datapath.md
  // "Exact sizing"); beyond kRefMaxExactBits (the hardware's bound, 442; here with max_k = 2^62
  // the hardware does not admit) it is refused.
  EXPECT_NO_THROW((void)acc_lsb_exp(lp_spec({8, 3, 4, 0}, {8, 3, 4, 0})));
  EXPECT_NO_THROW((void)acc_lsb_exp(lp_spec({8, 4, 7, 0}, {8, 4, 7, 0})));
  s = lp_spec({8, 4, 7, 0}, {8, 4, 7, 0}, 24);
  s.max_k = std::int64_t{1} << 62;
  try {
    (void)acc_lsb_exp(s);
    FAIL() << "no error";
  } catch (const RefError& e) {
    EXPECT_NE(std::string(e.what()).find("needs 473 bits (more than 442)"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW((void)acc_lsb_exp(lp_spec({8, 3, 3, 0}, {8, 3, 3, 0})));
  EXPECT_NO_THROW((void)acc_lsb_exp(lp_spec({8, 2, 7, 0}, {8, 2, 7, 0})));
  // narrow has its own grid: any LP pair is accepted; small_float uses the exact grid.
  s = lp_spec({8, 3, 4, 0}, {8, 3, 4, 0});
  s.acc = AccKind::narrow;
  EXPECT_NO_THROW((void)acc_lsb_exp(s));
  s.acc = AccKind::small_float;
  EXPECT_THROW((void)acc_lsb_exp(s), RefError);
  s = lp_spec({8, 2, 3, 0}, {8, 2, 3, 0});
  s.acc = AccKind::narrow;
  s.narrow_bits = 65;
  EXPECT_THROW(s.validate(), RefError);
}

TEST(RefFp32, GemmMatchesPlainLoops) {
  const float a[] = {1, 2, 3, 4, 5, 6}, w[] = {1, 0.5f, -1, 2, 0.25f, 0};
  const auto out = fp32_gemm(a, w, 2, 3, 2);  // [1 2 3; 4 5 6] x [1 .5; -1 2; .25 0]
  EXPECT_FLOAT_EQ(out[0], 1 - 2 + 0.75f);
  EXPECT_FLOAT_EQ(out[1], 0.5f + 4);
  EXPECT_FLOAT_EQ(out[2], 4 - 5 + 1.5f);
  EXPECT_FLOAT_EQ(out[3], 2 + 10);
}

}  // namespace
