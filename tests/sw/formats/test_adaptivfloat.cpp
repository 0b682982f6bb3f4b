// AdaptivFloat<n,e> against a bit-string decoder and a brute-force nearest-value encoder.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "fast_path_check.hpp"
#include "sw/formats/adaptivfloat_format.hpp"

namespace {

using lpsim::fmt::AdaptivFloatFormat;
using lpsim::fmt::AdaptivFloatParams;
using lpsim::fmt::Code;
using lpsim::fmt::FormatError;

// Fields read off the n-bit string: sign, e exponent bits, n-1-e mantissa bits.
double ref_decode(const AdaptivFloatParams& p, Code c) {
  std::string bits;
  for (int i = p.n - 1; i >= 0; --i) bits += ((c >> i) & 1u) ? '1' : '0';
  const double sign = bits[0] == '1' ? -1.0 : 1.0;
  const std::string exp = bits.substr(1, p.e), man = bits.substr(1 + p.e);
  long big_e = 0, m = 0;
  for (char b : exp) big_e = 2 * big_e + (b - '0');
  for (char b : man) m = 2 * m + (b - '0');
  if (big_e == 0 && m == 0) return sign * 0.0;  // the smallest code is a signed zero
  const int mb = static_cast<int>(man.size());
  return sign *
         std::ldexp(static_cast<double>((1L << mb) + m), p.exp_min + static_cast<int>(big_e) - mb);
}

// Nearest magnitude by a linear scan (ties to the even code, saturating at the largest).
// Distances are exact: with v[c] <= a <= v[c+1] <= 2 v[c] both differences are Sterbenz-exact,
// and next to zero a < v[1]/2 can only make v[1] - a larger.
Code ref_encode(const AdaptivFloatParams& p, double x) {
  const Code half = Code{1} << (p.n - 1);
  std::vector<double> v(half);
  for (Code c = 0; c < half; ++c) v[c] = ref_decode(p, c);
  const double a = std::isnan(x) ? 0.0 : std::fabs(x);
  Code c = 0;
  while (c + 1 < half && v[c + 1] <= a) ++c;
  if (c + 1 < half) {
    const double down = a - v[c], up = v[c + 1] - a;
    if (up < down || (up == down && (c & 1u))) ++c;
  }
  return std::signbit(x) ? (c | half) : c;
}

std::vector<AdaptivFloatParams> small_formats() {
  std::vector<AdaptivFloatParams> v;
  for (int n = 3; n <= 8; ++n)
    for (int e = 1; e <= n - 2; ++e)
      for (int exp_min : {-10, -3, 0, 4}) v.push_back({n, e, exp_min});
  return v;
}

std::string label(const AdaptivFloatParams& p) {
  return AdaptivFloatFormat(p).name();
}

std::vector<double> midpoints(const AdaptivFloatFormat& f) {
  std::vector<double> m;
  const Code half = Code{1} << (f.bits() - 1);
  for (Code c = 0; c + 1 < half; ++c) m.push_back((f.decode(c) + f.decode(c + 1)) / 2);
  return m;
}

TEST(AdaptivFloatFormat, DecodeMatchesBitStringReferenceForEveryPattern) {
  for (const AdaptivFloatParams& p : small_formats()) {
    const AdaptivFloatFormat f(p);
    for (Code c = 0; c < f.num_codes(); ++c) {
      const double want = ref_decode(p, c);
      ASSERT_EQ(f.decode(c), want) << label(p) << " " << c;
      ASSERT_EQ(std::signbit(f.decode(c)), std::signbit(want)) << label(p) << " " << c;
      ASSERT_FALSE(f.is_nan_code(c));
    }
  }
  // af<8,3,-7>: 0 001 0000 is 2^-6, 0 111 1111 is 2^0 * 1.9375, 0 000 0001 is 2^-7 * 1.0625.
  const AdaptivFloatFormat f({8, 3, -7});
  EXPECT_EQ(f.name(), "af<8,3,-7>");
  EXPECT_EQ(f.decode(0x10), std::ldexp(1.0, -6));
  EXPECT_EQ(f.decode(0x7f), 1.9375);
  EXPECT_EQ(f.decode(0x01), std::ldexp(1.0625, -7));
  EXPECT_EQ(f.decode(0xff), -1.9375);
  EXPECT_TRUE(std::signbit(f.decode(0x80)));
  EXPECT_EQ(f.decode(0x80), 0.0);
}

TEST(AdaptivFloatFormat, EncodeOfDecodeIsIdentityIncludingNegativeZero) {
  for (const AdaptivFloatParams& p : small_formats()) {
    const AdaptivFloatFormat f(p);
    for (Code c = 0; c < f.num_codes(); ++c)
      ASSERT_EQ(f.encode(f.decode(c)), c) << label(p) << " " << c;
  }
}

TEST(AdaptivFloatFormat, MagnitudeIncreasesWithTheCodeOnBothSigns) {
  for (const AdaptivFloatParams& p : small_formats()) {
    const AdaptivFloatFormat f(p);
    const Code half = Code{1} << (p.n - 1);
    for (Code c = 0; c + 1 < half; ++c) {
      ASSERT_LT(f.decode(c), f.decode(c + 1)) << label(p);
      ASSERT_GT(f.decode(half | c), f.decode(half | (c + 1))) << label(p);
      ASSERT_EQ(f.negate(c), half | c);
      ASSERT_EQ(f.decode(f.negate(c + 1)), -f.decode(c + 1));
    }
  }
}

TEST(AdaptivFloatFormat, TiesGoToTheEvenCodeIncludingTheTieWithZero) {
  for (const AdaptivFloatParams& p : small_formats()) {
    const AdaptivFloatFormat f(p);
    const Code half = Code{1} << (p.n - 1);
    const auto mids = midpoints(f);
    for (Code c = 0; c < mids.size(); ++c) {
      const double t = mids[c];
      const Code even = (c & 1u) ? c + 1 : c;
      ASSERT_EQ(f.encode(t), even) << label(p) << " tie above " << c;
      ASSERT_EQ(f.encode(-t), half | even) << label(p);
      ASSERT_EQ(f.encode(std::nextafter(t, 0.0)), c) << label(p);
      ASSERT_EQ(f.encode(std::nextafter(t, HUGE_VAL)), c + 1) << label(p);
    }
    ASSERT_EQ(f.encode(f.decode(1) / 2), 0u) << label(p);  // the tie with zero goes to zero
  }
  const AdaptivFloatFormat f({8, 3, -7});
  EXPECT_EQ(f.decode(0x70), 1.0);
  EXPECT_EQ(f.encode(1.0 + 1.0 / 32), 0x70u);  // between 1 (0x70) and 1.0625 (0x71)
  EXPECT_EQ(f.encode(1.0 + 3.0 / 32), 0x72u);  // between 0x71 and 0x72
}

TEST(AdaptivFloatFormat, EncodeIsNearestOnRandomDoubles) {
  std::mt19937_64 rng(29);
  for (const AdaptivFloatParams& p : small_formats()) {
    const AdaptivFloatFormat f(p);
    const double hi = std::log2(f.decode((Code{1} << (p.n - 1)) - 1)) + 3;
    std::uniform_real_distribution<double> expo(p.exp_min - 4, hi);
    for (int i = 0; i < 1500; ++i) {
      const double x = (rng() & 1 ? -1 : 1) * std::exp2(expo(rng));
      ASSERT_EQ(f.encode(x), ref_encode(p, x)) << label(p) << " x=" << x;
    }
  }
}

TEST(AdaptivFloatFormat, SaturationZeroNaNAndInfinity) {
  for (const AdaptivFloatParams& p : small_formats()) {
    const AdaptivFloatFormat f(p);
    const Code half = Code{1} << (p.n - 1), max = half - 1;
    for (double big : {f.decode(max) * 1.5, 1e300, std::numeric_limits<double>::max(), HUGE_VAL}) {
      ASSERT_EQ(f.encode(big), max) << label(p);
      ASSERT_EQ(f.encode(-big), half | max) << label(p);
    }
    for (double tiny : {std::numeric_limits<double>::denorm_min(), f.decode(1) / 3}) {
      ASSERT_EQ(f.encode(tiny), 0u) << label(p);
      ASSERT_EQ(f.encode(-tiny), half) << label(p);  // a negative zero
    }
    ASSERT_EQ(f.encode(0.0), 0u);
    ASSERT_EQ(f.encode(-0.0), half);
    ASSERT_EQ(f.encode(std::nan("")), 0u);  // no NaN code: a zero that keeps the sign bit
    ASSERT_EQ(f.encode(-std::nan("")), half);
    ASSERT_FALSE(f.twos_complement());
  }
}

TEST(AdaptivFloatFormat, RejectsEveryOutOfRangeParameterByName) {
  auto msg = [](AdaptivFloatParams p) -> std::string {
    try {
      AdaptivFloatFormat f(p);
    } catch (const FormatError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(msg({2, 1, 0}).find("n=2"), std::string::npos);
  EXPECT_NE(msg({17, 3, 0}).find("n=17"), std::string::npos);
  EXPECT_NE(msg({8, 0, 0}).find("e=0"), std::string::npos);
  EXPECT_NE(msg({8, 7, 0}).find("e=7"), std::string::npos);
  EXPECT_NE(msg({8, -2, 0}).find("e=-2"), std::string::npos);
  EXPECT_NE(msg({8, 3, -257}).find("exp_min=-257"), std::string::npos);
  EXPECT_NE(msg({8, 3, 257}).find("exp_min=257"), std::string::npos);
  // A 14-bit exponent field spans 16383 binades, beyond the double range.
  const std::string wide = msg({16, 14, 0});
  EXPECT_NE(wide.find("e=14"), std::string::npos);
  EXPECT_NE(wide.find("exp_min=0"), std::string::npos);
  EXPECT_EQ(msg({16, 10, 0}), "");
  EXPECT_EQ(msg({3, 1, -256}), "");
  EXPECT_EQ(msg({8, 6, 256}), "");
}

TEST(AdaptivFloatFormat, FitExpMinPutsTheLargestMagnitudeInTheTopBinade) {
  const std::vector<float> x = {0.3f, -5.0f, 2.0f, NAN, -INFINITY};
  EXPECT_EQ(AdaptivFloatFormat::fit_exp_min(3, x.data(), x.size()), 2 - 8 + 1);
  EXPECT_EQ(AdaptivFloatFormat::fit_exp_min(1, x.data(), x.size()), 2 - 2 + 1);
  const std::vector<float> four = {4.0f}, below_one = {0.999f};
  EXPECT_EQ(AdaptivFloatFormat::fit_exp_min(2, four.data(), 1), 2 - 4 + 1);
  EXPECT_EQ(AdaptivFloatFormat::fit_exp_min(2, below_one.data(), 1), -1 - 4 + 1);
  // No nonzero finite value: the top binade is placed at 2^0.
  const std::vector<float> zeros = {0.0f, -0.0f, NAN};
  EXPECT_EQ(AdaptivFloatFormat::fit_exp_min(3, zeros.data(), zeros.size()), 1 - 8);
  EXPECT_EQ(AdaptivFloatFormat::fit_exp_min(3, nullptr, 0), 1 - 8);
  // Clamped into -256..256 so the fitted format is always constructible.
  const std::vector<float> tiny = {1e-30f};
  EXPECT_EQ(AdaptivFloatFormat::fit_exp_min(8, tiny.data(), 1), -256);
  EXPECT_THROW(AdaptivFloatFormat::fit_exp_min(0, x.data(), x.size()), FormatError);
  // The fitted largest magnitude is representable without saturating far below it.
  const AdaptivFloatFormat f({8, 3, AdaptivFloatFormat::fit_exp_min(3, x.data(), x.size())});
  EXPECT_EQ(f.decode(f.encode(-5.0)), -5.0);
}

TEST(AdaptivFloatFastQuantizer, MatchesExactEncoder) {
  unsigned seed = 200;
  std::vector<AdaptivFloatParams> formats = small_formats();
  formats.push_back({8, 3, -140});  // values among the float subnormals
  formats.push_back({8, 4, 120});   // largest values beyond the float range
  for (const AdaptivFloatParams& p : formats) {
    const AdaptivFloatFormat f(p);
    lpsim::fmt::testing::expect_fast_path_matches_encode(
        f, midpoints(f), std::ldexp(1.0, p.exp_min - 6),
        std::ldexp(1.0, p.exp_min + (1 << p.e) + 4), seed++);
  }
}

}  // namespace
