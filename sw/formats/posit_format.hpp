// Standard posit<n, es> (Posit Standard 2022 rounding: RNE on the bit string, saturating, NaR).
#pragma once

#include <vector>

#include "number_format.hpp"

namespace lpsim::fmt {

struct PositParams {
  int n = 8;   // 2..16
  int es = 2;  // 0..4
  void validate() const;
};

class PositFormat final : public NumberFormat {
 public:
  explicit PositFormat(PositParams p);
  const PositParams& params() const { return m_p; }
  std::string name() const override;  // "posit<8,2>"
  int bits() const override { return m_p.n; }
  Code encode(double x) const override;
  double decode(Code c) const override;
  bool is_nan_code(Code c) const override { return c == nar(); }
  Code negate(Code c) const override { return (num_codes() - c) & (num_codes() - 1); }
  bool twos_complement() const override { return true; }
  Code nar() const { return Code{1} << (m_p.n - 1); }

 private:
  PositParams m_p;
  std::vector<double> m_value;  // decoded value of every pattern
  std::vector<double> m_mid;    // m_mid[p]: |x| above it rounds to p+1, p = 1 .. maxpos-1
};

}  // namespace lpsim::fmt
