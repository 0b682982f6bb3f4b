// Symmetric uniform integer INT n with a scale: codes -(2^(n-1)-1) .. 2^(n-1)-1, two's complement.
#pragma once

#include <vector>

#include "number_format.hpp"

namespace lpsim::fmt {

struct IntParams {
  int n = 8;           // 2..16
  double scale = 1.0;  // value of code 1; finite and > 0
  void validate() const;
};

// encode: round(x / scale) to nearest, ties to even, saturating at +-(2^(n-1)-1).
// The pattern -2^(n-1) is never produced by encode; decode gives -2^(n-1)*scale for it.
class IntFormat final : public NumberFormat {
 public:
  explicit IntFormat(IntParams p);
  const IntParams& params() const { return m_p; }
  std::string name() const override;  // "int<8,0.0123>" (parseable)
  int bits() const override { return m_p.n; }
  Code encode(double x) const override;  // NaN -> 0, +-inf saturate
  double decode(Code c) const override;
  bool is_nan_code(Code) const override { return false; }
  Code negate(Code c) const override { return (num_codes() - c) & (num_codes() - 1); }
  bool twos_complement() const override { return true; }

  // Per-tensor scale: max|x| / (2^(n-1)-1) (1.0 for an all-zero tensor).
  static double fit_scale(int n, const float* x, std::size_t count);
  // Per-channel scales: `channels` contiguous slices of `count / channels` values each.
  static std::vector<double> fit_channel_scales(int n, const float* x, std::size_t count,
                                                std::size_t channels);

 private:
  IntParams m_p;
  int m_shift = 0;      // scale = m_unit * 2^m_shift
  double m_unit = 1.0;  // in [1, 2)
};

}  // namespace lpsim::fmt
