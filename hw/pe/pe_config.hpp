// Configuration and statistics of one PE type (LP or INT) and its accumulator.
#pragma once

#include <cstdint>
#include <string>

#include "hw/pe/scalar_operand.hpp"
#include "sw/formats/lp_format.hpp"

namespace lpsim::hw {

// lp, integer (INT; the BitFusion-style fused INT PE), and the baseline PE types of one
// table-driven datapath (hw/pe/scalar_pe.hpp): posit, adaptivfloat, fp8, ant (int/flint).
enum class PeType { lp, integer, posit, adaptivfloat, fp8, ant };
inline bool is_scalar_pe(PeType t) { return t != PeType::lp && t != PeType::integer; }

// ceil(log2(x)) for x >= 1: the bits a sum of x terms adds to an accumulator.
inline int ceil_log2(std::int64_t x) {
  int b = 0;
  while ((std::int64_t{1} << b) < x) ++b;
  return b;
}
// exact: wide fixed point sized from the formats, order independent (default).
// narrow: saturating two's complement fixed point of narrow_bits bits, LSB 2^-narrow_frac_bits.
// small_float: the poster's running sum (sign, exponent, float_frac_bits-bit linear fraction).
enum class AccMode { exact, narrow, small_float };
// The format of the partial sums the OB keeps between K tiles (docs/datapath.md): the
// accumulator's own (its adder, rounding and clamp; default), exact (a wide integer on the
// accumulator grid), or a small float with its own fraction bits.
enum class PsumMode { accumulator, exact, small_float };

std::string to_string(PeType t);
std::string to_string(AccMode m);
PeType pe_type_from_string(const std::string& s);   // "lp", "int"; throws ConfigError
AccMode acc_mode_from_string(const std::string& s);  // "exact", "narrow", "float"

struct PeConfig {
  PeType type = PeType::lp;
  int mode = 8;                           // MODE: 8, 4 or 2 bits per value; lanes = 8 / mode
  fmt::LpParams act{8, 2, 3, 0};          // activation format (LP PE; n must equal mode)
  fmt::LpParams wgt{8, 2, 3, 0};          // weight format (LP PE; n must equal mode)
  ScalarOperand act_s, wgt_s;             // baseline PE types: operand formats (n == mode)
  int lin_frac_bits = 8;                  // log->linear converter output fraction bits W, 1..24
  AccMode acc_mode = AccMode::exact;
  int narrow_bits = 32;                   // narrow: total width, 8..64
  int narrow_frac_bits = 16;              // narrow: fraction bits (LSB weight 2^-f), -64..96
  int float_frac_bits = 8;                // small_float: fraction bits, 1..32
  int float_exp_bits = 0;                 // small_float: exponent bits 1..7, 0 = auto (as wide
                                          // as the exact range: never saturates)
  std::int64_t max_k = 65536;             // longest dot product (elements) the exact sizing covers

  // Throws ConfigError naming the field; also when the exact accumulator would exceed 127 bits.
  void validate() const;
  bool operator==(const PeConfig& o) const {
    return type == o.type && mode == o.mode && act == o.act && wgt == o.wgt && act_s == o.act_s &&
           wgt_s == o.wgt_s &&
           lin_frac_bits == o.lin_frac_bits && acc_mode == o.acc_mode &&
           narrow_bits == o.narrow_bits && narrow_frac_bits == o.narrow_frac_bits &&
           float_frac_bits == o.float_frac_bits && float_exp_bits == o.float_exp_bits &&
           max_k == o.max_k;
  }
};

// Counters of a stand-alone PE (PeCore). The array keeps its own ArrayStats.
struct PeStats {
  std::uint64_t cycles = 0;        // mac() calls
  std::uint64_t macs = 0;          // lane MACs (lanes per cycle)
  std::uint64_t zero_products = 0; // lane products that were zero (a zero operand)
  std::uint64_t nar_products = 0;  // lane products that were NaR
  std::uint64_t saturations = 0;   // narrow mode: results clamped
};

}  // namespace lpsim::hw
