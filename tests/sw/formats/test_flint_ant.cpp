// flint<n> (lpsim's definition of ANT's float-int) and the `ant:N` per-tensor type choice.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "sw/formats/flint_format.hpp"
#include "sw/formats/format_parse.hpp"
#include "sw/formats/int_format.hpp"

namespace {

using namespace lpsim::fmt;

TEST(Flint, ValueTablesOfFourAndEightBits) {
  const double want4[8] = {0, 1, 2, 3, 4, 6, 8, 16};
  for (Code q = 0; q < 8; ++q) EXPECT_EQ(FlintFormat::magnitude(4, q), want4[q]) << q;
  EXPECT_EQ(FlintFormat::magnitude(8, 63), 63);
  EXPECT_EQ(FlintFormat::magnitude(8, 64), 64);
  EXPECT_EQ(FlintFormat::magnitude(8, 65), 66);
  EXPECT_EQ(FlintFormat::magnitude(8, 0x60), 128);  // 110 0000: r = 2, 4 mantissa bits
  EXPECT_EQ(FlintFormat::magnitude(8, 0x61), 136);
  EXPECT_EQ(FlintFormat::magnitude(8, 126), 2048);
  EXPECT_EQ(FlintFormat::magnitude(8, 127), 4096);
  for (int n = 3; n <= 8; ++n)
    for (Code q = 1; q < (Code{1} << (n - 1)); ++q)
      EXPECT_LT(FlintFormat::magnitude(n, q - 1), FlintFormat::magnitude(n, q)) << n << " " << q;
}

TEST(Flint, CodecIsSignMagnitudeNearestAndSaturating) {
  const FlintFormat f(FlintParams{4, 0.5});
  EXPECT_EQ(f.decode(0x5), 3.0);   // 6 * 0.5
  EXPECT_EQ(f.decode(0xD), -3.0);  // sign | 5
  EXPECT_EQ(f.encode(3.0), 0x5u);
  EXPECT_EQ(f.encode(-3.0), 0xDu);
  EXPECT_EQ(f.encode(5.0), 0x6u);    // between 4 (code 6) and 8 (code 7): nearest 4
  EXPECT_EQ(f.encode(100.0), 0x7u);  // saturates at 16 * 0.5
  EXPECT_EQ(f.encode(2.5), 0x4u);    // tie between 2 (code 4) and 3 (code 5): even code
  EXPECT_EQ(f.encode(-0.0), 0x8u);
  EXPECT_EQ(f.name(), "flint<4,0.5>");
  EXPECT_EQ(parse_format(f.name())->name(), f.name());
  // Every decoded value encodes back to its code (except -0).
  const FlintFormat g(FlintParams{8, 0.125});
  for (Code c = 0; c < 256; ++c)
    if (c != 0x80) {
      EXPECT_EQ(g.encode(g.decode(c)), c) << c;
    }
}

TEST(Flint, ParseFormsAndBadTexts) {
  EXPECT_EQ(parse_format("flint8")->name(), "flint<8,1>");
  EXPECT_EQ(parse_format("flint:4,0.25")->name(), "flint<4,0.25>");
  const float x[3] = {0.5f, -2048.0f, 7.0f};
  EXPECT_EQ(parse_format("flint:8", x, 3)->name(), "flint<8,0.5>");  // max|x| / 4096
  EXPECT_THROW(parse_format("flint:9"), FormatError);
  EXPECT_THROW(parse_format("flint:8,0"), FormatError);
  EXPECT_THROW(parse_format("flint:8,1,2"), FormatError);
  EXPECT_THROW(parse_format("flint4:2"), FormatError);
  EXPECT_THROW(parse_format("ant:6"), FormatError);
  EXPECT_THROW(parse_format("ant:8,1"), FormatError);
  EXPECT_THROW(parse_format("ant9"), FormatError);
  EXPECT_THROW(parse_format("antx"), FormatError);
}

TEST(Ant, PicksTheTypeWithTheLowerErrorWithPowerOfTwoScales) {
  // Uniform values: int wins. Small values and one outlier at flint's top (4096 units): flint
  // keeps the small ones at 1/16 where int's scale (256/127 -> 4) zeroes them.
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> flat(1000), tail(1000);
  for (auto& v : flat) v = u(rng);
  for (auto& v : tail) v = 0.5f * u(rng);
  tail[17] = 256.0f;
  const FormatPtr a = parse_format("ant:8", flat.data(), flat.size());
  const FormatPtr b = parse_format("ant8", tail.data(), tail.size());
  const auto* ai = dynamic_cast<const IntFormat*>(a.get());
  ASSERT_NE(ai, nullptr) << a->name();
  EXPECT_EQ(std::log2(ai->params().scale), std::round(std::log2(ai->params().scale)));
  EXPECT_LE(ai->params().scale, 1.0 / 64);
  const auto* bf = dynamic_cast<const FlintFormat*>(b.get());
  ASSERT_NE(bf, nullptr) << b->name();
  EXPECT_EQ(bf->params().scale, 1.0 / 16);
  // Without calibration data: int<N,1>.
  EXPECT_EQ(parse_format("ant:4")->name(), "int<4,1>");
}

}  // namespace
