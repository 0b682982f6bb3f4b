// Shared parts of NumberFormat: the lazily built fast array paths.
#include "number_format.hpp"

#include "fast_quantizer.hpp"

#include <algorithm>
#include <cmath>

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

Code NumberFormat::round_on_midpoints(const double* base, const double* first, const double* last,
                                      double a, bool negative) const {
  const double* it = std::lower_bound(first, last, a);
  Code c = static_cast<Code>(it - base);
  if (it != last && *it == a && (c & 1u)) ++c;  // a tie goes to the even code
  return negative ? negate(c) : c;
}

double max_abs_finite(const float* x, std::size_t count) {
  double m = 0;
  for (std::size_t i = 0; i < count; ++i)
    if (std::isfinite(x[i])) m = std::max(m, std::fabs(static_cast<double>(x[i])));
  return m;
}

}  // namespace lpsim::fmt
