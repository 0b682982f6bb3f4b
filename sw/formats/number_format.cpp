// Shared parts of NumberFormat: the lazily built fast array paths.
#include "number_format.hpp"

#include "fast_quantizer.hpp"

namespace lpsim::fmt {

NumberFormat::~NumberFormat() = default;

const FastQuantizer& NumberFormat::fast() const {
  std::call_once(m_fast_once, [this] { m_fast = std::make_shared<FastQuantizer>(*this); });
  return *m_fast;
}

void NumberFormat::quantize(const float* in, std::uint16_t* codes, float* out,
                            std::size_t n) const {
  fast().quantize(in, codes, out, n);
}

void NumberFormat::dequantize(const std::uint16_t* codes, float* out, std::size_t n) const {
  fast().dequantize(codes, out, n);
}

}  // namespace lpsim::fmt
