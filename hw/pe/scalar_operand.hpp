// Operand formats of the baseline PE types (posit, AdaptivFloat, FP8, ANT int/flint) as the PE
// decoder registers carry them; kernel-free, no codec.
#pragma once

#include <string>

namespace lpsim::hw {

// posit: posit<n, es>; af: af<n, e = es, exp_min = sf>; fp8_*: n = 8; int_ (ANT int) and flint:
// n bits with the scale 2^-sf folded into the exponent.
enum class ScalarFamily { posit, af, fp8_e4m3, fp8_e5m2, int_, flint };

struct ScalarOperand {
  ScalarFamily family = ScalarFamily::posit;
  int n = 8;
  int es = 0;
  int sf = 0;
  bool operator==(const ScalarOperand& o) const {
    return family == o.family && n == o.n && es == o.es && sf == o.sf;
  }
};

std::string to_string(
    const ScalarOperand& f);  // "posit<8,1>", "af<8,3,-7>", "fp8_e4m3", "flint<8,2^-3>"

}  // namespace lpsim::hw
