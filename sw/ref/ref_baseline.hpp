// Reference of the baseline PE types (posit, AdaptivFloat, FP8, ANT int/flint): exact dot
// products and GEMMs of operand codes, whose values come from the formats' own codecs
// (fmt::NumberFormat::decode, a double per code) and not from hw/pe's bit-level decoders.
// Written from docs/datapath.md ("Baseline PE types"); never includes anything under hw/.
#pragma once

#include <cstdint>
#include <vector>

#include "sw/formats/number_format.hpp"
#include "sw/ref/ref_datapath.hpp"

namespace lpsim::ref {

// The exact accumulator of a baseline PE: every product a*w of decoded values summed without
// rounding on the grid 2^lsb_exp, lsb_exp = (smallest LSB exponent of a nonzero activation
// value) + (the same for weights). NaN and infinite operand values (posit NaR, FP8 NaN, E5M2
// inf) make the result NaR. MODE packing does not change an exact sum (zero padding lanes add
// 0), so the reference needs no MODE.
class RefBaselineDatapath {
 public:
  // Throws RefError when max_k terms need a grid wider than kRefMaxExactBits bits; grids wider
  // than 127 bits are summed in arbitrary precision (see AccValue for how they are returned).
  RefBaselineDatapath(fmt::FormatPtr act, fmt::FormatPtr wgt, std::int64_t max_k = 65536);

  int lsb_exp() const { return m_lsb; }
  // out[i*N + j] = sum_k A[i*K + k] * W[k*N + j] (codes, row-major).
  std::vector<AccValue> gemm(const std::uint32_t* a_codes, const std::uint32_t* w_codes, int m,
                             int k, int n) const;
  AccValue dot(const std::uint32_t* a_codes, const std::uint32_t* w_codes, int k) const;

 private:
  struct Term {
    bool zero = true, nar = false;
    std::int64_t sig = 0;  // signed integer significand (odd unless zero)
    int exp = 0;           // value = sig * 2^exp
  };
  static Term term_of(double v);
  fmt::FormatPtr m_a, m_w;
  std::vector<Term> m_ta, m_tw;
  int m_lsb = 0;
  std::vector<i128> m_prod;  // [a code][w code] on the grid (or the NaR marker below)
  std::vector<std::uint8_t> m_nar;
  std::size_t m_wcodes = 0;
  bool m_wide = false;  // grid wider than 127 bits: products as (sig, shift), summed exactly
  std::vector<std::int64_t> m_wsig;  // [a code][w code] signed significand product
  std::vector<int> m_wsh;            // its shift above the grid LSB
};

}  // namespace lpsim::ref
