// `--timing native`: a SCALE-Sim layer run through lpsim's own layer schedule (kernel-free):
// the conv layer as a GEMM, the hardware tiler (hw::plan_tiles) on the cfg's SRAM sizes, the
// array's closed-form GEMM timing (hw::SystolicArray::gemm_cycles), the PPU pass and the
// controller's own layer schedule (hw::LayerSchedule, docs/architecture.md "Layer schedule")
// with a DRAM of cfg Bandwidth bytes/cycle and latency 0. docs/scalesim.md "--timing native".
#pragma once

#include <cstdint>

#include "sim/scalesim/scalesim_config.hpp"
#include "sim/scalesim/topology.hpp"

namespace lpsim::scalesim {

// DMA burst size of the modelled DRAM interface (lpsim's AcceleratorConfig default).
inline constexpr std::uint64_t kNativeBurstBytes = 256;

// One DMA operand's traffic: bytes moved and the cycles [start, stop] of its first/last job.
struct NativeDma {
  std::int64_t bytes = 0, jobs = 0;
  std::int64_t start = 0, stop = -1;  // stop = completion of the last job - 1
};

struct NativeSchedule {
  std::int64_t m = 0, k = 0, n = 0;  // the GEMM: M = E*F, K = R*S*C, N = filters
  std::int64_t tiles = 0;
  std::int64_t total = 0;         // CYCLES: START to the completion of the last store
  std::int64_t stall = 0;         // sum over tiles of S_i - C_{i-1} (first loads included)
  std::int64_t array_cycles = 0;  // sum of gemm_cycles(mt, kt, nt)
  std::int64_t ppu_cycles = 0;    // sum over last-K tiles of mt * ceil(nt / AC)
  std::int64_t compute_start = 0, compute_end = 0;  // S_0 and C_{T-1}
  // Buffer accesses by the backend: per tile WB kt*nt and IB mt*kt bytes read, OB mt*nt
  // accumulators written.
  std::int64_t wb_reads = 0, ib_reads = 0, ob_writes = 0;
  NativeDma weights, inputs, outputs;
};

// Throws lpsim::UserError "layer 'NAME': native timing: ..." when the project cannot run the
// layer (array larger than 1024 x 1024, a dimension over 2^31 - 1, or a minimum tile that does
// not fit a buffer half).
NativeSchedule native_schedule(const ScaleSimConfig& cfg, const Layer& layer);

// D(job) with latency 0: each row is cut into bursts of at most kNativeBurstBytes, each burst
// holds the channel ceil(len / bytes_per_cycle) cycles.
std::int64_t native_dma_cycles(std::uint64_t rows, std::uint64_t row_bytes,
                               std::uint64_t bytes_per_cycle);

}  // namespace lpsim::scalesim
