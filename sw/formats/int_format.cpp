// Symmetric INT n codec: exact round-half-even of x / scale, saturating, and scale fitting.
#include "int_format.hpp"

#include <charconv>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace lpsim::fmt {

void IntParams::validate() const {
  auto bad = [](const std::string& what) { throw FormatError(what); };
  if (n < 2 || n > 16) bad("INT parameter n=" + std::to_string(n) + " is out of range 2..16");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", scale);
  if (!std::isfinite(scale) || !(scale > 0))
    bad(std::string("INT parameter scale=") + buf + " must be finite and > 0");
  // decode(-2^(n-1)) must stay a finite double.
  if (!std::isfinite(std::ldexp(scale, n - 1)))
    bad(std::string("INT parameter scale=") + buf + " is too large (2^(n-1)*scale overflows)");
}

IntFormat::IntFormat(IntParams p) : m_p(p) {
  m_p.validate();
  // scale = m_unit * 2^m_shift with m_unit in [1, 2): comparisons are made on |x| / 2^m_shift,
  // which is exact wherever it matters (see encode()).
  m_shift = std::ilogb(m_p.scale);
  m_unit = std::ldexp(m_p.scale, -m_shift);
}

std::string IntFormat::name() const {
  // Parseable by parse_format; the scale in its shortest round-trip form, so the name of a
  // fitted format written beside a run reads back to the same format.
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, m_p.scale);
  return "int<" + std::to_string(m_p.n) + "," + std::string(buf, r.ptr) + ">";
}

double IntFormat::decode(Code c) const {
  // Two's complement of an n-bit field; a multiply is cheaper than a 2^16-entry table.
  const int n = m_p.n;
  c &= static_cast<Code>(num_codes() - 1);
  const long k =
      static_cast<long>(c) - (((c >> (n - 1)) & 1u) ? static_cast<long>(num_codes()) : 0);
  return static_cast<double>(k) * m_p.scale;
}

Code IntFormat::encode(double x) const {
  if (std::isnan(x)) return 0;
  const long top = (1L << (m_p.n - 1)) - 1;
  // y = |x| / 2^shift is exact when y >= 2^-1022 (a power-of-two scaling inside the normal
  // range); below that y < 0.5 <= m_unit / 2 and the answer 0 is unaffected. Overflow to inf
  // only happens far above the saturation point.
  const double y = std::ldexp(std::fabs(x), -m_shift);
  const double q = y / m_unit;  // estimate, within an ulp of the true quotient
  long k = q < static_cast<double>(top) ? std::lround(q) : top;
  // Midpoints (k +- 1/2) * scale are generally not doubles (up to 70 significant bits), so
  // compare exactly: fma rounds y - (k + 1/2) * m_unit once, which keeps its sign and whether
  // it is zero (the exact difference is a multiple of 2^-1074, so it never underflows to 0).
  auto above = [&](long j) { return std::fma(-(static_cast<double>(j) + 0.5), m_unit, y); };
  while (k < top && above(k) > 0) ++k;
  while (k > 0 && above(k - 1) < 0) --k;
  if (k < top && above(k) == 0 && (k & 1)) ++k;    // tie with k+1: to even
  if (k > 0 && above(k - 1) == 0 && (k & 1)) --k;  // tie with k-1: to even
  const Code c = static_cast<Code>(k);
  return std::signbit(x) ? negate(c) : c;
}

double IntFormat::fit_scale(int n, const float* x, std::size_t count) {
  IntParams{n, 1.0}.validate();
  const double m = max_abs_finite(x, count);
  if (m == 0) return 1.0;
  return m / static_cast<double>((1L << (n - 1)) - 1);
}

std::vector<double> IntFormat::fit_channel_scales(int n, const float* x, std::size_t count,
                                                  std::size_t channels) {
  if (channels == 0 || count % channels != 0)
    throw FormatError("INT channel count channels=" + std::to_string(channels) +
                      " does not divide the tensor size " + std::to_string(count));
  const std::size_t per = count / channels;
  std::vector<double> scales(channels);
  for (std::size_t ch = 0; ch < channels; ++ch) scales[ch] = fit_scale(n, x + ch * per, per);
  return scales;
}

}  // namespace lpsim::fmt
