// What the reference's exact sums share (RefDatapath and the baseline reference): the sizing
// helper and the conversion of an arbitrary-precision sum into an AccValue. sw/ref only.
#pragma once

#include <cstdint>

#include <boost/multiprecision/cpp_int.hpp>

#include "sw/ref/ref_datapath.hpp"

namespace lpsim::ref::detail {

// ceil(log2(x)) for x >= 1: the bits a sum of x terms adds.
inline int ceil_log2(std::int64_t x) {
  int b = 0;
  while ((std::int64_t{1} << b) < x) ++b;
  return b;
}

// The exact sum v (on the grid 2^lsb) as an AccValue: its units when |v| < 2^126, otherwise
// rounded to odd on 126 significant bits with lsb_exp raised (see AccValue).
AccValue acc_value_of(const boost::multiprecision::cpp_int& v, int lsb);

}  // namespace lpsim::ref::detail
