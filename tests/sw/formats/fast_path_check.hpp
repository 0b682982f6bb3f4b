// Shared check for the format tests: the fast float path equals the exact encoder.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "sw/formats/fast_quantizer.hpp"
#include "sw/formats/number_format.hpp"

namespace lpsim::fmt::testing {

// Quantizes, through quantize() and FastQuantizer::encode(), the floats next to every rounding
// threshold in `thresholds` (positive magnitudes, from the test's own reference), next to
// every representable value, seeded random bit patterns, log-uniform values over
// [lo, hi], and the special floats; each code and value must equal encode()/decode().
inline void expect_fast_path_matches_encode(const NumberFormat& f,
                                            const std::vector<double>& thresholds, double lo,
                                            double hi, unsigned seed) {
  std::vector<float> probes;
  auto near = [&](double t) {
    const float x = static_cast<float>(t);
    if (!std::isfinite(x)) return;
    float up = x, down = x;
    for (int i = 0; i < 3; ++i) {
      probes.push_back(up);
      probes.push_back(-up);
      probes.push_back(down);
      probes.push_back(-down);
      up = std::nextafter(up, INFINITY);
      down = std::nextafter(down, 0.0f);
    }
  };
  for (double t : thresholds) near(t);
  for (Code c = 0; c < f.num_codes(); ++c)
    if (!f.is_nan_code(c)) near(std::fabs(f.decode(c)));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::uint32_t> bits;
  for (int i = 0; i < 3000; ++i) {
    const std::uint32_t b = bits(rng);
    float x;
    std::memcpy(&x, &b, sizeof x);
    probes.push_back(x);
  }
  std::uniform_real_distribution<double> expo(std::log2(lo), std::log2(hi));
  for (int i = 0; i < 3000; ++i)
    probes.push_back(static_cast<float>((rng() & 1 ? -1 : 1) * std::exp2(expo(rng))));
  for (float x :
       {0.0f, -0.0f, INFINITY, -INFINITY, NAN, std::copysign(NAN, -1.0f), 1e-45f, -1e-45f,
        1.17549435e-38f, std::numeric_limits<float>::max(), -std::numeric_limits<float>::max()})
    probes.push_back(x);

  std::vector<std::uint16_t> codes(probes.size());
  std::vector<float> out(probes.size());
  f.quantize(probes.data(), codes.data(), out.data(), probes.size());
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const Code want = f.encode(static_cast<double>(probes[i]));
    ASSERT_EQ(codes[i], want) << f.name() << " x=" << probes[i];
    ASSERT_EQ(f.fast().encode(probes[i]), want) << f.name() << " x=" << probes[i];
    if (f.is_nan_code(want)) {
      ASSERT_TRUE(std::isnan(out[i])) << f.name() << " x=" << probes[i];
    } else {
      const float v = static_cast<float>(f.decode(want));
      ASSERT_EQ(out[i], v) << f.name() << " x=" << probes[i];
      ASSERT_EQ(std::signbit(out[i]), std::signbit(v)) << f.name() << " x=" << probes[i];
    }
  }
}

}  // namespace lpsim::fmt::testing
