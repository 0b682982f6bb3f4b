// The reference's non-exact accumulator steps and the K tiles of the controller with the OB's
// partial-sum format (docs/datapath.md, "Accumulator (AccUnit) and its modes" and "K tiles and
// the OB partial-sum format"), written from the document alone (never includes hw/).
#include <algorithm>

#include "sw/ref/ref_datapath.hpp"

namespace lpsim::ref {

namespace {

__extension__ typedef unsigned __int128 u128;

u128 magnitude(i128 v) { return v < 0 ? u128{0} - static_cast<u128>(v) : static_cast<u128>(v); }

int top_bit(u128 x) {  // x != 0
  int h = 0;
  while (x >> 1) {
    x >>= 1;
    ++h;
  }
  return h;
}

// v rounded to p significant bits, to nearest, ties to even (in grid units).
i128 round_significant(i128 v, int p) {
  if (v == 0) return 0;
  const u128 m = magnitude(v);
  const int sh = top_bit(m) + 1 - p;
  if (sh <= 0) return v;
  u128 q = m >> sh;
  const u128 rem = m - (q << sh), half = u128{1} << (sh - 1);
  if (rem > half || (rem == half && (q & 1))) ++q;
  const auto r = static_cast<i128>(q << sh);
  return v < 0 ? -r : r;
}

}  // namespace

namespace modes {

i128 acc_post_add(const DatapathSpec& s, i128 sum) {
  switch (s.acc) {
    case AccKind::exact: return sum;
    case AccKind::narrow: {
      const i128 hi = (static_cast<i128>(1) << (s.narrow_bits - 1)) - 1;
      return std::clamp(sum, -hi - 1, hi);
    }
    case AccKind::small_float: {
      const int p = s.float_frac_bits + 1;
      const i128 r = round_significant(sum, p);
      if (s.float_exp_bits == 0) return r;
      // Biased exponents 1 .. 2^E - 1 put the leading bit at grid bit p-1 .. p-1 + 2^E - 2; the
      // largest value (2^p - 1) 2^(2^E - 2) is where the sum saturates (none when >= 2^126).
      const int top = (1 << s.float_exp_bits) - 2;
      if (p + top >= 126) return r;
      const i128 max = static_cast<i128>(((u128{1} << p) - 1) << top);
      return r > max ? max : r < -max ? -max : r;
    }
  }
  return sum;
}

i128 psum_store(const DatapathSpec& s, i128 tile) {
  return s.psum == PsumKind::small_float ? round_significant(tile, s.psum_frac_bits + 1) : tile;
}

i128 psum_add(const DatapathSpec& s, i128 psum, i128 tile) {
  switch (s.psum) {
    case PsumKind::accumulator: return acc_post_add(s, psum + tile);
    case PsumKind::exact: return psum + tile;
    case PsumKind::small_float: return round_significant(psum + tile, s.psum_frac_bits + 1);
  }
  return psum + tile;
}

}  // namespace modes

void RefDatapath::Dot::close_tile() {
  const AccValue t = take_tile();
  if (!m_tiled) {
    m_psum_nar = t.nar;
    m_psum = t.nar ? 0 : modes::psum_store(m_dp.m_spec, t.units);
    m_tiled = true;
  } else if (!m_psum_nar) {
    m_psum_nar = t.nar;
    m_psum = t.nar ? 0 : modes::psum_add(m_dp.m_spec, m_psum, t.units);
  }
  m_in_tile = 0;
}

AccValue RefDatapath::Dot::finish() {
  if (!m_tiled) {  // one K tile: its own sum, no partial sum in the OB
    m_in_tile = 0;
    return take_tile();
  }
  close_tile();
  AccValue r;
  r.lsb_exp = m_dp.m_lsb;
  r.nar = m_psum_nar;
  r.units = m_psum_nar ? 0 : m_psum;
  m_tiled = false;
  m_psum_nar = false;
  m_psum = 0;
  return r;
}

}  // namespace lpsim::ref
