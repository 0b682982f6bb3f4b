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
  double grid = 0;        // the register's whole value in grid units (a wide one's too)
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
  // Every operand word and psum carries a valid bit through the registers: a fold ends when
  // no valid output is left in the array and no valid word can still meet a valid partner
  // (not when a counter reaches a precomputed length), and the MACs (valid operand pairs),
  // idle PE-cycles, fed words and drained outputs that stats() reports are counted from those
  // bits. The closed forms (gemm_cycles, gemm_stats, fold_cycles_closed) predict them.
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
  // The closed-form length of each fold of one GEMM, in execution order (ws/is: the fold's
  // fill + stream + drain, M or N + R + Nt - 2, without the first preload; os: the compute
  // phase Kw + Mt + Nt - 2, without waiting for the drain chain).
  static std::vector<std::uint64_t> fold_cycles_closed(const ArrayConfig& cfg, int m, int kw, int n);
  // The same lengths as cycle fidelity detected them in its last GEMM (start() clears them).
  const std::vector<std::uint64_t>& fold_cycles() const { return m_fold_cycles; }

  // Register view for waveforms. Off (default): PEs with no valid word are skipped, so their
  // registers hold stale words (results, cycles and counts are the same). On (set while a
  // step observer is attached): every PE register is written every clock, idle PEs included.
  void set_full_registers(bool on) {
    m_full_regs = on;
    for (auto& l : m_limbs) l->set_full_registers(on);
  }
  bool full_registers() const { return m_full_regs; }
  // Tests only: drop the valid bit of the word fed into `row` (left edge) at clock `cycle`
  // (counted from start(), 1-based) of the next cycle-fidelity GEMMs; -1 = no fault.
  void inject_fault_for_test(std::int64_t cycle, int row) {
    m_fault_cycle = cycle;
    m_fault_row = row;
  }

  // (The wide path: psum is the low 128 bits of the register's value, its limbs combined.)
  PeState pe_state(int r, int c) const;
  const ArrayStats& stats() const { return m_stats; }
  void reset_stats() { m_stats = ArrayStats{}; }

 private:
  struct Engine;
  // What the constructor builds first: the PE and, for a wide PE, its word products as
  // kLimbBits-bit limb tables (limb 0 for this array, the others for m_limbs).
  struct Built {
    std::unique_ptr<PeArith> pe;
    std::vector<std::vector<i128>> limbs;
    bool sub = false;  // a limb array of a wide array
  };
  static Built build(const ArrayConfig& cfg);
  SystolicArray(const ArrayConfig& cfg, Built b);
  std::uint64_t run_tile_limb(const GemmJob& job);
  void start_limb(const GemmJob& job);
  // The wide path: the job's limb sums into m_limb_out, combined into out_wide at the end.
  GemmJob limb_job(const GemmJob& job, std::size_t s);
  void combine_limbs();
  void account(const GemmJob& job, std::uint64_t cycles);
  void account_detected();
  template <class Mk>
  void step_stream_rows();
  template <class Mk>
  std::uint64_t step_os_rows();
  void step_stream();
  std::uint8_t stream_feed_row(int r);
  void step_os();
  void os_feed_top();
  std::uint8_t os_feed_row(int r);
  void fold_nar_flags();

  ArrayConfig m_cfg;
  std::unique_ptr<PeArith> m_pe;
  ProductTable m_table;
  std::vector<i128> m_table_t;      // transposed table (is: streaming operand = weights)
  std::vector<i128> m_table_nonar;  // NaR entries as 0 (tile fast path, NaR applied by masks)
  bool m_table64_ok = false;        // every product fits 62 bits: the lean cycle engine's tables
  std::uint64_t m_table64_max = 0;  // the largest |product|
  std::vector<std::int64_t> m_table64, m_table64_t;  // NaR entries 0
  std::unique_ptr<Engine> m_eng;
  std::uint64_t m_cycle = 0;
  ArrayStats m_stats;
  std::vector<std::uint64_t> m_fold_cycles;
  bool m_full_regs = false;
  // The wide exact accumulator (docs/datapath.md, "Exact sizing"): this array sums limb 0 of
  // every word product, m_limbs[s - 1] limb s, all stepped together (the same valid bits and
  // timing); their outputs are combined into GemmJob::out_wide when the GEMM ends.
  bool m_wide = false;
  std::vector<std::unique_ptr<SystolicArray>> m_limbs;
  std::vector<std::vector<i128>> m_limb_out;
  WideAcc* m_out_wide = nullptr;
  std::size_t m_out_n = 0;
  std::int64_t m_fault_cycle = -1;
  int m_fault_row = 0;
};

// Packing helpers (lane j of a word = element kw*lanes + j; missing elements are code 0).
int words_for(int k, int mode);
// A[M x K] codes (row-major) -> M x Kw words.
std::vector<std::uint8_t> pack_act(const std::vector<std::uint32_t>& codes, int m, int k, int mode);
// W[K x N] codes (row-major) -> Kw x N words.
std::vector<std::uint8_t> pack_wgt(const std::vector<std::uint32_t>& codes, int k, int n, int mode);

}  // namespace lpsim::hw
