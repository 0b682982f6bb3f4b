// LP PE arithmetic: log-domain multiply, log->linear conversion, linear-domain accumulate.
#pragma once

#include <cstdint>
#include <vector>

#include "hw/codec/lp_decoder.hpp"
#include "hw/pe/pe_arith.hpp"

namespace lpsim::hw {

// 2^f for a Q.8 log fraction f in [0, 1), as an unsigned integer with `frac_bits` fraction
// bits, rounded to nearest (ties cannot occur: 2^f is irrational for f != 0, and f = 0 is
// exact). The result may be 2^(frac_bits+1) when rounding carries out (f close to 1).
class LogLinearConverter {
 public:
  explicit LogLinearConverter(int frac_bits);
  int frac_bits() const { return m_bits; }
  std::uint32_t operator()(std::uint32_t frac_q) const { return m_lut[frac_q]; }

 private:
  int m_bits;
  std::vector<std::uint32_t> m_lut;  // 2^kLogFracBits entries: the gates, as a truth table
};

// A lane product before the log->linear step.
struct LpLogProduct {
  bool zero = false;
  bool nar = false;
  bool neg = false;
  std::int32_t log_q = 0;  // log_a + log_w, Q.8 (both sf folded in)
};

inline LpLogProduct lp_log_multiply(const LpDecoded& a, const LpDecoded& w) {
  LpLogProduct p;
  p.nar = a.nar || w.nar;  // NaR dominates zero, as in posit arithmetic
  p.zero = !p.nar && (a.zero || w.zero);
  p.neg = a.neg != w.neg;  // XOR
  p.log_q = a.log_q + w.log_q;
  return p;
}

// The linear value of a lane product: sig * 2^exp with sig = conv(frac(L)), exp = floor(L) - W.
struct LpLinearProduct {
  bool neg = false;
  std::uint64_t sig = 0;
  int exp = 0;
};

class LpPeArith final : public PeArith {
 public:
  explicit LpPeArith(const PeConfig& cfg);
  std::string name() const override;
  i128 word_product(std::uint8_t a, std::uint8_t w) const override;
  WideAcc word_product_wide(std::uint8_t a, std::uint8_t w) const override;
  bool is_nar_code(std::uint32_t code, bool weight) const override;

  // One lane, step by step (for tests and waveforms).
  LpLogProduct log_product(std::uint32_t a_code, std::uint32_t w_code) const;
  LpLinearProduct linear(const LpLogProduct& p) const;
  i128 lane_product(std::uint32_t a_code, std::uint32_t w_code) const;

  const LpDecoder& act_decoder() const { return m_dec_a; }
  const LpDecoder& wgt_decoder() const { return m_dec_w; }
  const LogLinearConverter& converter() const { return m_conv; }
  // Floor of the smallest / largest product log2 (sf included): the exact grid's range.
  int min_product_exp() const { return m_emin; }
  int max_product_exp() const { return m_emax; }

  // Width of the exact accumulator for these formats (sign included), per docs/datapath.md:
  // (emax - emin) + W + 1 + ceil(log2(max_k)) + 1.
  static int exact_bits(const PeConfig& cfg);

 private:
  LpDecoder m_dec_a, m_dec_w;
  LogLinearConverter m_conv;
  int m_emin = 0, m_emax = 0;
};

// INT PE (BitFusion-like): n-bit two's complement integers, n = MODE, lanes multiply exactly
// and accumulate exactly on the integer grid (LSB 2^0) in exact mode.
class IntPeArith final : public PeArith {
 public:
  explicit IntPeArith(const PeConfig& cfg);
  std::string name() const override;
  i128 word_product(std::uint8_t a, std::uint8_t w) const override;
  bool is_nar_code(std::uint32_t, bool) const override { return false; }
  static int value(std::uint32_t code, int n) {
    return static_cast<int>(code) - (((code >> (n - 1)) & 1u) != 0 ? (1 << n) : 0);
  }
};

}  // namespace lpsim::hw
