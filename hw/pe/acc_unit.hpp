// The linear-domain accumulator of a PE: grid, width and the per-add rounding of each mode.
#pragma once

#include <cstdint>

#include "hw/codec/fixed_point.hpp"
#include "hw/pe/pe_config.hpp"

namespace lpsim::hw {

// Every accumulator value is an i128 A on the grid 2^lsb_exp (kAccNaR = NaR, sticky).
// add() is the adder plus the mode's post-add step: nothing (exact), clamp (narrow) or
// round-to-nearest-even to float_frac_bits+1 significant bits (small_float), saturating at the
// largest value of a float_exp_bits exponent when that is not 0 (auto).
class AccUnit {
 public:
  AccUnit() = default;
  AccUnit(AccMode mode, int lsb_exp, int bits, int float_frac_bits, int float_exp_bits = 0);

  AccMode mode() const { return m_mode; }
  int lsb_exp() const { return m_lsb; }
  int bits() const { return m_bits; }  // narrow: the width; exact/float: the sized width

  // A product sig * 2^exp (sig > 0, < 2^40) on the grid: exact when the grid is fine enough,
  // else rounded to nearest even (narrow mode). Narrow mode clamps magnitudes beyond 2^100 to
  // 2^100 (it saturates at <= 2^63 anyway); exact/float grids are sized so nothing overflows.
  i128 to_grid(bool neg, std::uint64_t sig, int exp) const;

  i128 add(i128 acc, i128 prod) const {
    if (acc == kAccNaR || prod == kAccNaR) return kAccNaR;
    const i128 s = acc + prod;
    switch (m_mode) {
      case AccMode::exact: return s;
      case AccMode::narrow: return s > m_max ? m_max : s < m_min ? m_min : s;
      case AccMode::small_float: return round_float(s);
    }
    return s;
  }
  // True when add(acc, prod) clamped (narrow mode only).
  bool saturates(i128 acc, i128 prod) const {
    if (m_mode != AccMode::narrow || acc == kAccNaR || prod == kAccNaR) return false;
    const i128 s = acc + prod;
    return s > m_max || s < m_min;
  }
  i128 round_float(i128 s) const {
    if (s == 0) return 0;
    const int sh = msb_index(abs_u128(s)) - m_float_frac;
    if (sh <= 0) return s;
    const i128 r = shift_right_rne(s, sh) * (static_cast<i128>(1) << sh);
    if (m_float_max != 0 && (r > m_float_max || r < -m_float_max))
      return r < 0 ? -m_float_max : m_float_max;
    return r;
  }
  // The largest small_float magnitude on the grid, 0 when the exponent is unbounded (auto).
  i128 float_max() const { return m_float_max; }

 private:
  AccMode m_mode = AccMode::exact;
  int m_lsb = 0;
  int m_bits = 127;
  int m_float_frac = 8;
  i128 m_float_max = 0;
  i128 m_max = 0;
  i128 m_min = 0;
};

// The OB's adder for partial sums between the controller's K tiles (docs/datapath.md, "K tiles
// and the OB partial-sum format"). With T >= 2 K tiles of sums S_0..S_{T-1} (each its own chain
// from 0): p_0 = store(S_0), p_j = add(p_{j-1}, S_j), and p_{T-1} goes to the PPU; a layer with
// one K tile never stores a partial sum. NaR is sticky.
class PsumUnit {
 public:
  PsumUnit() = default;
  PsumUnit(const AccUnit& acc, PsumMode mode, int frac_bits)
      : m_acc(acc), m_mode(mode), m_frac(frac_bits) {}

  i128 store(i128 tile) const {
    return m_mode == PsumMode::small_float && tile != kAccNaR ? round(tile) : tile;
  }
  i128 add(i128 psum, i128 tile) const {
    switch (m_mode) {
      case PsumMode::accumulator: return m_acc.add(psum, tile);
      case PsumMode::exact: return psum == kAccNaR || tile == kAccNaR ? kAccNaR : psum + tile;
      case PsumMode::small_float:
        return psum == kAccNaR || tile == kAccNaR ? kAccNaR : round(psum + tile);
    }
    return psum + tile;
  }

 private:
  // Round to nearest even on frac_bits + 1 significant bits (the exponent is unbounded).
  i128 round(i128 s) const {
    if (s == 0) return 0;
    const int sh = msb_index(abs_u128(s)) - m_frac;
    return sh <= 0 ? s : shift_right_rne(s, sh) * (static_cast<i128>(1) << sh);
  }
  AccUnit m_acc;
  PsumMode m_mode = PsumMode::accumulator;
  int m_frac = 23;
};

}  // namespace lpsim::hw
