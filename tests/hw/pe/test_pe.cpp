// LP and INT PE arithmetic against references built from the software LP codec.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

#include "hw/common/config_error.hpp"
#include "hw/pe/lp_pe.hpp"
#include "hw/pe/pe_core.hpp"

namespace {

using namespace lpsim::hw;
using lpsim::fmt::LpFormat;
using lpsim::fmt::LpParams;

PeConfig lp_cfg(LpParams a, LpParams w, int W = 8, AccMode m = AccMode::exact) {
  PeConfig c;
  c.type = PeType::lp;
  c.mode = a.n;
  c.act = a;
  c.wgt = w;
  c.lin_frac_bits = W;
  c.acc_mode = m;
  return c;
}

// Independent reference of one lane product on the exact grid, from the software codec:
// L = La + Lw (exact doubles), sig = nearest integer to 2^frac(L) * 2^W, value sig*2^(floor L - W).
// Returns false for NaR.
bool ref_lane(const LpFormat& fa, const LpFormat& fw, std::uint32_t a, std::uint32_t w, int W,
              int lsb, i128& out) {
  const auto ea = fa.fields(a), ew = fw.fields(w);
  if (ea.nar || ew.nar) return false;
  if (ea.zero || ew.zero) {
    out = 0;
    return true;
  }
  const double L = ea.log2 + ew.log2;
  const double fl = std::floor(L);
  // std::pow in long double, memoised per fraction (the converter itself uses exp2l).
  static std::map<std::pair<double, int>, long double> memo;
  auto it = memo.find({L - fl, W});
  if (it == memo.end())
    it = memo.emplace(std::make_pair(L - fl, W),
                      std::nearbyintl(std::pow(2.0L, static_cast<long double>(L - fl)) *
                                      std::ldexp(1.0L, W))).first;
  const long double sig = it->second;
  const auto s = static_cast<i128>(sig);
  const int sh = static_cast<int>(fl) - W - lsb;
  EXPECT_GE(sh, 0);
  out = s << sh;
  if (ea.negative != ew.negative) out = -out;
  return true;
}

TEST(LogLinearConverter, WithinHalfUlpAndMonotone) {
  for (int W : {1, 4, 8, 12, 24}) {
    const LogLinearConverter conv(W);
    std::uint32_t prev = 0;
    for (std::uint32_t f = 0; f < 256; ++f) {
      const double exact = std::ldexp(std::exp2(f / 256.0), W);
      EXPECT_LE(std::fabs(conv(f) - exact), 0.5 + 1e-9) << "W=" << W << " f=" << f;
      EXPECT_GE(conv(f), prev);
      prev = conv(f);
    }
    EXPECT_EQ(conv(0), 1u << W);
  }
}

TEST(LpPe, LaneProductsMatchReferenceForEveryPairOfManyFormats) {
  std::vector<std::pair<LpParams, LpParams>> pairs;
  for (int n : {2, 4, 8})
    for (int es = 0; es <= 4; ++es)
      for (int rs = 1; rs <= n - 1; ++rs) {
        const LpParams a{n, es, rs, (es * 7 + rs) % 9 - 4};
        const LpParams w{n, std::min(es, 2), std::max(1, n - 1 - rs % 3), -((rs * 5) % 7) + 2};
        pairs.push_back({a, w});
      }
  std::size_t checked = 0, skipped = 0;
  for (const auto& [pa, pw] : pairs) {
    for (int W : {3, 16}) {
      PeConfig cfg = lp_cfg(pa, pw, W);
      cfg.max_k = 1024;
      if (LpPeArith::exact_bits(cfg) > 127) {
        ++skipped;
        continue;
      }
      const LpPeArith pe(cfg);
      const LpFormat fa(pa), fw(pw);
      const int lsb = pe.acc().lsb_exp();
      for (std::uint32_t a = 0; a < (1u << pa.n); ++a)
        for (std::uint32_t w = 0; w < (1u << pw.n); ++w) {
          i128 ref = 0;
          const bool real = ref_lane(fa, fw, a, w, W, lsb, ref);
          const i128 got = pe.lane_product(a, w);
          if (!real) {
            ASSERT_EQ(got, kAccNaR);
          } else {
            ASSERT_TRUE(got == ref) << pe.name() << " a=" << a << " w=" << w << ": "
                                    << to_string_i128(got) << " != " << to_string_i128(ref);
          }
          ++checked;
        }
    }
  }
  EXPECT_GT(checked, 200000u);
  EXPECT_LT(skipped, 40u);
}

TEST(LpPe, WordProductIsExactLaneSumInEveryMode) {
  for (int n : {2, 4, 8}) {
    const LpParams p{n, 1, n - 1, 0};
    const LpPeArith pe(lp_cfg(p, p));
    for (unsigned a = 0; a < 256; ++a)
      for (unsigned w = 0; w < 256; ++w) {
        i128 sum = 0;
        bool nar = false;
        for (int j = 0; j < 8 / n; ++j) {
          const i128 l = pe.lane_product(lane_code(static_cast<std::uint8_t>(a), n, j),
                                         lane_code(static_cast<std::uint8_t>(w), n, j));
          if (l == kAccNaR) nar = true; else sum += l;
        }
        ASSERT_EQ(pe.word_product(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(w)),
                  nar ? kAccNaR : sum);
      }
  }
}

TEST(LpPe, ExactAccumulationIsOrderIndependentAndMatchesReference) {
  const LpParams p{8, 2, 3, 0};
  const LpFormat f(p);
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<std::pair<std::uint8_t, std::uint8_t>> ops(500);
    for (auto& [a, w] : ops) {
      do a = static_cast<std::uint8_t>(rng()); while (a == 0x80);
      do w = static_cast<std::uint8_t>(rng()); while (w == 0x80);
    }
    PeCore fwd(lp_cfg(p, p)), rev(lp_cfg(p, p));
    i128 ref = 0;
    for (auto [a, w] : ops) {
      fwd.mac(a, w);
      i128 l = 0;
      ASSERT_TRUE(ref_lane(f, f, a, w, 8, fwd.lsb_exp(), l));
      ref += l;
    }
    std::shuffle(ops.begin(), ops.end(), rng);
    for (auto [a, w] : ops) rev.mac(a, w);
    EXPECT_EQ(fwd.acc(), rev.acc());
    EXPECT_EQ(fwd.acc(), ref);
    EXPECT_EQ(fwd.stats().macs, 500u);
  }
}

