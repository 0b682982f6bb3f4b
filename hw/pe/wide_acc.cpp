// The wide exact accumulator word: limbs, conversion to double, OB bytes (see wide_acc.hpp).
#include "hw/pe/wide_acc.hpp"

#include <cmath>
#include <limits>

namespace lpsim::hw {

namespace bmp = boost::multiprecision;

int wide_limbs_of(const WideAcc& v) {
  if (v == 0) return 1;
  const int top = static_cast<int>(bmp::msb(bmp::abs(v)));
  return top / kLimbBits + 1;
}

WideAcc wide_from_limbs(const std::vector<const i128*>& limbs, std::size_t i) {
  if (limbs[0][i] == kAccNaR) return wide_nar();
  WideAcc r = 0;
  for (std::size_t s = limbs.size(); s-- > 0;) {
    const i128 l = limbs[s][i];
    const u128 m = l < 0 ? static_cast<u128>(0) - static_cast<u128>(l) : static_cast<u128>(l);
    WideAcc w = (WideAcc(static_cast<std::uint64_t>(m >> 64)) << 64) | WideAcc(static_cast<std::uint64_t>(m));
    if (l < 0) w = -w;
    r += w << (static_cast<int>(s) * kLimbBits);
  }
  return r;
}

i128 wide_low128(const WideAcc& v) {
  if (is_wide_nar(v)) return kAccNaR;
  const WideAcc mag = bmp::abs(v);
  const auto lo = static_cast<std::uint64_t>(mag & WideAcc(~std::uint64_t{0}));
  const auto hi = static_cast<std::uint64_t>((mag >> 64) & WideAcc(~std::uint64_t{0}));
  const u128 u = (static_cast<u128>(hi) << 64) | lo;
  return static_cast<i128>(v < 0 ? static_cast<u128>(0) - u : u);
}

double wide_to_double(const WideAcc& a, int lsb_exp) {
  if (is_wide_nar(a)) return std::numeric_limits<double>::quiet_NaN();
  if (a == 0) return 0.0;
  const WideAcc mag = bmp::abs(a);
  const int top = static_cast<int>(bmp::msb(mag));
  double d;
  if (top <= 52) {
    d = static_cast<double>(static_cast<std::uint64_t>(mag));
  } else {
    // Round to nearest even on 53 significant bits: keep top..top-52, round bit, sticky.
    const int sh = top - 52;
    WideAcc q = mag >> sh;
    const bool round = bmp::bit_test(mag, static_cast<unsigned>(sh - 1));
    const bool sticky = sh > 1 && (mag & ((WideAcc(1) << (sh - 1)) - 1)) != 0;
    if (round && (sticky || bmp::bit_test(q, 0))) q += 1;
    d = std::ldexp(static_cast<double>(static_cast<std::uint64_t>(q)), sh);
  }
  return std::ldexp(a < 0 ? -d : d, lsb_exp);
}

void store_wide(const WideAcc& v, unsigned bytes, std::uint8_t* p) {
  for (unsigned b = 0; b < bytes; ++b) p[b] = 0;
  if (is_wide_nar(v)) {
    p[bytes - 1] = 0x80;
    return;
  }
  WideAcc m = bmp::abs(v);
  for (unsigned b = 0; b < bytes && m != 0; ++b, m >>= 8) p[b] = static_cast<std::uint8_t>(static_cast<unsigned>(m & 0xFF));
  if (v < 0) {  // two's complement: invert, add 1
    unsigned carry = 1;
    for (unsigned b = 0; b < bytes; ++b) {
      const unsigned x = static_cast<std::uint8_t>(~p[b]) + carry;
      p[b] = static_cast<std::uint8_t>(x);
      carry = x >> 8;
    }
  }
}

WideAcc load_wide(const std::uint8_t* p, unsigned bytes) {
  const bool neg = (p[bytes - 1] & 0x80) != 0;
  std::vector<std::uint8_t> m(p, p + bytes);
  if (neg) {
    bool nar = m[bytes - 1] == 0x80;
    for (unsigned b = 0; b + 1 < bytes && nar; ++b) nar = m[b] == 0;
    if (nar) return wide_nar();
    unsigned carry = 1;
    for (unsigned b = 0; b < bytes; ++b) {
      const unsigned x = static_cast<std::uint8_t>(~m[b]) + carry;
      m[b] = static_cast<std::uint8_t>(x);
      carry = x >> 8;
    }
  }
  WideAcc r = 0;
  for (unsigned b = bytes; b-- > 0;) r = (r << 8) | WideAcc(m[b]);
  return neg ? WideAcc(-r) : r;
}

}  // namespace lpsim::hw
