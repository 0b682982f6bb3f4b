// posit<n,es> against a bit-string reference decoder and a bit-string RNE rounder.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "fast_path_check.hpp"
#include "sw/formats/posit_format.hpp"

namespace {

using lpsim::fmt::Code;
using lpsim::fmt::FormatError;
using lpsim::fmt::PositFormat;
using lpsim::fmt::PositParams;

std::string to_bits(Code c, int n) {
  std::string s;
  for (int i = n - 1; i >= 0; --i) s += ((c >> i) & 1u) ? '1' : '0';
  return s;
}

// Reference decode from the Posit Standard's prose, on a string of '0'/'1': NaN for NaR.
double ref_decode(int n, int es, Code pattern) {
  std::string bits = to_bits(pattern, n);
  if (bits.find('1') == std::string::npos) return 0.0;
  if (bits == "1" + std::string(n - 1, '0')) return std::nan("");
  const bool negative = bits[0] == '1';
  if (negative) {  // two's complement by hand: invert, add one
    for (char& c : bits) c = c == '1' ? '0' : '1';
    for (int i = n - 1; i >= 0; --i) {
      if (bits[i] == '0') {
        bits[i] = '1';
        break;
      }
      bits[i] = '0';
    }
  }
  const std::string body = bits.substr(1);
  std::size_t run = 1;
  while (run < body.size() && body[run] == body[0]) ++run;
  const int k = body[0] == '1' ? static_cast<int>(run) - 1 : -static_cast<int>(run);
  std::string rest = run + 1 < body.size() ? body.substr(run + 1) : "";
  std::string exp = rest.substr(0, std::min<std::size_t>(es, rest.size()));
  const std::string frac = rest.substr(exp.size());
  exp.resize(es, '0');  // exponent bits cut off by the word end count as zeros
  long e = 0, f = 0;
  for (char c : exp) e = 2 * e + (c - '0');
  for (char c : frac) f = 2 * f + (c - '0');
  // (2^fb + f) * 2^(2^es k + e - fb), exact
  const int fb = static_cast<int>(frac.size());
  const double v =
      std::ldexp(static_cast<double>((1L << fb) + f), (1 << es) * k + static_cast<int>(e) - fb);
  return negative ? -v : v;
}

// Reference rounding: writes the infinite bit string of x > 0 (regime, es exponent bits, the
// 52 fraction bits of the double) and rounds it to n-1 bits, RNE, then saturates.
Code ref_round(int n, int es, double x) {
  const int big_e = std::ilogb(x);  // exact floor(log2 x), also for subnormals
  const int span = 1 << es;
  const int k = big_e >= 0 ? big_e / span : -((-big_e + span - 1) / span);
  const int e = big_e - k * span;
  std::string s = k >= 0 ? std::string(k + 1, '1') + "0" : std::string(-k, '0') + "1";
  for (int i = es - 1; i >= 0; --i) s += ((e >> i) & 1) ? '1' : '0';
  double sig = std::ldexp(x, -big_e) - 1.0;  // fraction in [0, 1), exact
  for (int i = 0; i < 53; ++i) {
    sig *= 2;
    s += sig >= 1 ? '1' : '0';
    if (sig >= 1) sig -= 1;
  }
  const std::size_t w = static_cast<std::size_t>(n - 1);
  s.resize(std::max(s.size(), w + 1), '0');
  Code head = 0;
  for (std::size_t i = 0; i < w; ++i) head = 2 * head + (s[i] - '0');
  const bool round = s[w] == '1';
  const bool sticky = s.find('1', w + 1) != std::string::npos;
  if (round && (sticky || (head & 1u))) ++head;
  const Code maxpos = (Code{1} << (n - 1)) - 1;
  if (head == 0) return 1;           // never to zero
  if (head > maxpos) return maxpos;  // never to NaR
  return head;
}

Code ref_encode(int n, int es, double x) {
  if (x == 0) return 0;
  if (!std::isfinite(x)) return Code{1} << (n - 1);
  const Code q = ref_round(n, es, std::fabs(x));
  return x < 0 ? ((Code{1} << n) - q) : q;
}

std::vector<PositParams> small_formats() {
  std::vector<PositParams> v;
  for (int n = 2; n <= 8; ++n)
    for (int es = 0; es <= 4; ++es) v.push_back({n, es});
  return v;
}

std::string label(const PositParams& p) {
  return PositFormat(p).name();
}

// Rounding thresholds of posit<n,es>: p's bits followed by a single 1, i.e. pattern 2p+1 of
// posit<n+1,es>, for p = 1 .. maxpos-1.
std::vector<double> ref_thresholds(const PositParams& p) {
  std::vector<double> t;
  for (Code q = 1; q + 1 < (Code{1} << (p.n - 1)); ++q)
    t.push_back(ref_decode(p.n + 1, p.es, 2 * q + 1));
  return t;
}

TEST(PositFormat, DecodeMatchesBitStringReferenceForEveryPattern) {
  auto check = [](const PositParams& p) {
    const PositFormat f(p);
    for (Code c = 0; c < f.num_codes(); ++c) {
      const double want = ref_decode(p.n, p.es, c);
      const double got = f.decode(c);
      if (std::isnan(want)) {
        ASSERT_TRUE(std::isnan(got)) << label(p) << " " << c;
        ASSERT_TRUE(f.is_nan_code(c));
      } else {
        ASSERT_EQ(got, want) << label(p) << " " << c;
        ASSERT_FALSE(f.is_nan_code(c));
      }
    }
  };
  for (const PositParams& p : small_formats()) check(p);
  for (int n : {10, 12, 16})
    for (int es = 0; es <= 4; ++es) check({n, es});
}

TEST(PositFormat, KnownValues) {
  const PositFormat p82({8, 2});
  EXPECT_EQ(p82.name(), "posit<8,2>");
  EXPECT_EQ(p82.decode(0x40), 1.0);
  EXPECT_EQ(p82.decode(0x7f), std::ldexp(1.0, 24));   // maxpos = useed^(n-2)
  EXPECT_EQ(p82.decode(0x01), std::ldexp(1.0, -24));  // minpos
  EXPECT_EQ(p82.decode(0x50), 4.0);                   // 0 10 10 000
  EXPECT_EQ(p82.decode(0x44), 1.5);                   // 0 10 00 100
  EXPECT_EQ(p82.decode(0x48), 2.0);                   // 0 10 01 000
  EXPECT_EQ(p82.decode(0xc0), -1.0);
  const PositFormat p160({16, 1});
  EXPECT_EQ(p160.decode(0x7fff), std::ldexp(1.0, 28));
  EXPECT_EQ(PositFormat({8, 0}).decode(0x60), 2.0);
  EXPECT_EQ(PositFormat({2, 3}).decode(1), 1.0);
  EXPECT_EQ(PositFormat({2, 3}).decode(3), -1.0);
}

TEST(PositFormat, EncodeOfDecodeIsIdentityAndOrderIsMonotonic) {
  auto check = [](const PositParams& p) {
    const PositFormat f(p);
    for (Code c = 0; c < f.num_codes(); ++c) {
      if (f.is_nan_code(c)) continue;
      ASSERT_EQ(f.encode(f.decode(c)), c) << label(p) << " " << c;
    }
    // Positive patterns 1..maxpos increase; the negatives nar+1 .. 2^n-1 increase from -maxpos.
    for (Code c = 1; c + 1 < f.nar(); ++c) ASSERT_LT(f.decode(c), f.decode(c + 1)) << label(p);
    for (Code c = f.nar() + 1; c + 1 < f.num_codes(); ++c)
      ASSERT_LT(f.decode(c), f.decode(c + 1)) << label(p);
    for (Code c = 0; c < f.num_codes(); ++c) {
      if (f.is_nan_code(c)) continue;
      ASSERT_EQ(f.decode(f.negate(c)), -f.decode(c)) << label(p);
    }
  };
  for (const PositParams& p : small_formats()) check(p);
  for (int es = 0; es <= 4; ++es) check({16, es});
}

TEST(PositFormat, TiesGoToTheEvenPatternAndTheirNeighboursDoNot) {
  for (const PositParams& p : small_formats()) {
    const PositFormat f(p);
    const auto t = ref_thresholds(p);
    for (Code q = 1; q <= t.size(); ++q) {
      const double tie = t[q - 1];
      ASSERT_LT(f.decode(q), tie);
      ASSERT_LT(tie, f.decode(q + 1));
      const Code even = (q & 1u) ? q + 1 : q;
      ASSERT_EQ(f.encode(tie), even) << label(p) << " tie above " << q;
      ASSERT_EQ(ref_encode(p.n, p.es, tie), even) << label(p) << " tie above " << q;
      ASSERT_EQ(f.encode(-tie), f.negate(even)) << label(p);
      ASSERT_EQ(f.encode(std::nextafter(tie, 0.0)), q) << label(p);
      ASSERT_EQ(f.encode(std::nextafter(tie, HUGE_VAL)), q + 1) << label(p);
    }
  }
  // Where exponent bits are cut off the threshold is the geometric one: posit<5,2> rounds
  // 0 001 1 (2^-6) and 0 010 0 (2^-4) at 2^-5, so 1.9 * 2^-6 still goes down.
  const PositFormat f({5, 2});
  EXPECT_EQ(f.decode(0x03), std::ldexp(1.0, -6));
  EXPECT_EQ(f.decode(0x04), std::ldexp(1.0, -4));
  EXPECT_EQ(f.encode(std::ldexp(1.9, -6)), 0x03u);
  EXPECT_EQ(f.encode(std::ldexp(1.0, -5)), 0x04u);  // tie, 0x04 is even
  EXPECT_EQ(f.encode(std::ldexp(1.01, -5)), 0x04u);
}

TEST(PositFormat, SaturatesAtBothEndsAndNeverRoundsToZeroOrNaR) {
  for (const PositParams& p : small_formats()) {
    const PositFormat f(p);
    const Code maxpos = f.nar() - 1;
    const double max = f.decode(maxpos), min = f.decode(1);
    for (double big : {max, max * 1.5, max * 4, 1e300, std::numeric_limits<double>::max()}) {
      ASSERT_EQ(f.encode(big), maxpos) << label(p) << " " << big;
      ASSERT_EQ(f.encode(-big), f.negate(maxpos)) << label(p);
    }
    for (double tiny :
         {min, min / 1.5, min / 4, 1e-300, std::numeric_limits<double>::denorm_min()}) {
      ASSERT_EQ(f.encode(tiny), 1u) << label(p) << " " << tiny;
      ASSERT_EQ(f.encode(-tiny), f.negate(1)) << label(p);
    }
  }
}

TEST(PositFormat, NaRZeroAndNonFiniteInputs) {
  for (const PositParams& p : small_formats()) {
    const PositFormat f(p);
    const Code nar = f.nar();
    EXPECT_EQ(nar, Code{1} << (p.n - 1));
    EXPECT_EQ(f.encode(0.0), 0u);
    EXPECT_EQ(f.encode(-0.0), 0u);
    EXPECT_EQ(f.encode(std::nan("")), nar);
    EXPECT_EQ(f.encode(-std::nan("")), nar);
    EXPECT_EQ(f.encode(HUGE_VAL), nar);
    EXPECT_EQ(f.encode(-HUGE_VAL), nar);
    EXPECT_TRUE(std::isnan(f.decode(nar)));
    EXPECT_TRUE(f.is_nan_code(nar));
    EXPECT_FALSE(f.is_nan_code(0));
    EXPECT_EQ(f.negate(nar), nar);
    EXPECT_EQ(f.negate(0), 0u);
    EXPECT_TRUE(f.twos_complement());
  }
}

TEST(PositFormat, EncodeEqualsBitStringRoundingOnRandomDoubles) {
  std::mt19937_64 rng(17);
  std::vector<PositParams> formats = small_formats();
  for (int es = 0; es <= 4; ++es) formats.push_back({16, es});
  formats.push_back({11, 3});
  for (const PositParams& p : formats) {
    const PositFormat f(p);
    const double lo = std::log2(f.decode(1)) - 8, hi = std::log2(f.decode(f.nar() - 1)) + 8;
    std::uniform_real_distribution<double> expo(lo, hi);
    for (int i = 0; i < 4000; ++i) {
      double x = (rng() & 1 ? -1 : 1) * std::exp2(expo(rng));
      if (i % 4 == 0) {  // any finite double, including subnormals
        const std::uint64_t b = rng();
        std::memcpy(&x, &b, sizeof x);
        if (!std::isfinite(x)) continue;
      }
      ASSERT_EQ(f.encode(x), ref_encode(p.n, p.es, x)) << label(p) << " x=" << x;
    }
  }
}

TEST(PositFormat, RejectsEveryOutOfRangeParameterByName) {
  auto msg = [](PositParams p) -> std::string {
    try {
      PositFormat f(p);
    } catch (const FormatError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(msg({1, 0}).find("n=1"), std::string::npos);
  EXPECT_NE(msg({17, 0}).find("n=17"), std::string::npos);
  EXPECT_NE(msg({-3, 0}).find("n=-3"), std::string::npos);
  EXPECT_NE(msg({8, -1}).find("es=-1"), std::string::npos);
  EXPECT_NE(msg({8, 5}).find("es=5"), std::string::npos);
  EXPECT_EQ(msg({16, 4}), "");
  EXPECT_EQ(msg({2, 0}), "");
}

TEST(PositFastQuantizer, MatchesExactEncoder) {
  unsigned seed = 1;
  for (const PositParams& p : small_formats()) {
    const PositFormat f(p);
    lpsim::fmt::testing::expect_fast_path_matches_encode(f, ref_thresholds(p), f.decode(1) / 16,
                                                         f.decode(f.nar() - 1) * 16, seed++);
  }
}

}  // namespace
