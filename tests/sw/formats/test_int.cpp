// Symmetric INT n against a bit-string decoder and an exact integer-arithmetic nearest encoder.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "fast_path_check.hpp"
#include "sw/formats/format_parse.hpp"
#include "sw/formats/int_format.hpp"

namespace {

using lpsim::fmt::Code;
using lpsim::fmt::FormatError;
using lpsim::fmt::IntFormat;
using lpsim::fmt::IntParams;
__extension__ typedef unsigned __int128 u128;

// Two's complement value of the n-bit string, times the scale.
double ref_decode(int n, double scale, Code c) {
  std::string bits;
  for (int i = n - 1; i >= 0; --i) bits += ((c >> i) & 1u) ? '1' : '0';
  long v = bits[0] == '1' ? -(1L << (n - 1)) : 0;
  for (int i = 1; i < n; ++i)
    if (bits[i] == '1') v += 1L << (n - 1 - i);
  return static_cast<double>(v) * scale;
}

// Sign of a - (j + 1/2) * scale for a >= 0, exactly: both doubles are integers times powers of
// two, so compare 2 * ma * 2^ea with (2j + 1) * ms * 2^es in 128-bit integers.
int cmp_mid(double a, long j, double scale) {
  if (a == 0) return -1;
  int ea, es;
  const auto ma = static_cast<std::uint64_t>(std::ldexp(std::frexp(a, &ea), 53));
  const auto ms = static_cast<std::uint64_t>(std::ldexp(std::frexp(scale, &es), 53));
  const int d = ea - es;  // a / scale ~ 2^d
  if (d > 60) return 1;
  if (d < -50) return -1;
  u128 lhs = u128{2} * ma, rhs = u128(2 * j + 1) * ms;
  if (d >= 0)
    lhs <<= d;
  else
    rhs <<= -d;
  return lhs > rhs ? 1 : lhs < rhs ? -1 : 0;
}

// Nearest k in [-(2^(n-1)-1), 2^(n-1)-1] by counting the midpoints below |x|; ties to even.
Code ref_encode(int n, double scale, double x) {
  if (std::isnan(x)) return 0;
  const long top = (1L << (n - 1)) - 1;
  const double a = std::fabs(x);
  long k = 0;
  bool tie = false;
  for (long j = 0; j < top; ++j) {
    const int s = std::isinf(a) ? 1 : cmp_mid(a, j, scale);
    k += s > 0;
    tie |= s == 0;
  }
  if (tie && (k & 1)) ++k;  // on the midpoint between k and k+1
  const Code mask = (Code{1} << n) - 1;
  return x < 0 ? static_cast<Code>(-k) & mask : static_cast<Code>(k);
}

std::vector<IntParams> small_formats() {
  std::vector<IntParams> v;
  for (int n = 2; n <= 8; ++n)
    for (double s : {1.0, 0.0123, 0.1, 3.0, std::ldexp(1.0, -10), 1e-310, 1e300})
      v.push_back({n, s});
  return v;
}

std::string label(const IntParams& p) {
  return IntFormat(p).name();
}
long top(const IntParams& p) {
  return (1L << (p.n - 1)) - 1;
}

TEST(IntFormat, DecodeMatchesBitStringReferenceForEveryPattern) {
  for (const IntParams& p : small_formats()) {
    const IntFormat f(p);
    for (Code c = 0; c < f.num_codes(); ++c) {
      ASSERT_EQ(f.decode(c), ref_decode(p.n, p.scale, c)) << label(p) << " " << c;
      ASSERT_FALSE(f.is_nan_code(c));
    }
  }
  const IntFormat f({8, 0.5});
  EXPECT_EQ(f.decode(0x7f), 63.5);
  EXPECT_EQ(f.decode(0x81), -63.5);
  EXPECT_EQ(f.decode(0x80), -64.0);  // never produced by encode
  EXPECT_EQ(f.decode(0xff), -0.5);
}

// The pattern -2^(n-1) is left out: it decodes to -2^(n-1)*scale, which encode saturates to
// -(2^(n-1)-1) because the format is symmetric.
TEST(IntFormat, EncodeOfDecodeIsIdentityExceptTheUnusedMostNegativePattern) {
  for (const IntParams& p : small_formats()) {
    const IntFormat f(p);
    const Code most_negative = Code{1} << (p.n - 1);
    for (Code c = 0; c < f.num_codes(); ++c) {
      if (c == most_negative) {
        ASSERT_EQ(f.encode(f.decode(c)), most_negative + 1) << label(p);
        continue;
      }
      ASSERT_EQ(f.encode(f.decode(c)), c) << label(p) << " " << c;
    }
  }
}

TEST(IntFormat, DecodedValuesIncreaseAlongPositiveAndNegativeCodes) {
  for (const IntParams& p : small_formats()) {
    const IntFormat f(p);
    const Code half = Code{1} << (p.n - 1);
    for (Code c = 0; c + 1 < half; ++c) ASSERT_LT(f.decode(c), f.decode(c + 1)) << label(p);
    for (Code c = half; c + 1 < f.num_codes(); ++c) ASSERT_LT(f.decode(c), f.decode(c + 1));
    ASSERT_LT(f.decode(f.num_codes() - 1), f.decode(0));
    for (Code c = 0; c < half; ++c) ASSERT_EQ(f.decode(f.negate(c)), -f.decode(c));
  }
}

TEST(IntFormat, ExactTiesGoToTheEvenCode) {
  // Scales with few significant bits make every (k + 1/2) * scale a double.
  for (int n = 2; n <= 8; ++n) {
    for (double s : {1.0, 3.0, std::ldexp(1.0, -10), 0.75}) {
      const IntFormat f({n, s});
      const long t = top({n, s});
      for (long k = 0; k < t; ++k) {
        const double tie = (static_cast<double>(k) + 0.5) * s;
        const Code even = static_cast<Code>(k & 1 ? k + 1 : k);
        ASSERT_EQ(f.encode(tie), even) << label({n, s}) << " k=" << k;
        ASSERT_EQ(f.encode(-tie), f.negate(even));
        ASSERT_EQ(f.encode(std::nextafter(tie, 0.0)), static_cast<Code>(k));
        ASSERT_EQ(f.encode(std::nextafter(tie, HUGE_VAL)), static_cast<Code>(k + 1));
      }
      // The tie above the largest code saturates like everything beyond it.
      ASSERT_EQ(f.encode((static_cast<double>(t) + 0.5) * s), static_cast<Code>(t));
    }
  }
  const IntFormat f({8, 1.0});
  EXPECT_EQ(f.encode(0.5), 0u);
  EXPECT_EQ(f.encode(1.5), 2u);
  EXPECT_EQ(f.encode(2.5), 2u);
  EXPECT_EQ(f.encode(-2.5), 0xfeu);
  EXPECT_EQ(f.encode(-0.5), 0u);
}

// With a scale like 0.1 the midpoints (k + 1/2) * scale need up to 70 bits; the double nearest
// to each, and its neighbours, must still land on the exactly nearest code.
TEST(IntFormat, EncodeIsExactlyNearestNextToInexactMidpointsAndOnRandomDoubles) {
  std::mt19937_64 rng(23);
  for (const IntParams& p : small_formats()) {
    const IntFormat f(p);
    const long t = top(p);
    std::vector<double> xs;
    for (long k = 0; k <= t; ++k) {
      double x = (static_cast<double>(k) + 0.5) * p.scale;
      double y = x;
      for (int i = 0; i < 3; ++i) {
        xs.insert(xs.end(), {x, -x, y, -y});
        x = std::nextafter(x, HUGE_VAL);
        y = std::nextafter(y, 0.0);
      }
    }
    std::uniform_real_distribution<double> u(-1.2 * t, 1.2 * t);
    for (int i = 0; i < 2000; ++i) xs.push_back(u(rng) * p.scale);
    for (double x : xs)
      ASSERT_EQ(f.encode(x), ref_encode(p.n, p.scale, x)) << label(p) << " x=" << x;
  }
}

TEST(IntFormat, SaturationNaNAndInfinity) {
  for (const IntParams& p : small_formats()) {
    const IntFormat f(p);
    const Code max = static_cast<Code>(top(p));
    for (double big : {f.decode(max) * 2, 1e305, std::numeric_limits<double>::max()}) {
      ASSERT_EQ(f.encode(big), max) << label(p);
      ASSERT_EQ(f.encode(-big), f.negate(max)) << label(p);
    }
    for (double tiny : {std::numeric_limits<double>::denorm_min(), p.scale / 2.5}) {
      ASSERT_EQ(f.encode(tiny), 0u) << label(p);
      ASSERT_EQ(f.encode(-tiny), 0u) << label(p);
    }
    ASSERT_EQ(f.encode(HUGE_VAL), max);
    ASSERT_EQ(f.encode(-HUGE_VAL), f.negate(max));
    ASSERT_EQ(f.encode(std::nan("")), 0u);
    ASSERT_EQ(f.encode(-std::nan("")), 0u);
    ASSERT_EQ(f.encode(0.0), 0u);
    ASSERT_EQ(f.encode(-0.0), 0u);
    ASSERT_EQ(f.negate(0), 0u);
    ASSERT_TRUE(f.twos_complement());
  }
}

TEST(IntFormat, NameIsParseableAndRoundTripsTheScale) {
  EXPECT_EQ(IntFormat({8, 0.0123}).name(), "int<8,0.0123>");
  EXPECT_EQ(IntFormat({4, 1.0}).name(), "int<4,1>");
  EXPECT_EQ(IntFormat({16, 1.0 / 3}).name(), "int<16,0.3333333333333333>");
  for (double scale : {1.0 / 3, 0.0016954745364001417, 1e-30, 12345.678}) {
    const auto f = lpsim::fmt::parse_format(IntFormat({8, scale}).name());
    EXPECT_EQ(dynamic_cast<const IntFormat&>(*f).params().scale, scale);
  }
}

TEST(IntFormat, RejectsEveryOutOfRangeParameterByName) {
  auto msg = [](IntParams p) -> std::string {
    try {
      IntFormat f(p);
    } catch (const FormatError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(msg({1, 1.0}).find("n=1"), std::string::npos);
  EXPECT_NE(msg({17, 1.0}).find("n=17"), std::string::npos);
  EXPECT_NE(msg({8, 0.0}).find("scale=0"), std::string::npos);
  EXPECT_NE(msg({8, -1.0}).find("scale=-1"), std::string::npos);
  EXPECT_NE(msg({8, std::nan("")}).find("scale=nan"), std::string::npos);
  EXPECT_NE(msg({8, HUGE_VAL}).find("scale=inf"), std::string::npos);
  EXPECT_NE(msg({16, 1e308}).find("scale=1e+308"), std::string::npos);  // 2^15 * scale overflows
  EXPECT_EQ(msg({16, 1e300}), "");
  EXPECT_EQ(msg({2, 5e-324}), "");
}

TEST(IntFormat, FitScaleUsesTheLargestFiniteMagnitude) {
  const std::vector<float> x = {0.5f, -2.54f, 1.0f, NAN, INFINITY, -INFINITY};
  EXPECT_EQ(IntFormat::fit_scale(8, x.data(), x.size()), static_cast<double>(2.54f) / 127);
  EXPECT_EQ(IntFormat::fit_scale(4, x.data(), 3), static_cast<double>(2.54f) / 7);
  const std::vector<float> zeros(5, 0.0f);
  EXPECT_EQ(IntFormat::fit_scale(8, zeros.data(), zeros.size()), 1.0);
  EXPECT_EQ(IntFormat::fit_scale(8, nullptr, 0), 1.0);
  EXPECT_THROW(IntFormat::fit_scale(1, x.data(), x.size()), FormatError);
  // The fitted scale maps the extreme to the largest code exactly.
  const IntFormat f({8, IntFormat::fit_scale(8, x.data(), x.size())});
  EXPECT_EQ(f.encode(-2.54f), 0x81u);

  const std::vector<float> y = {1, -2, 0, 0, 0, 0, 0.5f, 7};
  const auto s = IntFormat::fit_channel_scales(8, y.data(), y.size(), 4);
  EXPECT_EQ(s, (std::vector<double>{2.0 / 127, 1.0, 1.0, 7.0 / 127}));
  EXPECT_EQ(IntFormat::fit_channel_scales(8, y.data(), y.size(), 1),
            std::vector<double>{7.0 / 127});
  for (std::size_t bad : {0, 3}) {
    try {
      IntFormat::fit_channel_scales(8, y.data(), y.size(), bad);
      ADD_FAILURE() << "channels=" << bad << " accepted";
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("channels=" + std::to_string(bad)), std::string::npos);
    }
  }
}

TEST(IntFastQuantizer, MatchesExactEncoder) {
  unsigned seed = 100;
  for (const IntParams& p : small_formats()) {
    if (p.scale < 1e-300 || p.scale > 1e30) continue;  // beyond the float range
    const IntFormat f(p);
    std::vector<double> mids;
    for (long k = 0; k < top(p); ++k) mids.push_back((static_cast<double>(k) + 0.5) * p.scale);
    lpsim::fmt::testing::expect_fast_path_matches_encode(
        f, mids, p.scale / 64, p.scale * static_cast<double>(4 * top(p)), seed++);
  }
}

}  // namespace
