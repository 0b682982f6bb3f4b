// OCP OFP8 codec (OCP 8-bit Floating Point Specification 1.0, 2023): E4M3 and E5M2.
#include "fp8_format.hpp"

#include <algorithm>
#include <cmath>

namespace lpsim::fmt {
namespace {

struct Layout {
  int exp_bits, man_bits, bias;
  Code max_code;  // largest finite magnitude: E4M3 0x7e (448), E5M2 0x7b (57344)
};

Layout layout(Fp8Kind k) {
  return k == Fp8Kind::E4M3 ? Layout{4, 3, 7, 0x7e} : Layout{5, 2, 15, 0x7b};
}

constexpr Code kNan = 0x7f;      // canonical NaN magnitude of both kinds (spec table 1)
constexpr Code kE5M2Inf = 0x7c;  // S.11111.00

}  // namespace

Fp8Format::Fp8Format(Fp8Kind kind) : m_kind(kind) {
  const Layout l = layout(kind);
  for (Code c = 0; c < 0x80; ++c) {
    const int E = static_cast<int>(c >> l.man_bits);
    const int M = static_cast<int>(c & ((1u << l.man_bits) - 1));
    double v;
    if (is_nan_code(c))
      v = std::nan("");
    else if (kind == Fp8Kind::E5M2 && c == kE5M2Inf)
      v = HUGE_VAL;
    else if (E == 0)  // subnormal (spec section 4.1): 2^(1-bias) * M / 2^m
      v = std::ldexp(M, 1 - l.bias - l.man_bits);
    else
      v = std::ldexp((1 << l.man_bits) + M, E - l.bias - l.man_bits);
    m_value[c] = v;
    m_value[c | 0x80u] = -v;  // sign-magnitude; 0x80 is -0.0
  }
  // Midpoints between neighbouring finite magnitudes have at most m + 2 significant bits.
  for (Code c = 0; c < l.max_code; ++c) m_mid[c] = (m_value[c] + m_value[c + 1]) / 2;
}

std::string Fp8Format::name() const {
  return m_kind == Fp8Kind::E4M3 ? "fp8_e4m3" : "fp8_e5m2";
}

bool Fp8Format::is_nan_code(Code c) const {
  const Code mag = c & 0x7fu;
  return m_kind == Fp8Kind::E4M3 ? mag == 0x7f : mag > kE5M2Inf;
}

double Fp8Format::decode(Code c) const {
  return m_value[c & 0xffu];
}

Code Fp8Format::encode(double x) const {
  const Code sign = std::signbit(x) ? 0x80u : 0u;
  if (std::isnan(x)) return sign | kNan;
  if (std::isinf(x)) return sign | (m_kind == Fp8Kind::E5M2 ? kE5M2Inf : kNan);
  // Round to nearest even among the finite magnitudes; past the last midpoint saturates to
  // the largest finite value (the spec's saturating conversion mode).
  const double a = std::fabs(x);
  const Code top = layout(m_kind).max_code;
  const double* it = std::lower_bound(m_mid, m_mid + top, a);
  Code c = static_cast<Code>(it - m_mid);
  if (c < top && *it == a && (c & 1u)) ++c;  // a tie goes to the even mantissa
  return sign | c;
}

}  // namespace lpsim::fmt
