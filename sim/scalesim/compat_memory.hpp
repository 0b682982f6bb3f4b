// Event model of SCALE-Sim v2's CALC-mode memory system (docs/scalesim.md "DRAM columns"): the
// estimate-bandwidth read buffers (IFMAP, filter) with their set-based prefetch and eviction,
// and the OFMAP write buffer with its mid-run drains and write stalls. It walks the demand
// stream fold by fold and row by row, visiting only the valid requests of an operand whose
// buffer overflows (the others keep the closed forms of layer_model.cpp).
#pragma once

#include <cstdint>

#include "sim/scalesim/layer_model.hpp"

namespace lpsim::scalesim {

struct CompatDram {
  double start = 0, stop = 0;
  std::int64_t count = 0;
};

struct CompatMemory {
  CompatDram ifmap, filter, ofmap;
  std::int64_t stall_cycles = 0;  // OFMAP write-buffer stalls (CALC read buffers never stall)
  // Serviced cycles of the first/last valid request of each operand (reads: row + 1 + stalls
  // before the row; writes: row + stalls up to and including the row).
  double ifmap_sram_start = 0, ifmap_sram_stop = 0;
  double filter_sram_start = 0, filter_sram_stop = 0;
  double ofmap_sram_start = 0, ofmap_sram_stop = 0;
  std::int64_t total_cycles = 0;  // serviced cycle of the last OFMAP demand row
};

// True when every buffer stays within its active half (the closed forms are then exact and
// the event model is not needed).
bool compat_memory_fits(const ScaleSimConfig& cfg, const Layer& layer, const FoldGeometry& g);

// Demand rows (0-based, before stalls) of the first and last IFMAP request with a real
// address: requests of windows that overhang the input are SCALE-Sim's -1 and do not count.
struct RowSpan {
  std::int64_t first = -1, last = -1;
};
RowSpan ifmap_request_rows(Dataflow df, const Layer& layer, const FoldGeometry& g);

// CALC mode (InterfaceBandwidth CALC): read buffers at 10 words/cycle, OFMAP drain at AC
// words/cycle. `sram_rows` are the closed-form SRAM start/stop demand-row indices
// (ifmap first, ifmap last, filter first, filter last, ofmap first, ofmap last) whose
// serviced cycles are reported.
CompatMemory compat_memory_calc(const ScaleSimConfig& cfg, const Layer& layer,
                                const FoldGeometry& g, const std::int64_t sram_rows[6]);

// USER mode (InterfaceBandwidth USER): SCALE-Sim's stall-modelling read buffers and the OFMAP
// write buffer, all at the cfg Bandwidth; reports the stalls they cause.
CompatMemory compat_memory_user(const ScaleSimConfig& cfg, const Layer& layer,
                                const FoldGeometry& g, const std::int64_t sram_rows[6]);

}  // namespace lpsim::scalesim
