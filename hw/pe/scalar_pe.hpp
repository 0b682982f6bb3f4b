// Baseline PE types on one table-driven datapath: each operand code is decoded bit by bit into
// (sign, integer significand, exponent); a lane product is sig_a * sig_w * 2^(exp_a + exp_w),
// placed exactly on one accumulator grid. Only the decoders (and, in sw/energy, the costs)
// differ between posit, AdaptivFloat, FP8 and ANT (int/flint) PEs (docs/datapath.md,
// "Baseline PE types").
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "hw/pe/pe_arith.hpp"
#include "hw/pe/scalar_operand.hpp"

namespace lpsim::hw {

// value = (-1)^neg * sig * 2^exp, or zero, or NaR (posit NaR, FP8 NaN and E5M2 infinities).
struct ScalarDecoded {
  bool zero = false;
  bool nar = false;
  bool neg = false;
  std::uint32_t sig = 0;  // < 2^8
  int exp = 0;
};

// The PE decoder of one operand format: field extraction only (no floating point).
ScalarDecoded decode_scalar(const ScalarOperand& f, std::uint32_t code);

class ScalarPeArith final : public PeArith {
 public:
  explicit ScalarPeArith(const PeConfig& cfg);
  std::string name() const override;
  i128 word_product(std::uint8_t a, std::uint8_t w) const override;
  WideAcc word_product_wide(std::uint8_t a, std::uint8_t w) const override;
  bool is_nar_code(std::uint32_t code, bool weight) const override;
  i128 lane_product(std::uint32_t a_code, std::uint32_t w_code) const;

  // Exact accumulator width (sign included) for cfg: product range + log2(max_k) + 2;
  // the grid LSB is the smallest product exponent.
  static int exact_bits(const PeConfig& cfg);
  static int grid_lsb(const PeConfig& cfg);

 private:
  PeType m_type;
  ScalarOperand m_fa, m_fw;
  std::vector<ScalarDecoded> m_a, m_w;  // per code
};

}  // namespace lpsim::hw
