// 128-bit fixed-point helpers: conversion to double and to text.
#include "hw/codec/fixed_point.hpp"

#include <cmath>
#include <limits>

namespace lpsim::hw {

double acc_to_double(i128 a, int lsb_exp) {
  if (a == kAccNaR) return std::numeric_limits<double>::quiet_NaN();
  // i128 -> double rounds to nearest (libgcc __floattidf); ldexp is then exact unless the
  // result leaves the double range.
  return std::ldexp(static_cast<double>(a), lsb_exp);
}

std::string to_string_i128(i128 a) {
  if (a == kAccNaR) return "NaR";
  if (a == 0) return "0";
  u128 m = abs_u128(a);
  std::string s;
  while (m != 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  }
  if (a < 0) s.insert(s.begin(), '-');
  return s;
}

}  // namespace lpsim::hw
