// Accumulator grid placement of products and the narrow/small-float rounding setup.
#include "hw/pe/acc_unit.hpp"

namespace lpsim::hw {

AccUnit::AccUnit(AccMode mode, int lsb_exp, int bits, int float_frac_bits, int float_exp_bits)
    : m_mode(mode), m_lsb(lsb_exp), m_bits(bits), m_float_frac(float_frac_bits) {
  const int w = mode == AccMode::narrow ? bits : 127;
  m_max = static_cast<i128>((static_cast<u128>(1) << (w - 1)) - 1);
  m_min = -m_max - 1;
  // small_float with an E-bit exponent (docs/datapath.md): biased exponent 0 is subnormal (the
  // grid's own LSB), 1..2^E-1 put the MSB at grid bit p-1 .. p-1 + 2^E-2 (p = frac + 1), so the
  // largest value is (2^p - 1) 2^(2^E - 2) grid units; none when that reaches 2^126.
  if (mode == AccMode::small_float && float_exp_bits > 0) {
    const int p = float_frac_bits + 1, top = (1 << float_exp_bits) - 2;
    if (p + top < 126)
      m_float_max = static_cast<i128>(((static_cast<u128>(1) << p) - 1) << top);
  }
}

i128 AccUnit::to_grid(bool neg, std::uint64_t sig, int exp) const {
  const int sh = exp - m_lsb;
  i128 v;
  if (sh >= 0) {
    const int top = msb_index(sig) + sh;
    // Exact/float modes: validate() bounds every product below 2^127 on the grid.
    v = (m_mode == AccMode::narrow && top >= 100) ? static_cast<i128>(1) << 100
                                                   : static_cast<i128>(sig) << sh;
  } else {
    v = shift_right_rne(static_cast<i128>(sig), -sh);
  }
  return neg ? -v : v;
}

}  // namespace lpsim::hw
