// posit<n, es> codec: table decode and Posit Standard 2022 rounding generalised to any es.
#include "posit_format.hpp"

#include <algorithm>
#include <cmath>

namespace lpsim::fmt {
namespace {

// Value of the positive pattern q (1 <= q < 2^(w-1)) of posit<w, es> (Posit Standard 2022,
// section 3.2): regime run, es exponent bits (missing bits are 0), then the fraction.
double positive_value(int w, int es, Code q) {
  int left = w - 1;  // bits after the sign still to read
  auto bit = [&](int i) { return (q >> (left - 1 - i)) & 1u; };
  const unsigned r0 = bit(0);
  int m = 0;
  while (m < left && bit(m) == r0) ++m;
  const int k = r0 ? m - 1 : -m;
  left -= std::min(m + 1, left);  // the run and its terminator, when there is room for one
  const Code rest = q & ((Code{1} << left) - 1);
  const int eb = std::min(es, left);
  const int e = static_cast<int>((rest >> (left - eb)) << (es - eb));
  const int fb = left - eb;
  const Code frac = rest & ((Code{1} << fb) - 1);
  return std::ldexp(1.0 + std::ldexp(static_cast<double>(frac), -fb), k * (1 << es) + e);
}

}  // namespace

void PositParams::validate() const {
  auto bad = [](const std::string& what) { throw FormatError(what); };
  if (n < 2 || n > 16) bad("posit parameter n=" + std::to_string(n) + " is out of range 2..16");
  if (es < 0 || es > 4) bad("posit parameter es=" + std::to_string(es) + " is out of range 0..4");
}

PositFormat::PositFormat(PositParams p) : m_p(p) {
  m_p.validate();
  const Code half = nar();
  m_value.assign(num_codes(), 0.0);
  for (Code q = 1; q < half; ++q) {
    m_value[q] = positive_value(m_p.n, m_p.es, q);
    m_value[negate(q)] = -m_value[q];
  }
  m_value[half] = std::nan("");
  // Rounding the infinite bit string of |x| to n bits with RNE rounds up exactly when the
  // string is above p's bits followed by a single 1, and that string is pattern 2p+1 of
  // posit<n+1, es>. So the thresholds are exact doubles and rounding is one table search.
  m_mid.assign(half - 1, 0.0);  // index 0 unused
  for (Code q = 1; q + 1 < half; ++q) m_mid[q] = positive_value(m_p.n + 1, m_p.es, 2 * q + 1);
}

std::string PositFormat::name() const {
  return "posit<" + std::to_string(m_p.n) + "," + std::to_string(m_p.es) + ">";
}

double PositFormat::decode(Code c) const {
  return m_value[c & (num_codes() - 1)];
}

Code PositFormat::encode(double x) const {
  if (x == 0) return 0;
  if (!std::isfinite(x)) return nar();
  // Among m_mid[1 .. maxpos-1], the first threshold >= |x| is the pattern. Below the first
  // threshold is minpos and above the last is maxpos: the standard never rounds a nonzero
  // real to 0 or a finite one to NaR.
  const double a = std::fabs(x);
  return round_on_midpoints(m_mid.data(), m_mid.data() + 1, m_mid.data() + m_mid.size(), a,
                            std::signbit(x));
}

}  // namespace lpsim::fmt
