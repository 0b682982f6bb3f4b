// Per-layer timing and access model: SCALE-Sim v2 compatible closed forms, and lpsim's own
// layer schedule (native_model.hpp); docs/scalesim.md defines both.
#pragma once

#include <cstdint>

#include "sim/scalesim/scalesim_config.hpp"
#include "sim/scalesim/topology.hpp"

namespace lpsim::scalesim {

enum class Timing { scalesim, native };

// Operand view of a layer on an AR x AC array (docs/scalesim.md, "--timing scalesim"): Sr rows and Sc columns
// are mapped spatially, T is streamed in time; folds = row_folds * col_folds.
struct FoldGeometry {
  std::int64_t sr = 0, sc = 0, t = 0;
  std::int64_t ar = 0, ac = 0;
  std::int64_t row_folds = 0, col_folds = 0;
  std::int64_t folds() const { return row_folds * col_folds; }
  std::int64_t rows_used(std::int64_t fr) const { return sr - fr * ar < ar ? sr - fr * ar : ar; }
  std::int64_t cols_used(std::int64_t fc) const { return sc - fc * ac < ac ? sc - fc * ac : ac; }
};
FoldGeometry fold_geometry(Dataflow df, const Layer& layer, std::int64_t ar, std::int64_t ac);

// One row of each of SCALE-Sim's three reports (COMPUTE, BANDWIDTH, DETAILED_ACCESS).
struct LayerReport {
  std::int64_t total_cycles = 0;
  std::int64_t stall_cycles = 0;
  double overall_util = 0, mapping_eff = 0, compute_util = 0;  // percent

  // SRAM start/stop are cycles of the first/last request (floats in SCALE-Sim's reports).
  double ifmap_sram_start = 0, ifmap_sram_stop = 0;
  std::int64_t ifmap_sram_reads = 0;
  double filter_sram_start = 0, filter_sram_stop = 0;
  std::int64_t filter_sram_reads = 0;
  double ofmap_sram_start = 0, ofmap_sram_stop = 0;
  std::int64_t ofmap_sram_writes = 0;
  double ifmap_dram_start = 0, ifmap_dram_stop = 0;
  std::int64_t ifmap_dram_reads = 0;
  double filter_dram_start = 0, filter_dram_stop = 0;
  std::int64_t filter_dram_reads = 0;
  double ofmap_dram_start = 0, ofmap_dram_stop = 0;
  std::int64_t ofmap_dram_writes = 0;

  double avg_ifmap_sram_bw = 0, avg_filter_sram_bw = 0, avg_ofmap_sram_bw = 0;
  double avg_ifmap_dram_bw = 0, avg_filter_dram_bw = 0, avg_ofmap_dram_bw = 0;

  // True when the DRAM columns are SCALE-Sim's (compat timing: always, the buffers' event
  // model covers overflow and USER-mode stalls; compat_memory.hpp).
  bool dram_exact = true;
};

// Native timing throws lpsim::UserError when lpsim cannot run the layer (native_model.hpp).
LayerReport model_layer(const ScaleSimConfig& cfg, const Layer& layer, Timing timing);

}  // namespace lpsim::scalesim
