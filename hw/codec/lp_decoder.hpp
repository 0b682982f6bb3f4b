// Unified LP decoder: bit-level, mode-aware (one 8-bit word = 1/2/4 lanes of LP8/LP4/LP2).
#pragma once

#include <array>
#include <cstdint>

#include "sw/formats/lp_format.hpp"

namespace lpsim::hw {

// Fraction bits of every fixed-point log2 value in the datapath (decoder output, PE log sum).
// An LP value of n <= 8 bits has at most n-2 = 6 fraction bits, so Q.8 is exact; 8 also matches
// the byte-sliced adders of the paper's PE.
inline constexpr int kLogFracBits = 8;

// MODE: the LP/INT width carried in one 8-bit word. 8 -> 1 lane, 4 -> 2 lanes, 2 -> 4 lanes.
// Lane j occupies bits [j*n, j*n+n) of the word (lane 0 = least significant bits).
inline constexpr int kMaxLanes = 4;
inline bool valid_mode(int mode) { return mode == 8 || mode == 4 || mode == 2; }
inline int lanes_of_mode(int mode) { return 8 / mode; }
inline std::uint32_t lane_code(std::uint8_t word, int mode, int lane) {
  return (static_cast<std::uint32_t>(word) >> (lane * mode)) & ((1u << mode) - 1u);
}

// One decoded lane. For a nonzero, non-NaR value: |x| = 2^(log_q / 2^kLogFracBits), with the
// scale factor already folded in (log_q = ((2^es*k - sf) << 8) + ulfx_q).
struct LpDecoded {
  bool zero = false;
  bool nar = false;
  bool neg = false;
  std::int32_t log_q = 0;
  // The fields the datapath extracted (for tests and waveforms).
  int run = 0;         // regime run length m (leading-zero count, capped at rs)
  int k = 0;           // regime value
  std::int32_t ulfx_q = 0;  // exponent + log fraction, Q.8
};

// The decoder of one LP<n, es, rs, sf> format, n in {2, 4, 8}. Pure combinational logic:
// decode() is what one lane computes, decode_word() the MODE-aware unit.
class LpDecoder {
 public:
  explicit LpDecoder(const fmt::LpParams& p);

  const fmt::LpParams& params() const { return m_p; }
  int mode() const { return m_p.n; }
  int lanes() const { return lanes_of_mode(m_p.n); }

  // Decode one n-bit pattern (higher bits ignored).
  LpDecoded decode(std::uint32_t code) const;
  // Decode all lanes of an 8-bit word; returns the number of lanes.
  int decode_word(std::uint8_t word, std::array<LpDecoded, kMaxLanes>& out) const;

 private:
  fmt::LpParams m_p;
};

}  // namespace lpsim::hw
