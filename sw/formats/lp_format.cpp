// LP<n, es, rs, sf> codec: bit-level decode and nearest-in-log2 encode (docs/lp-format.md).
#include "lp_format.hpp"

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <cmath>
#include <cstdint>

namespace lpsim::fmt {

namespace {

using boost::multiprecision::cpp_int;

// Sign of |x| - 2^mid, decided exactly (mid is dyadic: at most 16 fraction bits).
// |x| = C 2^(E-52) with C a 53-bit integer; against 2^mid = 2^(I + a/2^d) (0 < a < 2^d) the
// exponents decide unless E == I, and then C/2^52 vs 2^(a/2^d) is (C/2^52)^(2^d) vs 2^a: d
// squarings of a 256-bit-fraction interval [lo, hi] (rounded outwards), and in the (never
// seen) case that 2^a is inside the interval, the exact integers C^(2^d) and 2^(a + 52 2^d).
int cmp_pow2(double ax, double mid) {
  const double fl = std::floor(mid);
  const int I = static_cast<int>(fl);
  if (mid == fl) {
    const double t = std::ldexp(1.0, I);  // a normal double for every LP format
    return ax < t ? -1 : ax > t ? 1 : 0;
  }
  int ex = 0;
  const double m = std::frexp(ax, &ex);  // ax = m 2^ex, m in [0.5, 1)
  const int E = ex - 1;
  if (E != I) return E < I ? -1 : 1;
  const auto C = static_cast<std::uint64_t>(std::ldexp(m, 53));  // exact, in [2^52, 2^53)
  int d = 0;
  double f = mid - fl;  // exact
  while (f != std::floor(f)) {
    f *= 2;
    ++d;
  }
  const auto a = static_cast<unsigned>(f);
  constexpr unsigned P = 256;
  cpp_int lo = cpp_int(C) << (P - 52), hi = lo;
  for (int i = 0; i < d; ++i) {
    lo = (lo * lo) >> P;
    const cpp_int sq = hi * hi;
    hi = (sq >> P) + ((sq & ((cpp_int(1) << P) - 1)) != 0 ? 1 : 0);
  }
  const cpp_int target = cpp_int(1) << (a + P);
  if (hi < target) return -1;
  if (lo > target) return 1;
  const cpp_int lhs = boost::multiprecision::pow(cpp_int(C), 1u << d);
  const cpp_int rhs = cpp_int(1) << (a + 52u * (1u << d));
  return lhs < rhs ? -1 : lhs > rhs ? 1 : 0;
}

}  // namespace

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
  // Nearest pattern in the log2 domain (docs/lp-format.md, "Encoding", step 4). The midpoints
  // already carry -sf, so log2|x| is compared unshifted and no rounding is added by the shift.
  const double ax = std::fabs(x);
  const double l = std::log2(ax);
  const Code top = maxpos();
  // Find the first midpoint >= l among m_mid[1 .. top-1]; the pattern is that index.
  const double* first = m_mid.data() + 1;
  const double* last = m_mid.data() + top;
  const double* it = std::lower_bound(first, last, l);
  Code q = static_cast<Code>(it - m_mid.data());
  // log2 is within a few ulps (< 1e-12 here) of the true log2|x|, and midpoints are at least
  // 2^-17 apart: only a midpoint that close to l can be on the other side, and at most one is.
  // Its side (or an exact tie, which only a power of two can make) is decided exactly.
  constexpr double kNear = 1e-9;
  if (q > 1 && l - m_mid[q - 1] < kNear) {
    const int s = cmp_pow2(ax, m_mid[q - 1]);  // l says above midpoint q-1
    if (s < 0 || (s == 0 && !((q - 1) & 1u))) --q;  // below, or a tie to the even pattern q-1
  } else if (it != last && *it - l < kNear) {
    const int s = cmp_pow2(ax, *it);  // l says at or below midpoint q
    if (s > 0 || (s == 0 && (q & 1u))) ++q;  // above, or a tie to the even pattern q+1
  }
  return std::signbit(x) ? negate(q) : q;
}

}  // namespace lpsim::fmt
