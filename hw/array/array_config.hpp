// Configuration, statistics and job description of the systolic PE array.
#pragma once

#include <cstdint>
#include <string>

#include "hw/codec/fixed_point.hpp"
#include "hw/common/dataflow.hpp"
#include "hw/pe/pe_config.hpp"
#include "hw/pe/wide_acc.hpp"

namespace lpsim::hw {

// cycle: step() advances the whole array one clock. tile: results computed directly, cycles
// from the closed-form schedule. Both give identical cycles and identical output bits.
// analytic: no values and no simulation; the host (sim/run/analytic) drives the one layer
// schedule with the closed forms and gets tile fidelity's timing and counts. An ArrayModule
// given it times like tile.
enum class Fidelity { cycle, tile, analytic };

inline std::string to_string(Fidelity f) {
  return f == Fidelity::cycle ? "cycle" : f == Fidelity::tile ? "tile" : "analytic";
}
// "cycle", "tile", "analytic"; anything else throws ConfigError.
inline Fidelity fidelity_from_string(const std::string& s) {
  if (s == "cycle") return Fidelity::cycle;
  if (s == "tile") return Fidelity::tile;
  if (s == "analytic") return Fidelity::analytic;
  throw ConfigError("fidelity '" + s + "' is not one of cycle, tile, analytic");
}

struct ArrayConfig {
  int rows = 32;  // R
  int cols = 32;  // C
  Dataflow dataflow = Dataflow::ws;
  PeConfig pe;
  void validate() const;  // throws ConfigError naming the field
  bool operator==(const ArrayConfig& o) const {
    return rows == o.rows && cols == o.cols && dataflow == o.dataflow && pe == o.pe;
  }
};

// What the array did. Tile fidelity and the analytic model take these counts from the closed
// forms (SystolicArray::gemm_stats); cycle fidelity counts them from its registers' valid bits
// (words fed, valid operand pairs, outputs drained, folds ended by detection) and tests check
// that both derivations agree (tests/hw/array).
struct ArrayStats {
  std::uint64_t cycles = 0;          // array clock cycles (all GEMMs)
  std::uint64_t gemms = 0;
  std::uint64_t tiles = 0;           // folds executed
  std::uint64_t word_macs = 0;       // useful PE cycles: M * Kw * N per GEMM
  std::uint64_t lane_macs = 0;       // word_macs * lanes (padding lanes included)
  std::uint64_t stationary_words = 0;  // words preloaded into PEs (ws: weights, is: activations)
  std::uint64_t streamed_words = 0;    // operand words entering the array edges
  std::uint64_t outputs = 0;           // accumulator values delivered
  std::uint64_t nar_outputs = 0;
  std::uint64_t idle_pe_cycles = 0;    // PE-cycles without a valid operand pair: cycles*R*C - word_macs
  // Fraction of PE-cycles doing useful work.
  double utilization(int rows, int cols) const {
    return cycles == 0 ? 0.0 : static_cast<double>(word_macs) / (static_cast<double>(cycles) * rows * cols);
  }
};

// out[M x N] = A[M x K] x W[K x N] on packed words: lanes_of_mode(mode) values per word,
// packed along K (lane j of word kw holds element k = kw * lanes + j), so Kw = ceil(K / lanes).
// a: M x Kw words, row-major; w: Kw x N words, row-major; out: M x N accumulator values on
// the grid 2^lsb_exp of the array's AccUnit (kAccNaR for NaR). An array whose PE has the wide
// exact accumulator (PeArith::wide()) writes out_wide instead (wide_nar() for NaR; out unused).
struct GemmJob {
  const std::uint8_t* a = nullptr;
  const std::uint8_t* w = nullptr;
  i128* out = nullptr;
  int m = 0;
  int kw = 0;
  int n = 0;
  WideAcc* out_wide = nullptr;
};

}  // namespace lpsim::hw
