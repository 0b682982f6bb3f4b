// Analytic fidelity (docs/architecture.md, "The run API"): a workload's layers timed and counted
// without values and without SystemC. Each layer is issued as the host would (the driver's
// descriptor and DRAM layout), tiled by the tiler and scheduled by the one kernel-free layer
// schedule (hw/ctrl/layer_schedule) driven by the closed forms the tile-fidelity blocks use:
// the DRAM's D(job), the array's gemm_cycles and the PPU tail (ArrayBackend::tile_work).
// Cycles, stalls, tiles, bytes, action counts and energy equal tile fidelity's exactly
// (tests/sim/cli/test_analytic.cpp).
#pragma once

#include "sim/run/pipeline.hpp"

namespace lpsim::sim {

// simulate() of an analytic Prepared (the caller checked the fidelity).
RunResult simulate_analytic(const Prepared& p);

// Shared by both paths of simulate() (sim/run/pipeline.cpp), so the totals are computed in
// one place: the RunResult's description of what ran, and, once `layers` and `records` are
// set, utilization, totals, energy per layer and component, TOPS/W and area.
RunResult result_header(const Prepared& p, bool checked);
void complete_result(RunResult& r, const Prepared& p);

}  // namespace lpsim::sim
