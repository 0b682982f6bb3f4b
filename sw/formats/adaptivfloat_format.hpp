// AdaptivFloat<n, e> (Tambe et al., DAC 2020): sign, e-bit exponent with a per-tensor bias,
// n-1-e mantissa bits, no inf/NaN, and zero in place of the smallest magnitude code.
#pragma once

#include <vector>

#include "number_format.hpp"

namespace lpsim::fmt {

struct AdaptivFloatParams {
  int n = 8;        // 3..16
  int e = 3;        // 1..n-2 (at least one mantissa bit)
  int exp_min = 0;  // unbiased exponent of exponent field 0; -256..256
                    // (and exp_min + 2^e - 1 <= 1023, so every value is a finite double)
  void validate() const;
};

class AdaptivFloatFormat final : public NumberFormat {
 public:
  explicit AdaptivFloatFormat(AdaptivFloatParams p);
  const AdaptivFloatParams& params() const { return m_p; }
  std::string name() const override;  // "af<8,3,-7>"
  int bits() const override { return m_p.n; }
  Code encode(double x) const override;  // nearest (ties to even code), saturating; NaN -> 0
  double decode(Code c) const override;
  bool is_nan_code(Code) const override { return false; }
  Code negate(Code c) const override { return c ^ (Code{1} << (m_p.n - 1)); }
  bool twos_complement() const override { return false; }

  // The paper's bias rule: exp_max = floor(log2(max|x|)), exp_min = exp_max - 2^e + 1, over
  // the finite entries; exp_max = 0 when there is no nonzero one. Clamped to -256..256.
  static int fit_exp_min(int e, const float* x, std::size_t count);

 private:
  AdaptivFloatParams m_p;
  std::vector<double> m_value;  // decoded value of every code
  std::vector<double> m_mid;    // m_mid[c] = (value(c) + value(c+1)) / 2 for magnitude codes
};

}  // namespace lpsim::fmt
