// LP<n, es, rs, sf> codec: bit-level decode and nearest-in-log2 encode (docs/lp-format.md).
#include "lp_format.hpp"

#include <algorithm>
#include <cmath>

namespace lpsim::fmt {

void LpParams::validate() const {
  auto bad = [](const std::string& what) { throw FormatError(what); };
  if (n < 2 || n > 16) bad("LP parameter n=" + std::to_string(n) + " is out of range 2..16");
  if (es < 0 || es > 4) bad("LP parameter es=" + std::to_string(es) + " is out of range 0..4");
  if (rs < 1 || rs > n - 1)
    bad("LP parameter rs=" + std::to_string(rs) + " is out of range 1..n-1 (n=" +
        std::to_string(n) + ")");
  if (sf < -64 || sf > 64) bad("LP parameter sf=" + std::to_string(sf) + " is out of range -64..64");
}

std::string lp_name(const LpParams& p) {
  return "lp<" + std::to_string(p.n) + "," + std::to_string(p.es) + "," + std::to_string(p.rs) +
         "," + std::to_string(p.sf) + ">";
}

LpFormat::LpFormat(LpParams p) : m_p(p) {
  m_p.validate();
  const Code half = nar();
  m_log2.assign(half, 0.0);
  for (Code q = 1; q < half; ++q) m_log2[q] = fields(q).log2;
  m_mid.assign(half, 0.0);
  for (Code q = 1; q + 1 < half; ++q) m_mid[q] = (m_log2[q] + m_log2[q + 1]) / 2;  // exact: dyadic
  m_value.assign(num_codes(), 0.0);
  for (Code c = 0; c < num_codes(); ++c) {
    const LpFields f = fields(c);
    m_value[c] = f.nar ? std::nan("") : f.zero ? 0.0 : (f.negative ? -1 : 1) * std::exp2(f.log2);
  }
}

std::string LpFormat::name() const { return lp_name(m_p); }

LpFields LpFormat::fields(Code c) const {
  const int n = m_p.n;
  LpFields f;
  c &= static_cast<Code>(num_codes() - 1);
  if (c == 0) {
    f.zero = true;
    return f;
  }
  if (c == nar()) {
    f.nar = true;
    return f;
  }
  f.negative = (c >> (n - 1)) & 1u;
  const Code q = f.negative ? static_cast<Code>(num_codes() - c) : c;
  int left = n - 1;  // bits after the sign still to read
  auto bit = [&](int i) { return (q >> (left - 1 - i)) & 1u; };
  // Regime: a run of r0, capped at rs; a terminator only when the cap was not reached.
  const unsigned r0 = bit(0);
  int m = 0;
  while (m < left && m < m_p.rs && bit(m) == r0) ++m;
  int used = m;
  if (m < m_p.rs && used < left) ++used;  // terminator
  f.k = r0 ? m - 1 : -m;
  left -= used;
  const Code rest = q & ((Code{1} << left) - 1);
  const int eb = std::min(m_p.es, left);
  f.e = static_cast<int>((rest >> (left - eb)) << (m_p.es - eb));
  f.frac_bits = left - eb;
  f.frac = static_cast<int>(rest & ((Code{1} << f.frac_bits) - 1));
  f.log2 = std::ldexp(1.0, m_p.es) * f.k + f.e + std::ldexp(f.frac, -f.frac_bits) - m_p.sf;
  return f;
}

double LpFormat::decode(Code c) const { return m_value[c & (num_codes() - 1)]; }

Code LpFormat::encode(double x) const {
  if (x == 0) return 0;
  if (!std::isfinite(x)) return nar();
  // Nearest pattern in the log2 domain (docs/lp-format.md, "Encoding", step 4). The midpoints already carry
  // -sf, so log2|x| is compared unshifted and no rounding is added by the shift.
  const double l = std::log2(std::fabs(x));
  const Code top = maxpos();
  // Find the first midpoint >= l among m_mid[1 .. top-1]; the pattern is that index.
  const double* first = m_mid.data() + 1;
  const double* last = m_mid.data() + top;
  const double* it = std::lower_bound(first, last, l);
  Code q = static_cast<Code>(it - m_mid.data());
  if (it != last && *it == l && (q & 1u)) ++q;  // an exact tie goes to the even pattern
  return std::signbit(x) ? negate(q) : q;
}

}  // namespace lpsim::fmt
