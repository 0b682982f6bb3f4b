// `--timing native`: lpsim's layer schedule for a SCALE-Sim layer (see native_model.hpp).
#include "sim/scalesim/native_model.hpp"

#include <limits>
#include <string>
#include <vector>

#include "hw/array/array_backend.hpp"
#include "hw/array/systolic_array.hpp"
#include "hw/common/config_error.hpp"
#include "hw/ctrl/layer_schedule.hpp"
#include "hw/ctrl/tiler.hpp"
#include "sw/common/error.hpp"

namespace lpsim::scalesim {

namespace {

hw::Dataflow hw_dataflow(Dataflow df) {
  switch (df) {
    case Dataflow::os:
      return hw::Dataflow::os;
    case Dataflow::ws:
      return hw::Dataflow::ws;
    case Dataflow::is:
      return hw::Dataflow::is;
  }
  return hw::Dataflow::ws;
}

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

// OB accumulator bytes for LP<8,2,3,0> x LP<8,2,3,0> in MODE 8 (the same for every layer and
// array shape): computed once.
unsigned psum_bytes(const hw::ArrayConfig& base, const hw::LayerDescriptor& desc) {
  static const unsigned bytes = hw::ArrayBackend::psum_bytes_for(base, desc, hw::DatapathOptions{});
  return bytes;
}

}  // namespace

std::int64_t native_dma_cycles(std::uint64_t rows, std::uint64_t row_bytes,
                               std::uint64_t bytes_per_cycle) {
  return static_cast<std::int64_t>(
      hw::dram_job_cycles(rows, row_bytes, hw::DramTiming{bytes_per_cycle, 0, kNativeBurstBytes}));
}

NativeSchedule native_schedule(const ScaleSimConfig& cfg, const Layer& layer) {
  NativeSchedule s;
  s.m = layer.ofmap_px();
  s.k = layer.window();
  s.n = layer.num_filters;
  const auto fail = [&](const std::string& what) {
    return UserError("layer '" + layer.name + "': native timing: " + what);
  };
  constexpr std::int64_t kMaxDim = std::numeric_limits<std::int32_t>::max();
  if (s.m > kMaxDim || s.k > kMaxDim || s.n > kMaxDim)
    throw fail("GEMM " + std::to_string(s.m) + " x " + std::to_string(s.k) + " x " +
               std::to_string(s.n) + " has a dimension over 2^31 - 1");

  hw::LayerDescriptor desc;  // formats lp<8,2,3,0> (defaults), no post-processing
  desc.op = hw::LayerOp::gemm;
  desc.m = static_cast<std::uint32_t>(s.m);
  desc.k = static_cast<std::uint32_t>(s.k);
  desc.n = static_cast<std::uint32_t>(s.n);
  desc.mode = 8;  // one byte per word, as SCALE-Sim
  desc.dataflow = hw_dataflow(cfg.dataflow);

  hw::TilePlan plan;
  hw::ArrayConfig acfg;
  try {
    if (cfg.array_height > 1024 || cfg.array_width > 1024)
      throw hw::ConfigError("array " + std::to_string(cfg.array_height) + " x " +
                            std::to_string(cfg.array_width) + " exceeds lpsim's 1024 x 1024");
    hw::ArrayConfig base;
    base.rows = static_cast<int>(cfg.array_height);
    base.cols = static_cast<int>(cfg.array_width);
    base.dataflow = desc.dataflow;
    acfg = hw::ArrayBackend::array_config(base, desc, hw::DatapathOptions{});
    hw::TilerConfig tc;
    tc.array_rows = static_cast<unsigned>(cfg.array_height);
    tc.array_cols = static_cast<unsigned>(cfg.array_width);
    tc.wb.capacity_bytes = static_cast<std::uint64_t>(cfg.filter_sram_kb) * 1024;
    tc.ib.capacity_bytes = static_cast<std::uint64_t>(cfg.ifmap_sram_kb) * 1024;
    tc.ob.capacity_bytes = static_cast<std::uint64_t>(cfg.ofmap_sram_kb) * 1024;
    tc.psum_bytes = psum_bytes(base, desc);
    plan = hw::plan_tiles(desc, tc);
  } catch (const hw::ConfigError& e) {
    throw fail(e.what());
  }

  // The controller's schedule (hw::LayerSchedule, docs/architecture.md "Layer schedule") with
  // no bias and no residual, WB/IB/OB double-buffered (prefetch), t0 = 0, driven by closed
  // forms: the DRAM at the cfg bandwidth with latency 0, the array's gemm_cycles and the PPU.
  const std::vector<hw::Tile>& tiles = plan.tiles;
  s.tiles = static_cast<std::int64_t>(tiles.size());
  const std::uint64_t bw = static_cast<std::uint64_t>(cfg.bandwidth.front());
  const std::uint64_t ac = static_cast<std::uint64_t>(cfg.array_width);
  hw::ScheduleCosts costs;
  costs.dma = [&](const hw::SchedStep& step) {
    NativeDma& op = step.job == hw::SchedJob::weights  ? s.weights
                    : step.job == hw::SchedJob::inputs ? s.inputs
                                                       : s.outputs;
    const std::int64_t d = native_dma_cycles(step.rows, step.row_bytes, bw);
    const std::int64_t at = static_cast<std::int64_t>(step.at);
    if (op.jobs == 0) op.start = at;
    op.stop = at + d - 1;
    ++op.jobs;
    op.bytes += static_cast<std::int64_t>(step.rows * step.row_bytes);
    return static_cast<hw::SchedTime>(d);
  };
  costs.compute = [&](const hw::Tile& t, std::size_t) {
    // MODE 8: one element per word, so the array's Kw is kt.
    const std::uint64_t a = hw::SystolicArray::gemm_cycles(
        acfg, static_cast<int>(t.mt), static_cast<int>(t.kt), static_cast<int>(t.nt));
    const std::uint64_t ppu = t.last_k ? t.mt * ceil_div(t.nt, ac) : 0;
    s.array_cycles += static_cast<std::int64_t>(a);
    s.ppu_cycles += static_cast<std::int64_t>(ppu);
    s.wb_reads += static_cast<std::int64_t>(t.kt * t.nt);
    s.ib_reads += static_cast<std::int64_t>(t.mt * t.kt);
    s.ob_writes += static_cast<std::int64_t>(t.mt * t.nt);
    return hw::TileCost{a + ppu, ppu};
  };
  const hw::LayerTimeline tl = hw::schedule_layer(tiles, hw::ScheduleOptions{}, costs);
  s.stall = static_cast<std::int64_t>(tl.stall);
  if (!tl.tiles.empty()) {
    s.compute_start = static_cast<std::int64_t>(tl.tiles.front().compute_start);
    s.compute_end = static_cast<std::int64_t>(tl.tiles.back().compute_end);
  }
  s.total = static_cast<std::int64_t>(tl.end);
  return s;
}

}  // namespace lpsim::scalesim
