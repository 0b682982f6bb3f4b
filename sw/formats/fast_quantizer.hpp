// Table-driven float quantizer that reproduces a format's exact encoder on every float input.
#pragma once

#include <cstdint>
#include <vector>

#include "number_format.hpp"

namespace lpsim::fmt {

// The positive floats are split into 2^16 buckets by their top 16 bits below the sign
// (8 exponent bits + 8 mantissa bits, a relative width of at most 2^-8). For each bucket the
// table holds the code of its smallest float, and, when the format's rounding threshold falls
// inside the bucket, the first float bit pattern at or above the threshold and the code from
// there on. The thresholds are found by bisection on the format's own encode(), so the table
// returns exactly encode(x) for every float x (ties and saturation included). A bucket with
// more than one threshold (the denormal range of wide formats) is marked slow and calls
// encode(). The sign is applied afterwards through the format's negate().
class FastQuantizer {
 public:
  explicit FastQuantizer(const NumberFormat& format);

  Code encode(float x) const;
  float value(Code c) const { return m_values[c]; }
  void quantize(const float* in, std::uint16_t* codes, float* out, std::size_t n) const;
  void dequantize(const std::uint16_t* codes, float* out, std::size_t n) const;
  // How many buckets need the slow path (for tests and docs).
  std::size_t slow_buckets() const;

 private:
  struct Bucket {
    std::uint32_t threshold;  // first |x| bit pattern that takes `hi`; 0xffffffff: none
    std::uint16_t lo;         // code of |x| below the threshold; kSlow: call encode()
    std::uint16_t hi;         // code of |x| at or above the threshold
  };
  // 0xffff is never the code of a non-negative magnitude in any format (its sign bit is set
  // and it is not a NaN/NaR pattern of a <= 16-bit format), so it can mark slow buckets.
  static constexpr std::uint16_t kSlow = 0xffff;

  const NumberFormat& m_format;
  std::vector<Bucket> m_buckets;
  std::vector<float> m_values;
  std::vector<std::uint16_t> m_negate;
};

}  // namespace lpsim::fmt
