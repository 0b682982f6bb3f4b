// The R x C systolic PE array core (kernel-free): cycle and tile fidelity of ws/os/is GEMMs.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "hw/array/array_config.hpp"
#include "hw/pe/pe_arith.hpp"

namespace lpsim::hw {

// The visible registers of one PE (for waveforms and tests).
struct PeState {
  std::uint8_t act = 0;   // word in the horizontal register (ws/os: activation; is: weight)
  std::uint8_t vert = 0;  // ws/is: stationary word; os: weight word in the vertical register
  i128 psum = 0;          // ws/is: partial sum register; os: stationary accumulator
};

// One array: owns the PE arithmetic (product table built once per configuration).
// A GEMM of any size is split into folds (tiles) executed back to back; see docs/datapath.md
// "Array timing" for the schedule and its closed forms.
class SystolicArray {
 public:
  explicit SystolicArray(const ArrayConfig& cfg);
  ~SystolicArray();
  SystolicArray(const SystolicArray&) = delete;
  SystolicArray& operator=(const SystolicArray&) = delete;

  const ArrayConfig& config() const { return m_cfg; }
  const PeArith& pe() const { return *m_pe; }
  int lanes() const { return m_pe->lanes(); }
  int lsb_exp() const { return m_pe->acc().lsb_exp(); }

  // Tile fidelity: computes the whole GEMM, returns its cycles (closed form).
  std::uint64_t run_tile(const GemmJob& job);

  // Cycle fidelity: start() loads a job, step() advances one clock, busy() until the last
  // output has been written. run_cycle() = start + step until idle; returns the cycles.
  void start(const GemmJob& job);
  void step();
  bool busy() const;
  std::uint64_t cycle() const { return m_cycle; }  // clocks since start()
  std::uint64_t run_cycle(const GemmJob& job);

  // Either fidelity.
  std::uint64_t run(const GemmJob& job, Fidelity f) {
    return f == Fidelity::cycle ? run_cycle(job) : run_tile(job);
  }

  // The closed-form cycle count of one GEMM (docs/datapath.md, "Array timing").
  static std::uint64_t gemm_cycles(const ArrayConfig& cfg, int m, int kw, int n);
  // What one GEMM adds to stats() (every field but nar_outputs, which depends on the values):
  // the one place these counts are written (the engines and the analytic model use it).
  static ArrayStats gemm_stats(const ArrayConfig& cfg, int m, int kw, int n);

  PeState pe_state(int r, int c) const;
  const ArrayStats& stats() const { return m_stats; }
  void reset_stats() { m_stats = ArrayStats{}; }

 private:
  struct Engine;
  void account(const GemmJob& job, std::uint64_t cycles);

  ArrayConfig m_cfg;
  std::unique_ptr<PeArith> m_pe;
  ProductTable m_table;
  std::vector<i128> m_table_t;      // transposed table (is: streaming operand = weights)
  std::vector<i128> m_table_nonar;  // NaR entries as 0 (tile fast path, NaR applied by masks)
  std::unique_ptr<Engine> m_eng;
  std::uint64_t m_cycle = 0;
  ArrayStats m_stats;
};

// Packing helpers (lane j of a word = element kw*lanes + j; missing elements are code 0).
int words_for(int k, int mode);
// A[M x K] codes (row-major) -> M x Kw words.
std::vector<std::uint8_t> pack_act(const std::vector<std::uint32_t>& codes, int m, int k, int mode);
// W[K x N] codes (row-major) -> Kw x N words.
std::vector<std::uint8_t> pack_wgt(const std::vector<std::uint32_t>& codes, int k, int n, int mode);

}  // namespace lpsim::hw
