// The software LP encoder (sw/formats, fmt::LpFormat::encode) is exact at rounding boundaries:
// it equals the bit-level hardware encoder (hw/codec, LpEncoder::encode_double) on every double
// within 64 ulps of every midpoint of every MODE format (n = 2/4/8, all es/rs, three sf), and
// on wider formats (n = 12, 16, not hardware MODEs) it equals an exact decision made here with
// long double where that can decide. The two encoders share no code (sw never includes hw).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "hw/codec/lp_encoder.hpp"
#include "sw/formats/lp_format.hpp"

namespace {

using lpsim::fmt::LpParams;

TEST(LpSoftwareEncoder, EqualsTheHardwareEncoderWithin64UlpsOfEveryMidpoint) {
  std::size_t probes = 0, ties = 0;
  for (int n : {2, 4, 8})
    for (int es = 0; es <= 4; ++es)
      for (int rs = 1; rs <= n - 1; ++rs)
        for (int sf : {-5, 0, 3}) {
          const LpParams p{n, es, rs, sf};
          const lpsim::fmt::LpFormat sw(p);
          const lpsim::hw::LpEncoder hw(p);
          const auto maxpos = static_cast<std::uint32_t>(sw.maxpos());
          for (std::uint32_t q = 1; q < maxpos; ++q) {
            const double mid = (sw.log2_of(q) + sw.log2_of(q + 1)) / 2;
            double x = std::exp2(mid);
            ties += x == std::exp2(mid) && mid == std::floor(mid);
            for (int i = 0; i < 64; ++i) x = std::nextafter(x, 0.0);
            for (int i = 0; i <= 128; ++i, x = std::nextafter(x, INFINITY))
              for (double s : {1.0, -1.0}) {
                ASSERT_EQ(sw.encode(s * x), hw.encode_double(s * x))
                    << lpsim::fmt::lp_name(p) << " x=" << s * x << " mid=" << mid;
                ++probes;
              }
          }
        }
  EXPECT_GT(probes, 3000000u);
  EXPECT_GT(ties, 100u);  // integer midpoints (exact ties to the even pattern) are among them
}

// Wider formats: midpoints with up to 14 fraction bits. Where a 64-bit long double log2 can tell
// the side of the midpoint, the software encoder must be on that side; at an exact power of two
// the tie goes to the even pattern.
TEST(LpSoftwareEncoder, IsExactOnWideFormats) {
  std::size_t decided = 0;
  for (const LpParams& p : {LpParams{12, 1, 3, 0}, LpParams{16, 2, 3, 1}, LpParams{16, 0, 15, -7},
                            LpParams{16, 4, 2, 0}}) {
    const lpsim::fmt::LpFormat sw(p);
    const auto maxpos = static_cast<std::uint32_t>(sw.maxpos());
    const std::uint32_t step = maxpos > 4096 ? 7 : 1;
    for (std::uint32_t q = 1; q < maxpos; q += step) {
      const double mid = (sw.log2_of(q) + sw.log2_of(q + 1)) / 2;
      double x = std::exp2(mid);
      for (int i = 0; i < 4; ++i) x = std::nextafter(x, 0.0);
      for (int i = 0; i <= 8; ++i, x = std::nextafter(x, INFINITY)) {
        const long double side = std::log2l(static_cast<long double>(x)) - static_cast<long double>(mid);
        std::uint32_t want = side > 0 ? q + 1 : q;
        if (side == 0) {
          if (std::exp2(mid) != x || mid != std::floor(mid)) continue;  // undecided at 64 bits
          want = (q & 1u) ? q + 1 : q;
        }
        ASSERT_EQ(sw.encode(x), want) << lpsim::fmt::lp_name(p) << " x=" << x << " mid=" << mid;
        ++decided;
      }
    }
  }
  EXPECT_GT(decided, 20000u);
}

}  // namespace