TEST(LpPe, ZeroAndStickyNaR) {
  const LpParams p{8, 2, 3, 0};
  PeCore pe(lp_cfg(p, p));
  pe.mac(0x00, 0x7F);  // 0 * maxpos = 0
  EXPECT_EQ(pe.acc(), 0);
  pe.mac(0x40, 0x40);  // 1 * 1
  EXPECT_EQ(pe.value(), 1.0);
  pe.mac(0x80, 0x00);  // NaR * 0 = NaR
  EXPECT_TRUE(pe.is_nar());
  pe.mac(0x40, 0x40);
  EXPECT_TRUE(pe.is_nar());  // sticky
  EXPECT_EQ(pe.stats().nar_products, 1u);
  EXPECT_EQ(pe.stats().zero_products, 1u);
  // MODE 4: a NaR in one lane poisons the word.
  const LpParams p4{4, 1, 3, 0};
  PeCore pe4(lp_cfg(p4, p4));
  pe4.mac(0x44, 0x44);  // 1*1 + 1*1
  EXPECT_EQ(pe4.value(), 2.0);
  pe4.mac(0x84, 0x44);
  EXPECT_TRUE(pe4.is_nar());
}

TEST(LpPe, NarrowAccumulatorSaturates) {
  const LpParams p{8, 2, 3, 0};
  PeConfig c = lp_cfg(p, p, 8, AccMode::narrow);
  c.narrow_bits = 16;
  c.narrow_frac_bits = 4;  // range [-2048, 2047.9375]
  PeCore pe(c);
  for (int i = 0; i < 10; ++i) pe.mac(0x7F, 0x40);  // maxpos (2^11.75) * 1
  EXPECT_EQ(pe.acc(), (1 << 15) - 1);
  EXPECT_GT(pe.stats().saturations, 0u);
  for (int i = 0; i < 40; ++i) pe.mac(0xC0, 0x7F);  // -1 * maxpos
  EXPECT_EQ(pe.acc(), -(1 << 15));
  // Products finer than the LSB round to nearest even: minpos^2 -> 0.
  PeCore tiny(c);
  tiny.mac(0x01, 0x01);
  EXPECT_EQ(tiny.acc(), 0);
}

