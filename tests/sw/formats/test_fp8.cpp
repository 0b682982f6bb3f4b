// OCP FP8 E4M3/E5M2 against a bit-string decoder built from the OFP8 spec tables and a
// brute-force nearest-even encoder.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "fast_path_check.hpp"
#include "sw/formats/fp8_format.hpp"

namespace {

using lpsim::fmt::Code;
using lpsim::fmt::Fp8Format;
using lpsim::fmt::Fp8Kind;

struct Ref {
  int exp_bits, bias;
};
Ref ref(Fp8Kind k) {
  return k == Fp8Kind::E4M3 ? Ref{4, 7} : Ref{5, 15};
}

// OFP8 spec 1.0, tables 1 and 2: E4M3 has only S.1111.111 as NaN and no inf; E5M2 follows
// IEEE 754 (S.11111.00 inf, other S.11111.xx NaN). Subnormals at exponent field 0.
double ref_decode(Fp8Kind kind, Code c) {
  std::string bits;
  for (int i = 7; i >= 0; --i) bits += ((c >> i) & 1u) ? '1' : '0';
  const Ref r = ref(kind);
  const std::string exp = bits.substr(1, r.exp_bits), man = bits.substr(1 + r.exp_bits);
  const double sign = bits[0] == '1' ? -1.0 : 1.0;
  int e = 0, m = 0;
  for (char b : exp) e = 2 * e + (b - '0');
  for (char b : man) m = 2 * m + (b - '0');
  const int mb = static_cast<int>(man.size());
  if (kind == Fp8Kind::E4M3 && exp == "1111" && man == "111") return std::nan("");
  if (kind == Fp8Kind::E5M2 && exp == "11111") return man == "00" ? sign * HUGE_VAL : std::nan("");
  if (e == 0) return sign * std::ldexp(m, 1 - r.bias - mb);
  return sign * std::ldexp(1.0 + std::ldexp(m, -mb), e - r.bias);
}

// Nearest finite magnitude by a linear scan (ties to the even code; the distances are exact,
// see test_adaptivfloat.cpp), finite overflow saturating; specials per the header contract.
Code ref_encode(Fp8Kind kind, double x) {
  const Code sign = std::signbit(x) ? 0x80u : 0u;
  if (std::isnan(x)) return sign | 0x7f;
  if (std::isinf(x)) return sign | (kind == Fp8Kind::E5M2 ? 0x7c : 0x7f);
  std::vector<double> v;
  for (Code c = 0; c < 0x80 && std::isfinite(ref_decode(kind, c)); ++c)
    v.push_back(ref_decode(kind, c));
  const double a = std::fabs(x);
  Code c = 0;
  while (c + 1 < v.size() && v[c + 1] <= a) ++c;
  if (c + 1 < v.size()) {
    const double down = a - v[c], up = v[c + 1] - a;
    if (up < down || (up == down && (c & 1u))) ++c;
  }
  return sign | c;
}

const Fp8Kind kKinds[] = {Fp8Kind::E4M3, Fp8Kind::E5M2};

Code max_code(Fp8Kind k) {
  return k == Fp8Kind::E4M3 ? 0x7e : 0x7b;
}

std::vector<double> midpoints(const Fp8Format& f) {
  std::vector<double> m;
  for (Code c = 0; c < max_code(f.kind()); ++c) m.push_back((f.decode(c) + f.decode(c + 1)) / 2);
  return m;
}

TEST(Fp8Format, DecodeMatchesBitStringReferenceForEveryPattern) {
  for (Fp8Kind k : kKinds) {
    const Fp8Format f(k);
    for (Code c = 0; c < 256; ++c) {
      const double want = ref_decode(k, c);
      if (std::isnan(want)) {
        ASSERT_TRUE(std::isnan(f.decode(c))) << f.name() << " " << c;
        ASSERT_TRUE(f.is_nan_code(c)) << f.name() << " " << c;
        continue;
      }
      ASSERT_FALSE(f.is_nan_code(c)) << f.name() << " " << c;
      ASSERT_EQ(f.decode(c), want) << f.name() << " " << c;
      ASSERT_EQ(std::signbit(f.decode(c)), std::signbit(want)) << f.name() << " " << c;
    }
  }
}

TEST(Fp8Format, SpecValues) {
  const Fp8Format a(Fp8Kind::E4M3), b(Fp8Kind::E5M2);
  EXPECT_EQ(a.name(), "fp8_e4m3");
  EXPECT_EQ(b.name(), "fp8_e5m2");
  EXPECT_EQ(a.decode(0x7e), 448.0);
  EXPECT_EQ(a.decode(0x08), std::ldexp(1.0, -6));  // smallest normal
  EXPECT_EQ(a.decode(0x07), 0.875 * std::ldexp(1.0, -6));
  EXPECT_EQ(a.decode(0x01), std::ldexp(1.0, -9));  // smallest subnormal
  EXPECT_EQ(a.decode(0x78), 256.0);                // S.1111.000 is a number in E4M3
  EXPECT_EQ(a.decode(0xfe), -448.0);
  EXPECT_EQ(b.decode(0x7b), 57344.0);
  EXPECT_EQ(b.decode(0x04), std::ldexp(1.0, -14));
  EXPECT_EQ(b.decode(0x01), std::ldexp(1.0, -16));
  EXPECT_EQ(b.decode(0x7c), HUGE_VAL);
  EXPECT_EQ(b.decode(0xfc), -HUGE_VAL);
  int nan_a = 0, nan_b = 0;
  for (Code c = 0; c < 256; ++c) {
    nan_a += a.is_nan_code(c);
    nan_b += b.is_nan_code(c);
  }
  EXPECT_EQ(nan_a, 2);  // 0x7f, 0xff
  EXPECT_EQ(nan_b, 6);  // 0x7d..0x7f, 0xfd..0xff
  EXPECT_FALSE(b.is_nan_code(0x7c));
  EXPECT_TRUE(b.is_nan_code(0xfd));
}

TEST(Fp8Format, EncodeOfDecodeIsIdentityForEveryNonNaNPattern) {
  for (Fp8Kind k : kKinds) {
    const Fp8Format f(k);
    for (Code c = 0; c < 256; ++c) {
      if (f.is_nan_code(c)) continue;
      ASSERT_EQ(f.encode(f.decode(c)), c) << f.name() << " " << c;
    }
  }
}

TEST(Fp8Format, MagnitudeIncreasesWithTheCodeOnBothSigns) {
  for (Fp8Kind k : kKinds) {
    const Fp8Format f(k);
    const Code top = k == Fp8Kind::E5M2 ? 0x7c : 0x7e;  // inf ends the E5M2 sequence
    for (Code c = 0; c < top; ++c) {
      ASSERT_LT(f.decode(c), f.decode(c + 1)) << f.name() << " " << c;
      ASSERT_GT(f.decode(0x80 | c), f.decode(0x80 | (c + 1))) << f.name() << " " << c;
      ASSERT_EQ(f.negate(c), 0x80 | c);
    }
  }
}

TEST(Fp8Format, TiesGoToTheEvenMantissaAndNeighboursDoNot) {
  for (Fp8Kind k : kKinds) {
    const Fp8Format f(k);
    const auto mids = midpoints(f);
    for (Code c = 0; c < mids.size(); ++c) {
      const double t = mids[c];
      const Code even = (c & 1u) ? c + 1 : c;
      ASSERT_EQ(f.encode(t), even) << f.name() << " tie above " << c;
      ASSERT_EQ(f.encode(-t), 0x80 | even) << f.name();
      ASSERT_EQ(f.encode(std::nextafter(t, 0.0)), c) << f.name();
      ASSERT_EQ(f.encode(std::nextafter(t, HUGE_VAL)), c + 1) << f.name();
    }
  }
  const Fp8Format a(Fp8Kind::E4M3);
  EXPECT_EQ(a.encode(std::ldexp(1.0, -10)), 0x00u);  // half the smallest subnormal: to zero
  EXPECT_EQ(a.encode(std::ldexp(3.0, -10)), 0x02u);  // 1.5 subnormal steps: to the even 2
  EXPECT_EQ(a.encode(1.0625), 0x38u);                // 1 + 1/16, between 1.0 and 1.125
  EXPECT_EQ(a.encode(1.1875), 0x3au);
}

TEST(Fp8Format, SaturationZeroNaNAndInfinity) {
  const Fp8Format a(Fp8Kind::E4M3), b(Fp8Kind::E5M2);
  for (double big : {449.0, 464.0, 480.0, 1e6, std::numeric_limits<double>::max()}) {
    EXPECT_EQ(a.encode(big), 0x7eu) << big;
    EXPECT_EQ(a.encode(-big), 0xfeu) << big;
  }
  for (double big : {57345.0, 61440.0, 65536.0, 1e10, std::numeric_limits<double>::max()}) {
    EXPECT_EQ(b.encode(big), 0x7bu) << big;
    EXPECT_EQ(b.encode(-big), 0xfbu) << big;
  }
  EXPECT_EQ(a.encode(HUGE_VAL), 0x7fu);
  EXPECT_EQ(a.encode(-HUGE_VAL), 0xffu);
  EXPECT_EQ(b.encode(HUGE_VAL), 0x7cu);
  EXPECT_EQ(b.encode(-HUGE_VAL), 0xfcu);
  for (const Fp8Format* f : {&a, &b}) {
    EXPECT_EQ(f->encode(std::nan("")), 0x7fu);
    EXPECT_EQ(f->encode(-std::nan("")), 0xffu);
    EXPECT_EQ(f->encode(0.0), 0x00u);
    EXPECT_EQ(f->encode(-0.0), 0x80u);
    EXPECT_EQ(f->encode(std::numeric_limits<double>::denorm_min()), 0x00u);
    EXPECT_EQ(f->encode(-1e-30), 0x80u);
    EXPECT_TRUE(std::signbit(f->decode(0x80)));
    EXPECT_FALSE(f->twos_complement());
  }
}

TEST(Fp8Format, EncodeIsNearestEvenOnRandomDoubles) {
  std::mt19937_64 rng(31);
  for (Fp8Kind k : kKinds) {
    const Fp8Format f(k);
    std::uniform_real_distribution<double> expo(-20, 18);
    for (int i = 0; i < 20000; ++i) {
      double x = (rng() & 1 ? -1 : 1) * std::exp2(expo(rng));
      if (i % 8 == 0) {  // any double, specials included
        const std::uint64_t bits = rng();
        std::memcpy(&x, &bits, sizeof x);
      }
      ASSERT_EQ(f.encode(x), ref_encode(k, x)) << f.name() << " x=" << x;
    }
  }
}

TEST(Fp8FastQuantizer, MatchesExactEncoder) {
  unsigned seed = 300;
  for (Fp8Kind k : kKinds) {
    const Fp8Format f(k);
    lpsim::fmt::testing::expect_fast_path_matches_encode(f, midpoints(f), std::ldexp(1.0, -20), 1e6,
                                                         seed++);
    EXPECT_EQ(f.fast().slow_buckets(), 0u) << f.name();
  }
}

}  // namespace
