// OCP 8-bit floating point (OFP8, 2023): E4M3 (bias 7, no inf, max 448) and E5M2 (bias 15,
// IEEE-like inf/NaN, max 57344). Round to nearest even, saturating finite overflow to +-max.
#pragma once

#include "number_format.hpp"

namespace lpsim::fmt {

enum class Fp8Kind { E4M3, E5M2 };

class Fp8Format final : public NumberFormat {
 public:
  explicit Fp8Format(Fp8Kind kind);
  Fp8Kind kind() const { return m_kind; }
  std::string name() const override;  // "fp8_e4m3" / "fp8_e5m2"
  int bits() const override { return 8; }
  // +-inf: E5M2 -> +-inf, E4M3 -> NaN; NaN -> the NaN pattern with x's sign.
  Code encode(double x) const override;
  double decode(Code c) const override;
  bool is_nan_code(Code c) const override;
  Code negate(Code c) const override { return c ^ 0x80u; }
  bool twos_complement() const override { return false; }

 private:
  Fp8Kind m_kind;
  double m_value[256];  // decoded value of every code
  double m_mid[127];    // m_mid[c] = (value(c) + value(c+1)) / 2 over the finite magnitudes
};

}  // namespace lpsim::fmt
