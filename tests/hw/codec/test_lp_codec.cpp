// The hardware LP decoder/encoder against fmt::LpFormat, exhaustively for every MODE format.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "hw/codec/lp_decoder.hpp"
#include "hw/codec/lp_encoder.hpp"

namespace {

using lpsim::hw::i128;
using lpsim::hw::kLogFracBits;
using lpsim::fmt::LpParams;

std::vector<LpParams> mode_formats(const std::vector<int>& sfs) {
  std::vector<LpParams> out;
  for (int n : {2, 4, 8})
    for (int es = 0; es <= 4; ++es)
      for (int rs = 1; rs <= n - 1; ++rs)
        for (int sf : sfs) out.push_back(LpParams{n, es, rs, sf});
  return out;
}

TEST(LpDecoder, MatchesSoftwareFieldsForEveryPatternOfEveryModeFormat) {
  std::vector<int> sfs;
  for (int sf = -64; sf <= 64; ++sf) sfs.push_back(sf);
  std::size_t checked = 0;
  for (const LpParams& p : mode_formats(sfs)) {
    const lpsim::fmt::LpFormat ref(p);
    const lpsim::hw::LpDecoder dec(p);
    for (std::uint32_t c = 0; c < (1u << p.n); ++c) {
      const auto f = ref.fields(c);
      const auto d = dec.decode(c);
      ASSERT_EQ(d.zero, f.zero) << lpsim::fmt::lp_name(p) << " pattern " << c;
      ASSERT_EQ(d.nar, f.nar) << lpsim::fmt::lp_name(p) << " pattern " << c;
      if (f.zero || f.nar) continue;
      ASSERT_EQ(d.neg, f.negative) << lpsim::fmt::lp_name(p) << " pattern " << c;
      ASSERT_EQ(d.k, f.k) << lpsim::fmt::lp_name(p) << " pattern " << c;
      ASSERT_EQ(std::ldexp(d.ulfx_q, -kLogFracBits), f.e + std::ldexp(f.frac, -f.frac_bits));
      ASSERT_EQ(std::ldexp(d.log_q, -kLogFracBits), f.log2)
          << lpsim::fmt::lp_name(p) << " pattern " << c;
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000000u);
}

TEST(LpDecoder, WordLanesFollowMode) {
  const lpsim::hw::LpDecoder d4(LpParams{4, 1, 3, 0});
  std::array<lpsim::hw::LpDecoded, lpsim::hw::kMaxLanes> out;
  ASSERT_EQ(d4.decode_word(0x5C, out), 2);  // lane0 = 0xC (-0x4 -> -1), lane1 = 0x5 (2)
  EXPECT_TRUE(out[0].neg);
  EXPECT_EQ(out[0].log_q, 0);
  EXPECT_FALSE(out[1].neg);
  EXPECT_EQ(out[1].log_q, 1 << kLogFracBits);
  const lpsim::hw::LpDecoder d2(LpParams{2, 0, 1, 0});
  ASSERT_EQ(d2.decode_word(0b10'01'00'11, out), 4);
  EXPECT_TRUE(out[0].neg && !out[0].zero);   // 0b11 = -1
  EXPECT_TRUE(out[1].zero);                  // 0b00
  EXPECT_FALSE(out[2].neg || out[2].zero || out[2].nar);  // 0b01 = 1
  EXPECT_TRUE(out[3].nar);                   // 0b10
}

TEST(LpDecoder, RejectsNonModeWidths) {
  EXPECT_THROW(lpsim::hw::LpDecoder(LpParams{6, 1, 3, 0}), lpsim::fmt::FormatError);
  EXPECT_THROW(lpsim::hw::LpDecoder(LpParams{8, 5, 3, 0}), lpsim::fmt::FormatError);
}

// Compares hw encode(A, lsb) with LpFormat::encode(A * 2^lsb) for A exactly representable.
void expect_encode_matches(const lpsim::fmt::LpFormat& ref, const lpsim::hw::LpEncoder& enc,
                           i128 a, int lsb) {
  const double x = lpsim::hw::acc_to_double(a, lsb);
  ASSERT_EQ(static_cast<i128>(std::ldexp(x, -lsb)), a) << "test value not exact in double";
  ASSERT_EQ(enc.encode(a, lsb), ref.encode(x))
      << lpsim::fmt::lp_name(ref.params()) << " value " << x << " = "
      << lpsim::hw::to_string_i128(a) << "*2^" << lsb;
}

TEST(LpEncoder, MatchesSoftwareEncodeOnExactLinearValues) {
  std::mt19937_64 rng(42);
  std::size_t checked = 0;
  for (const LpParams& p : mode_formats({-64, -7, 0, 3, 64})) {
    const lpsim::fmt::LpFormat ref(p);
    const lpsim::hw::LpEncoder enc(p);
    const lpsim::hw::LpDecoder dec(p);
    const int lo = dec.decode(1).log_q >> kLogFracBits;
    const int hi = (dec.decode((1u << (p.n - 1)) - 1).log_q >> kLogFracBits) + 1;
    // Every power of two from below minpos to above maxpos (exact ties live here).
    for (int e = lo - 3; e <= hi + 3; ++e)
      for (int s : {1, -1}) {
        expect_encode_matches(ref, enc, s, e);
        expect_encode_matches(ref, enc, s * (static_cast<i128>(1) << 100), e - 100);
        checked += 2;
      }
    // Random dyadic values with up to 53 significant bits, on grids around the range.
    std::uniform_int_distribution<int> lsb_dist(lo - 60, hi - 1);
    std::uniform_int_distribution<int> bits_dist(1, 53);
    for (int i = 0; i < 2000; ++i) {
      const int bits = bits_dist(rng);
      auto a = static_cast<i128>(rng() >> (64 - bits));
      if (rng() & 1) a = -a;
      expect_encode_matches(ref, enc, a, lsb_dist(rng));
      ++checked;
    }
    // Zero and NaR.
    EXPECT_EQ(enc.encode(0, 0), 0u);
    EXPECT_EQ(enc.encode(lpsim::hw::kAccNaR, 0), 1u << (p.n - 1));
  }
  EXPECT_GT(checked, 100000u);
}

TEST(LpEncoder, SpecExamples) {
  const lpsim::hw::LpEncoder e(LpParams{8, 2, 3, 0});
  EXPECT_EQ(e.encode(3, 0), 0x4Du);            // 3.0 -> 2^1.625
  EXPECT_EQ(e.encode(1000000, 0), 0x7Fu);      // saturates to maxpos
  EXPECT_EQ(e.encode(1, -40), 0x01u);          // saturates to minpos, never zero
  EXPECT_EQ(e.encode(-1, -40), 0xFFu);
  const i128 w[2] = {2, -1};
  const lpsim::hw::LpEncoder e4(LpParams{4, 1, 3, 0});
  EXPECT_EQ(e4.encode_word(w, 0), 0xC5u);       // lane0 = 2 -> 0x5, lane1 = -1 -> 0xC
}

TEST(DoubleToAcc, IsExactForEveryClassOfDouble) {
  i128 a = 7;
  int lsb = 7;
  EXPECT_FALSE(lpsim::hw::double_to_acc(INFINITY, &a, &lsb));
  EXPECT_FALSE(lpsim::hw::double_to_acc(-INFINITY, &a, &lsb));
  EXPECT_FALSE(lpsim::hw::double_to_acc(std::nan(""), &a, &lsb));
  EXPECT_EQ(a, 7);
  ASSERT_TRUE(lpsim::hw::double_to_acc(-0.0, &a, &lsb));
  EXPECT_EQ(a, 0);
  ASSERT_TRUE(lpsim::hw::double_to_acc(0.75, &a, &lsb));
  EXPECT_EQ(a, static_cast<i128>(3) << 51);
  EXPECT_EQ(lsb, -53);
  ASSERT_TRUE(lpsim::hw::double_to_acc(-std::numeric_limits<double>::denorm_min(), &a, &lsb));
  EXPECT_EQ(a, -1);
  EXPECT_EQ(lsb, -1074);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    std::uint64_t bits = rng();
    double y;
    std::memcpy(&y, &bits, sizeof y);
    if (!std::isfinite(y)) continue;
    ASSERT_TRUE(lpsim::hw::double_to_acc(y, &a, &lsb));
    ASSERT_EQ(std::ldexp(static_cast<double>(a), lsb), y) << y;  // |a| < 2^53: exact
  }
}

// encode_double against the software encoder. Away from a rounding boundary (relative distance
// > 1e-12) the two must agree. Within it, they may differ (docs/lp-format.md, "Conformance"
// accepts either neighbour within 1e-9), and this test establishes which one is right: a 64-bit
// long double log2 decides the side of the boundary, and wherever it can decide, the hardware
// encoder's pattern is the exact one. fmt::LpFormat::encode decides the side of a midpoint
// exactly too (an exact comparison of |x| with 2^mid near a midpoint), so the two independent
// encoders agree on every probe (docs/datapath.md, "PPU output encoder").
TEST(LpEncoder, EncodeDoubleIsExactAndEqualsTheSoftwareEncoderAtBoundaries) {
  std::size_t near = 0, far = 0;
  std::mt19937_64 rng(11);
  for (const LpParams& p : mode_formats({-5, 0, 3})) {
    const lpsim::fmt::LpFormat ref(p);
    const lpsim::hw::LpEncoder enc(p);
    const auto maxpos = static_cast<std::uint32_t>(ref.maxpos());
    EXPECT_EQ(enc.encode_double(INFINITY), maxpos + 1);
    EXPECT_EQ(enc.encode_double(-std::nan("")), maxpos + 1);
    EXPECT_EQ(enc.encode_double(-0.0), 0u);
    for (std::uint32_t q = 1; q < maxpos; ++q) {
      const double mid = (ref.log2_of(q) + ref.log2_of(q + 1)) / 2;
      double x = std::exp2(mid);
      for (int i = 0; i < 16; ++i) x = std::nextafter(x, 0.0);
      for (int i = 0; i <= 32; ++i, x = std::nextafter(x, INFINITY)) {
        const long double side =
            std::log2l(static_cast<long double>(x)) - static_cast<long double>(mid);
        std::uint32_t want = side > 0 ? q + 1 : q;
        if (side == 0) {
          if (std::exp2(mid) != x) continue;  // undecided at 64 bits: either neighbour conforms
          want = (q & 1u) ? q + 1 : q;        // an exact power of two: tie to even
        }
        for (double s : {1.0, -1.0}) {
          const std::uint32_t w = s > 0 ? want : (~want + 1u) & ((1u << p.n) - 1u);
          const std::uint32_t hw = enc.encode_double(s * x);
          ASSERT_EQ(hw, w) << lpsim::fmt::lp_name(p) << " x=" << s * x << " mid=" << mid;
          ASSERT_EQ(ref.encode(s * x), hw) << lpsim::fmt::lp_name(p) << " x=" << s * x;
          ++near;
        }
      }
    }
    // Random doubles across the range: far from every boundary both encoders agree.
    std::uniform_real_distribution<double> lg(std::log2(ref.decode(1)) - 4,
                                              std::log2(ref.decode(maxpos)) + 4);
    for (int i = 0; i < 2000; ++i) {
      const double x = (rng() & 1 ? -1 : 1) * std::exp2(lg(rng));
      const std::uint32_t sw = ref.encode(x);
      const std::uint32_t q = sw & (1u << (p.n - 1)) ? (~sw + 1u) & ((1u << p.n) - 1u) : sw;
      bool boundary = false;
      for (std::uint32_t b : {q - 1, q})
        if (b >= 1 && b < maxpos)
          boundary |= std::fabs(std::log2(std::fabs(x)) -
                                (ref.log2_of(b) + ref.log2_of(b + 1)) / 2) < 2e-12;
      if (boundary) continue;
      ASSERT_EQ(enc.encode_double(x), sw) << lpsim::fmt::lp_name(p) << " x=" << x;
      ++far;
    }
  }
  EXPECT_GT(near, 100000u);
  EXPECT_GT(far, 300000u);
}

}  // namespace
