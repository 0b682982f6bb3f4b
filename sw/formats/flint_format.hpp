// flint<n> (ANT's "float-int" idea, Guo et al., MICRO 2022) as lpsim defines it: sign-magnitude,
// integer precision near zero and a first-one (unary) exponent code above, with a per-tensor
// scale. docs/datapath.md ("Baseline PE types") has the value table.
#pragma once

#include <vector>

#include "number_format.hpp"

namespace lpsim::fmt {

struct FlintParams {
  int n = 8;           // 3..8 (sign + b = n-1 magnitude bits)
  double scale = 1.0;  // value of magnitude code 1; finite and > 0
  void validate() const;
};

// Magnitude code q of b = n-1 bits (q = 0 is zero):
//   MSB 0 (q < 2^(b-1)):  the integer q;
//   MSB 1: a run of r ones from the MSB (1 <= r <= b), then a 0 terminator when r < b, then
//          mb = max(0, b-r-1) mantissa bits m: value 2^(b-2+r) * (1 + m / 2^mb).
// flint<4>: 0 1 2 3 4 6 8 16; flint<8>: 0..63, 64..126 step 2, 128..248 step 8, ..., 2048, 4096.
// Monotone in q. The code is sign | q; sign|0 is -0.
class FlintFormat final : public NumberFormat {
 public:
  explicit FlintFormat(FlintParams p);
  const FlintParams& params() const { return m_p; }
  std::string name() const override;  // "flint<8,0.125>" (parseable)
  int bits() const override { return m_p.n; }
  Code encode(double x) const override;  // nearest (ties to even code), saturating; NaN -> +-0
  double decode(Code c) const override;
  bool is_nan_code(Code) const override { return false; }
  Code negate(Code c) const override { return c ^ (Code{1} << (m_p.n - 1)); }
  bool twos_complement() const override { return false; }

  // The unscaled magnitude of magnitude code q (exact integer).
  static double magnitude(int n, Code q);
  // Per-tensor scale: max|x| / largest magnitude (1.0 for an all-zero tensor).
  static double fit_scale(int n, const float* x, std::size_t count);

 private:
  FlintParams m_p;
  std::vector<double> m_value;
  std::vector<double> m_mid;  // midpoints between neighbouring magnitudes
};

}  // namespace lpsim::fmt
