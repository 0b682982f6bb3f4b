// The host quantization (table quantizers cached per format name) equals the exact encoder.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "sw/driver/quantize.hpp"
#include "sw/formats/format_parse.hpp"

namespace lpsim::driver {
namespace {

// Floats of every exponent (random bit patterns), the format's decoded values, the midpoints
// between neighbours and their float neighbours, zeros, infinities and NaNs.
std::vector<float> probe_values(const fmt::NumberFormat& f, std::size_t random_count) {
  std::mt19937 rng(11);
  std::vector<float> v;
  for (std::size_t i = 0; i < random_count; ++i) {
    const std::uint32_t bits = static_cast<std::uint32_t>(rng());
    float x;
    std::memcpy(&x, &bits, sizeof x);
    v.push_back(x);
  }
  std::vector<double> vals;
  for (fmt::Code c = 0; c < f.num_codes(); ++c)
    if (!f.is_nan_code(c)) vals.push_back(f.decode(c));
  std::sort(vals.begin(), vals.end());
  for (std::size_t i = 0; i < vals.size(); ++i) {
    const auto x = static_cast<float>(vals[i]);
    v.insert(v.end(), {x, std::nextafter(x, 1e30f), std::nextafter(x, -1e30f)});
    if (i + 1 < vals.size()) {
      const auto m = static_cast<float>((vals[i] + vals[i + 1]) / 2);
      v.insert(v.end(), {m, std::nextafter(m, 1e30f), std::nextafter(m, -1e30f)});
    }
  }
  v.insert(v.end(),
           {0.0f, -0.0f, std::numeric_limits<float>::infinity(),
            -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()});
  return v;
}

void expect_exact(const std::string& text, std::size_t random_count) {
  const fmt::FormatPtr f = fmt::parse_format(text);
  const std::vector<float> in = probe_values(*f, random_count);
  std::vector<std::uint32_t> got(in.size());
  encode_floats(f, in.data(), got.data(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i)
    ASSERT_EQ(got[i], f->encode(in[i])) << text << " at " << in[i];
  // A second object of the same name uses the cached table: same codes.
  const fmt::FormatPtr again = fmt::parse_format(text);
  std::vector<std::uint32_t> got2(in.size());
  encode_floats(again, in.data(), got2.data(), in.size());
  EXPECT_EQ(got2, got);
}

TEST(HostQuantize, TableQuantizerEqualsEncoderForLargeTensors) {
  expect_exact("lp<8,2,3,0>", 200000);
  expect_exact("lp<8,1,4,-3>", 100000);
  expect_exact("lp<4,1,2,0>", 70000);
  expect_exact("int<8,0.0625>", 70000);
}

TEST(HostQuantize, SmallTensorsUseTheEncoder) {
  expect_exact("lp<6,1,3,1>", 1000);
  expect_exact("int<4,0.5>", 1000);
}

}  // namespace
}  // namespace lpsim::driver