TEST(LpPe, SmallFloatRunningSumRoundsToNearestEven) {
  const LpParams p{8, 2, 3, 0};
  PeConfig c = lp_cfg(p, p, 8, AccMode::small_float);
  c.float_frac_bits = 8;
  const LpPeArith pe(c);
  const AccUnit& acc = pe.acc();
  const int lsb = acc.lsb_exp();
  const i128 one = static_cast<i128>(1) << -lsb;
  EXPECT_EQ(acc.add(one, one >> 9), one);                                   // tie -> even
  EXPECT_EQ(acc.add(one, (one >> 9) + (one >> 10)), one + (one >> 8));       // above half
  EXPECT_EQ(acc.add(one + (one >> 8), one >> 9), one + (one >> 7));         // tie -> even (up)
  // A running sum keeps 9 significant bits and stays within half an ulp per step.
  std::mt19937 rng(3);
  i128 s = 0;
  for (int i = 0; i < 1000; ++i) {
    std::uint8_t a, w;
    do a = static_cast<std::uint8_t>(rng()); while (a == 0x80);
    do w = static_cast<std::uint8_t>(rng()); while (w == 0x80);
    const i128 exact = s + pe.word_product(a, w);
    s = acc.add(s, pe.word_product(a, w));
    if (s != 0) {
      const int msb = msb_index(abs_u128(s));
      if (msb > 8) {
        EXPECT_EQ(s % (static_cast<i128>(1) << (msb - 8)), 0);
        const i128 err = s > exact ? s - exact : exact - s;
        EXPECT_LE(err, static_cast<i128>(1) << (msb - 9));
      }
    }
  }
}

TEST(IntPe, WordProductsExactInEveryMode) {
  for (int n : {8, 4, 2}) {
    PeConfig c;
    c.type = PeType::integer;
    c.mode = n;
    const IntPeArith pe(c);
    EXPECT_EQ(pe.acc().lsb_exp(), 0);
    for (unsigned a = 0; a < 256; ++a)
      for (unsigned w = 0; w < 256; ++w) {
        long ref = 0;
        for (int j = 0; j < 8 / n; ++j)
          ref += IntPeArith::value(lane_code(static_cast<std::uint8_t>(a), n, j), n) *
                 IntPeArith::value(lane_code(static_cast<std::uint8_t>(w), n, j), n);
        ASSERT_EQ(pe.word_product(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(w)),
                  static_cast<i128>(ref));
      }
  }
  PeConfig c8;
  c8.type = PeType::integer;
  EXPECT_LE(IntPeArith(c8).acc().bits(), 32);  // int8, max_k = 65536: an int32 accumulator
}

TEST(PeConfig, ValidatesAndDocumentsTheExactBound) {
  // Every LP8 pair with es <= 2 (any rs, any sf) fits the 127-bit exact accumulator with
  // W = 8 and max_k = 65536, as do all LP4/LP2 formats with es <= 2.
  for (int es = 0; es <= 2; ++es)
    for (int rs = 1; rs <= 7; ++rs)
      for (int sf : {-64, 0, 64}) {
        const LpParams p{8, es, rs, sf};
        EXPECT_LE(LpPeArith::exact_bits(lp_cfg(p, LpParams{8, es, rs, -sf})), 127);
      }
  for (int n : {2, 4})
    for (int es = 0; es <= 2; ++es)
      for (int rs = 1; rs < n; ++rs)
        EXPECT_LE(LpPeArith::exact_bits(lp_cfg(LpParams{n, es, rs, 0}, LpParams{n, es, rs, 0})), 127);
  // Wider exact grids take the wide path (up to kMaxExactBits; tests/hw/pe/test_wide_acc.cpp);
  // small_float rounds in the i128 word and still needs 127 bits at most.
  EXPECT_NO_THROW(lp_cfg(LpParams{8, 4, 7, 0}, LpParams{8, 4, 7, 0}).validate());
  EXPECT_THROW(lp_cfg(LpParams{8, 4, 7, 0}, LpParams{8, 4, 7, 0}, 8, AccMode::small_float).validate(), ConfigError);
  EXPECT_NO_THROW(lp_cfg(LpParams{8, 4, 7, 0}, LpParams{8, 4, 7, 0}, 8, AccMode::narrow).validate());
  PeConfig bad = lp_cfg(LpParams{8, 2, 3, 0}, LpParams{4, 1, 3, 0});
  EXPECT_THROW(bad.validate(), ConfigError);
  bad = PeConfig{};
  bad.lin_frac_bits = 0;
  EXPECT_THROW(bad.validate(), ConfigError);
  EXPECT_THROW(pe_type_from_string("bitfusion"), ConfigError);  // the INT PE is "int"
  EXPECT_EQ(pe_type_from_string("posit"), PeType::posit);        // a baseline PE type
}

}  // namespace
