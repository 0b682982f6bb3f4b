// LP<n,es,rs,sf> against an independent bit-string reference and the worked examples of docs/lp-format.md.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "sw/formats/fast_quantizer.hpp"
#include "sw/formats/lp_format.hpp"

namespace {

using lpsim::fmt::Code;
using lpsim::fmt::FormatError;
using lpsim::fmt::LpFormat;
using lpsim::fmt::LpParams;

// Reference decode, written from the prose of docs/lp-format.md with strings: returns L as an exact fraction
// num / 2^den_log2, or sets `special` for zero / NaR.
struct RefL {
  std::int64_t num = 0;
  int den_log2 = 0;
  bool zero = false, nar = false, negative = false;
  long double value() const { return std::ldexp(static_cast<long double>(num), -den_log2); }
};

RefL ref_decode(const LpParams& p, std::uint32_t pattern) {
  std::string bits;
  for (int i = p.n - 1; i >= 0; --i) bits += ((pattern >> i) & 1u) ? '1' : '0';
  RefL r;
  if (bits.find('1') == std::string::npos) {
    r.zero = true;
    return r;
  }
  if (bits == "1" + std::string(p.n - 1, '0')) {
    r.nar = true;
    return r;
  }
  if (bits[0] == '1') {  // two's complement: invert and add one, by hand on the string
    r.negative = true;
    for (char& c : bits) c = c == '1' ? '0' : '1';
    for (int i = p.n - 1; i >= 0; --i) {
      if (bits[i] == '0') {
        bits[i] = '1';
        break;
      }
      bits[i] = '0';
    }
  }
  std::string body = bits.substr(1);
  std::size_t pos = 0;
  const char r0 = body[0];
  int run = 0;
  while (pos < body.size() && body[pos] == r0 && run < p.rs) {
    ++run;
    ++pos;
  }
  if (run < p.rs && pos < body.size()) ++pos;  // terminator
  const int k = r0 == '1' ? run - 1 : -run;
  std::string exp = body.substr(pos, std::min<std::size_t>(p.es, body.size() - pos));
  pos += exp.size();
  while (static_cast<int>(exp.size()) < p.es) exp += '0';  // cut-off exponent bits are zeros
  const std::string frac = body.substr(pos);
  int e = 0;
  for (char c : exp) e = e * 2 + (c - '0');
  std::int64_t f = 0;
  for (char c : frac) f = f * 2 + (c - '0');
  const int fb = static_cast<int>(frac.size());
  // L = 2^es k + e - sf + f / 2^fb, all over 2^fb
  r.den_log2 = fb;
  r.num = (static_cast<std::int64_t>(k) * (1 << p.es) + e - p.sf) * (std::int64_t{1} << fb) + f;
  return r;
}

std::vector<LpParams> all_small_formats() {
  std::vector<LpParams> v;
  for (int n = 2; n <= 8; ++n)
    for (int es = 0; es <= 4; ++es)
      for (int rs = 1; rs <= n - 1; ++rs)
        for (int sf : {-64, -3, 0, 5, 64}) v.push_back({n, es, rs, sf});
  return v;
}

std::string label(const LpParams& p) { return lpsim::fmt::lp_name(p); }

TEST(LpFormat, DecodeMatchesBitStringReferenceForEveryPatternOfEveryFormat) {
  for (const LpParams& p : all_small_formats()) {
    const LpFormat f(p);
    for (Code c = 0; c < f.num_codes(); ++c) {
      const RefL r = ref_decode(p, c);
      const double got = f.decode(c);
      if (r.zero) {
        ASSERT_EQ(got, 0.0) << label(p) << " pattern " << c;
        continue;
      }
      if (r.nar) {
        ASSERT_TRUE(std::isnan(got)) << label(p) << " pattern " << c;
        ASSERT_TRUE(f.is_nan_code(c));
        continue;
      }
      const long double l = r.value();
      const Code q = r.negative ? f.negate(c) : c;
      ASSERT_EQ(static_cast<long double>(f.log2_of(q)), l) << label(p) << " pattern " << c;
      const double want = static_cast<double>((r.negative ? -1 : 1) * std::exp2l(l));
      // Within one ulp of the correctly rounded 2^L (docs/lp-format.md, "Conformance").
      ASSERT_LE(std::fabs(got - want), std::fabs(want) * std::numeric_limits<double>::epsilon())
          << label(p) << " pattern " << c;
    }
  }
}

TEST(LpFormat, SixteenBitFormatsDecodeLikeTheReference) {
  std::mt19937 rng(3);
  for (LpParams p : {LpParams{16, 1, 15, 0}, LpParams{16, 4, 3, -7}, LpParams{12, 2, 5, 9}}) {
    const LpFormat f(p);
    for (int i = 0; i < 5000; ++i) {
      const Code c = rng() & (f.num_codes() - 1);
      const RefL r = ref_decode(p, c);
      if (r.zero || r.nar) continue;
      ASSERT_EQ(static_cast<long double>(f.log2_of(r.negative ? f.negate(c) : c)), r.value());
    }
  }
}

TEST(LpFormat, EncodeOfDecodeIsIdentityAndOrderIsMonotonic) {
  for (const LpParams& p : all_small_formats()) {
    const LpFormat f(p);
    for (Code c = 0; c < f.num_codes(); ++c) {
      if (f.is_nan_code(c)) continue;
      ASSERT_EQ(f.encode(f.decode(c)), c) << label(p) << " pattern " << c;
    }
    // Positive patterns strictly increase; negatives mirror them.
    for (Code c = 1; c + 1 < f.nar(); ++c) {
      ASSERT_LT(f.decode(c), f.decode(c + 1)) << label(p);
      ASSERT_EQ(f.decode(f.negate(c)), -f.decode(c)) << label(p);
    }
  }
}

// The reference L of every positive pattern, index = pattern (index 0 unused).
std::vector<long double> ref_grid(const LpParams& p) {
  std::vector<long double> g(std::size_t{1} << (p.n - 1));
  for (Code q = 1; q < g.size(); ++q) g[q] = ref_decode(p, q).value();
  return g;
}

// Nearest in log2 by brute force over every pattern, in long double; ties to the even pattern.
Code ref_encode(const LpParams& p, const std::vector<long double>& grid, long double x) {
  if (x == 0) return 0;
  const long double l = std::log2(std::fabs(x));
  Code best = 1;
  long double best_d = std::numeric_limits<long double>::infinity();
  for (Code q = 1; q < grid.size(); ++q) {
    const long double d = std::fabs(grid[q] - l);
    if (d < best_d || (d == best_d && (q & 1u) == 0)) {
      best = q;
      best_d = d;
    }
  }
  return x < 0 ? (Code{1} << p.n) - best : best;
}

// Distance of log2|x| to the nearest rounding threshold (midpoint of adjacent patterns' L).
long double threshold_distance(const std::vector<long double>& grid, long double x) {
  const long double l = std::log2(std::fabs(x));
  long double best = std::numeric_limits<long double>::infinity();
  for (Code q = 1; q + 1 < grid.size(); ++q)
    best = std::min(best, std::fabs((grid[q] + grid[q + 1]) / 2 - l));
  return best;
}

TEST(LpFormat, EncodeIsNearestInLog2OnRandomValues) {
  std::mt19937_64 rng(11);
  for (LpParams p : {LpParams{8, 2, 3, 0}, LpParams{8, 0, 7, 2}, LpParams{6, 1, 2, -4},
                     LpParams{4, 1, 3, 0}, LpParams{8, 4, 1, 0}, LpParams{5, 3, 4, 20}}) {
    const LpFormat f(p);
    const auto grid = ref_grid(p);
    std::uniform_real_distribution<double> expo(-140, 140);
    for (int i = 0; i < 3000; ++i) {
      const double x = (rng() & 1 ? -1 : 1) * std::exp2(expo(rng));
      // docs/lp-format.md allows either answer within 1e-9 relative of a threshold.
      if (threshold_distance(grid, x) < 1e-9 / std::log(2.0)) continue;
      ASSERT_EQ(f.encode(x), ref_encode(p, grid, x)) << label(p) << " x=" << x;
    }
  }
}

TEST(LpFormat, TiesGoToTheEvenPatternAndSaturationNeverReachesZeroOrNaR) {
  // Where exponent bits are cut off the L-spacing is >= 2 and an exact power of two can sit on
  // a midpoint (e.g. LP<4,2,2,0>); check every power of two against the brute-force nearest.
  for (const LpParams& p : all_small_formats()) {
    const LpFormat f(p);
    const auto grid = ref_grid(p);
    for (int l = -200; l <= 200; ++l) {
      const double x = std::ldexp(1.0, l);
      ASSERT_EQ(f.encode(x), ref_encode(p, grid, x)) << label(p) << " 2^" << l;
      ASSERT_EQ(f.encode(-x), ref_encode(p, grid, -x)) << label(p) << " -2^" << l;
    }
    ASSERT_EQ(f.encode(1e300), f.maxpos());
    ASSERT_EQ(f.encode(-1e300), f.negate(f.maxpos()));
    ASSERT_EQ(f.encode(1e-300), 1u);
    ASSERT_EQ(f.encode(std::numeric_limits<double>::denorm_min()), 1u);
    ASSERT_EQ(f.encode(-1e-300), f.negate(1));
  }
}

TEST(LpFormat, SpecialValues) {
  const LpFormat f({8, 2, 3, 0});
  EXPECT_EQ(f.encode(0.0), 0u);
  EXPECT_EQ(f.encode(-0.0), 0u);
  EXPECT_EQ(f.encode(std::nan("")), 0x80u);
  EXPECT_EQ(f.encode(-std::nan("")), 0x80u);
  EXPECT_EQ(f.encode(std::numeric_limits<double>::infinity()), 0x80u);
  EXPECT_EQ(f.encode(-std::numeric_limits<double>::infinity()), 0x80u);
  EXPECT_TRUE(std::isnan(f.decode(0x80)));
  EXPECT_EQ(f.negate(0x80), 0x80u);
  EXPECT_EQ(f.negate(0), 0u);

  // LP<4,2,2,0> has L = -6,-4,...,6: 2^1 and 2^3 are exact ties and go to the even pattern.
  const LpFormat t({4, 2, 2, 0});
  EXPECT_EQ(t.log2_of(4), 0.0);
  EXPECT_EQ(t.log2_of(5), 2.0);
  EXPECT_EQ(t.encode(2.0), 4u);
  EXPECT_EQ(t.encode(8.0), 6u);
  EXPECT_EQ(t.encode(-2.0), 12u);
  EXPECT_EQ(t.encode(std::nextafter(2.0, 4.0)), 5u);
}

TEST(LpFormat, WorkedExamplesOfTheSpec) {
  const LpFormat a({4, 1, 3, 0});
  const double want[] = {1.0 / 16, 1.0 / 4, 1.0 / 2, 1, 2, 4, 16};
  for (Code c = 1; c <= 7; ++c) EXPECT_EQ(a.decode(c), want[c - 1]) << c;

  const LpFormat b({6, 2, 2, 0});
  EXPECT_EQ(b.decode(0x10), 1.0);
  EXPECT_DOUBLE_EQ(b.decode(0x11), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(b.decode(0x1f), std::exp2(7.5));
  EXPECT_DOUBLE_EQ(b.decode(0x01), std::exp2(-7.5));
  EXPECT_EQ(b.log2_of(0x1f), 7.5);
  EXPECT_EQ(b.fields(0x1f).k, 1);
  EXPECT_EQ(b.fields(0x1f).e, 3);
  EXPECT_EQ(b.encode(std::exp2(-9)), 0x01u);
  EXPECT_EQ(b.encode(256), 0x1fu);

  const LpFormat c({8, 2, 3, 0});
  EXPECT_EQ(c.log2_of(1), -11.75);
  EXPECT_EQ(c.log2_of(0x7f), 11.75);
  EXPECT_EQ(c.encode(0.3), 0x32u);
  EXPECT_EQ(c.log2_of(0x32), -1.75);
  EXPECT_EQ(c.encode(-0.3), 0xceu);
  EXPECT_EQ(c.encode(3.0), 0x4du);
  EXPECT_EQ(c.log2_of(0x4d), 1.625);
  EXPECT_EQ(c.encode(1e6), 0x7fu);
}

TEST(LpFormat, ScaleFactorShiftsTheWholeRange) {
  const LpFormat base({8, 2, 3, 0}), shifted({8, 2, 3, 5});
  for (Code c = 1; c < 0x80; ++c) EXPECT_EQ(shifted.decode(c), std::ldexp(base.decode(c), -5));
}

TEST(LpFormat, RejectsEveryOutOfRangeParameterByName) {
  auto msg = [](LpParams p) -> std::string {
    try {
      LpFormat f(p);
    } catch (const FormatError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(msg({1, 0, 1, 0}).find("n=1"), std::string::npos);
  EXPECT_NE(msg({17, 0, 1, 0}).find("n=17"), std::string::npos);
  EXPECT_NE(msg({8, -1, 3, 0}).find("es=-1"), std::string::npos);
  EXPECT_NE(msg({8, 5, 3, 0}).find("es=5"), std::string::npos);
  EXPECT_NE(msg({8, 2, 0, 0}).find("rs=0"), std::string::npos);
  EXPECT_NE(msg({8, 2, 8, 0}).find("rs=8"), std::string::npos);
  EXPECT_NE(msg({8, 2, 3, 65}).find("sf=65"), std::string::npos);
  EXPECT_NE(msg({8, 2, 3, -65}).find("sf=-65"), std::string::npos);
  EXPECT_EQ(msg({16, 4, 15, -64}), "");
}

// The fast table path returns exactly encode() for floats, including the neighbours of every
// rounding threshold and of every representable value.
TEST(LpFastQuantizer, MatchesExactEncoderOnThresholdNeighboursAndRandomFloats) {
  std::mt19937 rng(5);
  for (const LpParams& p : all_small_formats()) {
    if (p.sf != 0 && p.sf != 64 && p.sf != -3) continue;
    const LpFormat f(p);
    const auto& fq = f.fast();
    std::vector<float> probes;
    for (Code q = 1; q < f.nar(); ++q) {
      const double v = f.decode(q);
      const double mid = q + 1 < f.nar() ? std::exp2((f.log2_of(q) + f.log2_of(q + 1)) / 2) : v;
      for (double t : {v, mid}) {
        float x = static_cast<float>(t);
        if (!std::isfinite(x) || x == 0) continue;
        probes.push_back(x);
        probes.push_back(std::nextafter(x, 0.0f));
        probes.push_back(std::nextafter(x, INFINITY));
      }
    }
    std::uniform_int_distribution<std::uint32_t> bits;
    for (int i = 0; i < 2000; ++i) {
      const std::uint32_t b = bits(rng);
      float x;
      std::memcpy(&x, &b, sizeof x);
      probes.push_back(x);
    }
    for (float x : {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-45f, -1e-45f, 3.4e38f})
      probes.push_back(x);
    std::vector<std::uint16_t> codes(probes.size());
    std::vector<float> out(probes.size());
    f.quantize(probes.data(), codes.data(), out.data(), probes.size());
    for (std::size_t i = 0; i < probes.size(); ++i) {
      const Code want = f.encode(static_cast<double>(probes[i]));
      ASSERT_EQ(codes[i], want) << label(p) << " x=" << probes[i];
      ASSERT_EQ(fq.encode(probes[i]), want);
      const float v = out[i];
      if (f.is_nan_code(want))
        ASSERT_TRUE(std::isnan(v));
      else
        ASSERT_EQ(v, static_cast<float>(f.decode(want)));
    }
  }
}

TEST(LpFastQuantizer, NoSlowBucketsOutsideTheDenormalRangeForEightBitFormats) {
  const LpFormat f({8, 2, 3, 0});
  EXPECT_LE(f.fast().slow_buckets(), 256u);  // at most the 256 buckets of denormal floats
  std::vector<std::uint16_t> codes = {0x00, 0x32, 0xce, 0x80, 0x7f};
  std::vector<float> out(codes.size());
  f.dequantize(codes.data(), out.data(), codes.size());
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], std::exp2f(-1.75f));
  EXPECT_EQ(out[2], -std::exp2f(-1.75f));
  EXPECT_TRUE(std::isnan(out[3]));
  EXPECT_EQ(out[4], std::exp2f(11.75f));
}

}  // namespace
