// The hardware LP decoder/encoder against fmt::LpFormat, exhaustively for every MODE format.
#include <gtest/gtest.h>

#include <cmath>
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

}  // namespace
