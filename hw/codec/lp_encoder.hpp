// Unified LP encoder: a linear fixed-point accumulator value -> LP code, nearest in log2.
#pragma once

#include <cstdint>
#include <vector>

#include "hw/codec/fixed_point.hpp"
#include "hw/codec/lp_decoder.hpp"

namespace lpsim::hw {

// Encodes A * 2^lsb_exp (A a 128-bit accumulator word, kAccNaR = NaR) to LP<n, es, rs, sf>
// with the rounding of docs/lp-format.md: nearest pattern in the log2 domain, exact ties to the even
// pattern, saturating to minpos/maxpos (a nonzero value never becomes zero or NaR).
//
// Datapath: leading-one detector -> integer part I of log2|v|; the normalised 64-bit mantissa
// is compared against the linear images of the log2 midpoints between neighbouring patterns,
// threshold = (floor(mid), 2^frac(mid) as Q1.63). A threshold with an integer midpoint is an
// exact power of two (exact tie handling); other thresholds are irrational and their Q1.63
// image is correct to 1 ulp, so a result can only differ from the exact rounding for inputs
// within 2^-62 relative of a threshold (docs/lp-format.md allows 1e-9).
class LpEncoder {
 public:
  explicit LpEncoder(const fmt::LpParams& p);

  const fmt::LpParams& params() const { return m_p; }
  int mode() const { return m_p.n; }

  std::uint32_t encode(i128 a, int lsb_exp) const;
  // The same rounding for an IEEE double, taken apart bit by bit (double_to_acc; no floating-point
  // operation): NaN and +-infinity give NaR, both zeros give 0 (docs/lp-format.md, "Encoding").
  std::uint32_t encode_double(double y) const {
    i128 a = 0;
    int lsb = 0;
    if (!double_to_acc(y, &a, &lsb)) return 1u << (m_p.n - 1);
    return encode(a, lsb);
  }
  // Encode `lanes_of_mode(n)` values into one word, lane j at bits [j*n, j*n+n).
  std::uint8_t encode_word(const i128* a, int lsb_exp) const;

 private:
  struct Threshold {
    std::int32_t floor_log;   // floor(mid)
    std::uint64_t mant;       // 2^frac(mid) in Q1.63
    bool exact;               // frac(mid) == 0: the threshold is an exact power of two
  };
  fmt::LpParams m_p;
  std::vector<Threshold> m_thr;  // m_thr[i]: between positive patterns i+1 and i+2
};

}  // namespace lpsim::hw
