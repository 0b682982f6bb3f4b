// Table-driven float quantizer (see fast_quantizer.hpp for the method).
#include "fast_quantizer.hpp"

#include <cstring>

namespace lpsim::fmt {
namespace {

float from_bits(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

std::uint32_t to_bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

}  // namespace

FastQuantizer::FastQuantizer(const NumberFormat& format) : m_format(format) {
  const std::size_t codes = format.num_codes();
  m_values.resize(codes);
  m_negate.resize(codes);
  for (Code c = 0; c < codes; ++c) {
    m_values[c] = static_cast<float>(format.decode(c));
    m_negate[c] = static_cast<std::uint16_t>(format.negate(c));
  }

  auto enc = [&](std::uint32_t bits) { return format.encode(static_cast<double>(from_bits(bits))); };
  constexpr std::uint32_t kBuckets = 1u << 16;
  m_buckets.resize(kBuckets);
  for (std::uint32_t b = 0; b < kBuckets; ++b) {
    const std::uint32_t first = b << 15;
    const std::uint32_t last = first | 0x7fffu;
    Bucket& bk = m_buckets[b];
    const Code lo = enc(first);
    const Code end = enc(last);
    bk.lo = static_cast<std::uint16_t>(lo);
    bk.hi = static_cast<std::uint16_t>(lo);
    bk.threshold = 0xffffffffu;
    if (end == lo) continue;
    // encode() is monotone in |x|, so the first pattern whose code differs from `lo` is found
    // by bisection; the bucket is simple when the code is constant from there to its end.
    std::uint32_t a = first, z = last;  // enc(a) == lo, enc(z) != lo
    while (z - a > 1) {
      const std::uint32_t m = a + (z - a) / 2;
      (enc(m) == lo ? a : z) = m;
    }
    const Code hi = enc(z);
    if (hi == end) {
      bk.threshold = z;
      bk.hi = static_cast<std::uint16_t>(hi);
    } else {
      bk.lo = kSlow;
    }
  }
}

Code FastQuantizer::encode(float x) const {
  const std::uint32_t bits = to_bits(x);
  const std::uint32_t mag = bits & 0x7fffffffu;
  const Bucket& bk = m_buckets[mag >> 15];
  if (bk.lo == kSlow) return m_format.encode(static_cast<double>(x));
  const std::uint16_t c = mag >= bk.threshold ? bk.hi : bk.lo;
  return (bits >> 31) ? m_negate[c] : c;
}

void FastQuantizer::quantize(const float* in, std::uint16_t* codes, float* out,
                             std::size_t n) const {
  for (std::size_t i = 0; i < n; ++i) {
    const Code c = encode(in[i]);
    if (codes) codes[i] = static_cast<std::uint16_t>(c);
    if (out) out[i] = m_values[c];
  }
}

void FastQuantizer::dequantize(const std::uint16_t* codes, float* out, std::size_t n) const {
  const std::size_t mask = m_values.size() - 1;
  for (std::size_t i = 0; i < n; ++i) out[i] = m_values[codes[i] & mask];
}

std::size_t FastQuantizer::slow_buckets() const {
  std::size_t n = 0;
  for (const Bucket& b : m_buckets) n += b.lo == kSlow;
  return n;
}

}  // namespace lpsim::fmt
