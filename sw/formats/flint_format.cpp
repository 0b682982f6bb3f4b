// flint<n> codec: value table, nearest-in-value encode, per-tensor scale fit.
#include "flint_format.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace lpsim::fmt {

void FlintParams::validate() const {
  auto bad = [](const std::string& what) { throw FormatError(what); };
  if (n < 3 || n > 8) bad("flint parameter n=" + std::to_string(n) + " is out of range 3..8");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", scale);
  if (!std::isfinite(scale) || !(scale > 0))
    bad(std::string("flint parameter scale=") + buf + " must be finite and > 0");
  if (!std::isfinite(scale * FlintFormat::magnitude(n, (Code{1} << (n - 1)) - 1)))
    bad(std::string("flint parameter scale=") + buf + " is too large");
}

double FlintFormat::magnitude(int n, Code q) {
  const int b = n - 1;
  if (q < (Code{1} << (b - 1))) return static_cast<double>(q);
  int r = 0;
  while (r < b && ((q >> (b - 1 - r)) & 1u)) ++r;
  const int mb = std::max(0, b - r - 1);
  const Code m = q & ((Code{1} << mb) - 1);
  return std::ldexp(static_cast<double>((Code{1} << mb) + m), b - 2 + r - mb);
}

FlintFormat::FlintFormat(FlintParams p) : m_p(p) {
  m_p.validate();
  const Code half = Code{1} << (m_p.n - 1);
  m_value.assign(num_codes(), 0.0);
  for (Code q = 0; q < half; ++q) {
    m_value[q] = magnitude(m_p.n, q) * m_p.scale;
    m_value[q | half] = -m_value[q];  // sign|0 is -0.0
  }
  m_mid.assign(half - 1, 0.0);
  for (Code q = 0; q + 1 < half; ++q) m_mid[q] = (m_value[q] + m_value[q + 1]) / 2;
}

std::string FlintFormat::name() const {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, m_p.scale);
  return "flint<" + std::to_string(m_p.n) + "," + std::string(buf, r.ptr) + ">";
}

double FlintFormat::decode(Code c) const {
  return m_value[c & (num_codes() - 1)];
}

Code FlintFormat::encode(double x) const {
  const double a = std::isnan(x) ? 0.0 : std::fabs(x);
  return round_on_midpoints(m_mid.data(), m_mid.data(), m_mid.data() + m_mid.size(), a,
                            std::signbit(x));
}

double FlintFormat::fit_scale(int n, const float* x, std::size_t count) {
  if (n < 3 || n > 8)
    throw FormatError("flint parameter n=" + std::to_string(n) + " is out of range 3..8");
  const double m = max_abs_finite(x, count);
  return m > 0 ? m / magnitude(n, (Code{1} << (n - 1)) - 1) : 1.0;
}

}  // namespace lpsim::fmt
