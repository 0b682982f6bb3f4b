// The wide exact accumulator word: formats whose exact grid needs more than 127 bits
// (docs/datapath.md, "Exact sizing"). A fixed-width Boost.Multiprecision integer; the i128
// paths of every other format are untouched and never see it.
#pragma once

#include <cstdint>
#include <vector>

#include <boost/multiprecision/cpp_int.hpp>

#include "hw/codec/fixed_point.hpp"

namespace lpsim::hw {

// 512-bit signed integer (sign + 512-bit magnitude, no overflow checks: the sizing keeps every
// value below 2^kMaxExactBits).
using WideAcc = boost::multiprecision::number<boost::multiprecision::cpp_int_backend<
    512, 512, boost::multiprecision::signed_magnitude, boost::multiprecision::unchecked, void>>;

// The widest exact accumulator (sign included) a PE accepts: the bound over every format the
// hardware admits, LP<8,4,7,*> x LP<8,4,7,*> with lin_frac_bits = 24 and max_k = 2^31 (384 + 24
// + 31 + 3 bits; tests/hw/pe/test_wide_acc.cpp recomputes it over all LP and baseline formats).
// Values stay below 2^441, well inside the 512-bit type, whose -2^511 is NaR.
inline constexpr int kMaxExactBits = 442;
// Accumulators of more than kI128Bits bits take the wide path.
inline constexpr int kI128Bits = 127;

inline WideAcc wide_nar() { return -(WideAcc(1) << 511); }
inline bool is_wide_nar(const WideAcc& v) { return v == wide_nar(); }

// The array computes a wide exact sum as kLimbBits-bit limbs ("segments"), each an ordinary
// exact i128 sum of the word products' limb s (value = sum_s limb_s 2^(s kLimbBits)); carries
// between segments are resolved when the sums leave the array (wide_from_limbs).
inline constexpr int kLimbBits = 48;

// Limb s of v (sign-magnitude split: every limb carries v's sign, |limb| < 2^kLimbBits).
inline i128 wide_limb(const WideAcc& v, int s) {
  const WideAcc mag = boost::multiprecision::abs(v);
  const std::uint64_t l =
      static_cast<std::uint64_t>((mag >> (s * kLimbBits)) & ((WideAcc(1) << kLimbBits) - 1));
  const auto r = static_cast<i128>(l);
  return v < 0 ? -r : r;
}
// The exact grid value sig * 2^sh (sh >= 0), negated when neg.
inline WideAcc wide_on_grid(bool neg, std::uint64_t sig, int sh) {
  WideAcc v = WideAcc(sig) << sh;
  return neg ? WideAcc(-v) : v;
}

// Limbs needed for |v| (at least 1).
int wide_limbs_of(const WideAcc& v);

// sum_s limbs[s][i] 2^(s kLimbBits); NaR when limb 0 is kAccNaR (every limb of a NaR word is).
WideAcc wide_from_limbs(const std::vector<const i128*>& limbs, std::size_t i);

// The low 128 bits of v, two's complement (v itself when it fits; kAccNaR for NaR).
i128 wide_low128(const WideAcc& v);

// The double nearest to A * 2^lsb_exp: A rounded to 53 significant bits (nearest, ties to
// even), then scaled, as acc_to_double does for i128 words; NaN for NaR.
double wide_to_double(const WideAcc& a, int lsb_exp);

// OB words: `bytes` bytes two's complement little-endian; NaR is the most negative value.
void store_wide(const WideAcc& v, unsigned bytes, std::uint8_t* p);
WideAcc load_wide(const std::uint8_t* p, unsigned bytes);

}  // namespace lpsim::hw
