// 128-bit fixed-point words shared by the LPA datapath (decoder, PE, array, encoder).
#pragma once

#include <cstdint>
#include <string>

namespace lpsim::hw {

// GCC/Clang 128-bit integers; __extension__ keeps -Wpedantic quiet about the non-ISO type.
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

// An accumulator value is a two's complement integer A on a grid: value = A * 2^lsb_exp.
// The most negative i128 is reserved as NaR (never produced by arithmetic: every accumulator
// mode keeps |A| < 2^127), the same convention posits use for their NaR pattern.
inline constexpr i128 kAccNaR = static_cast<i128>(static_cast<u128>(1) << 127);

// Index of the most significant set bit of x (x != 0).
inline int msb_index(u128 x) {
  const auto hi = static_cast<std::uint64_t>(x >> 64);
  if (hi != 0) return 127 - __builtin_clzll(hi);
  return 63 - __builtin_clzll(static_cast<std::uint64_t>(x));
}

inline u128 abs_u128(i128 v) { return v < 0 ? static_cast<u128>(0) - static_cast<u128>(v) : static_cast<u128>(v); }

// Shift right with round-to-nearest, ties to even (sh >= 0; sh >= 128 rounds to 0 or 1 ulp).
inline i128 shift_right_rne(i128 v, int sh) {
  if (sh <= 0) return v;
  const bool neg = v < 0;
  u128 m = abs_u128(v);
  if (sh >= 128) return 0;
  const u128 q = m >> sh;
  const u128 rem = m & ((static_cast<u128>(1) << sh) - 1);
  const u128 half = static_cast<u128>(1) << (sh - 1);
  u128 r = q;
  if (rem > half || (rem == half && (q & 1))) ++r;
  const auto out = static_cast<i128>(r);
  return neg ? -out : out;
}

// A finite IEEE double as an exact accumulator word, by bit operations only (no rounding):
// y = *a * 2^*lsb_exp with |*a| < 2^53. Returns false (a and lsb_exp untouched) for NaN and
// +-infinity. Both zeros give a = 0. Subnormals give lsb_exp = -1074.
inline bool double_to_acc(double y, i128* a, int* lsb_exp) {
  std::uint64_t bits;
  static_assert(sizeof bits == sizeof y, "IEEE binary64 expected");
  __builtin_memcpy(&bits, &y, sizeof bits);
  const auto biased = static_cast<int>((bits >> 52) & 0x7FF);
  std::uint64_t mant = bits & ((std::uint64_t{1} << 52) - 1);
  if (biased == 0x7FF) return false;
  int e = -1074;
  if (biased != 0) {
    mant |= std::uint64_t{1} << 52;
    e = biased - 1075;
  }
  const auto m = static_cast<i128>(mant);
  *a = (bits >> 63) ? -m : m;
  *lsb_exp = e;
  return true;
}

// The double nearest to A * 2^lsb_exp (NaN for NaR).
double acc_to_double(i128 a, int lsb_exp);
// Decimal text of a 128-bit integer ("NaR" for kAccNaR).
std::string to_string_i128(i128 a);

}  // namespace lpsim::hw
