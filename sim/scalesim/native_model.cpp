// `--timing native`: lpsim's layer schedule for a SCALE-Sim layer (see native_model.hpp).
#include "sim/scalesim/native_model.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "hw/array/array_backend.hpp"
#include "hw/array/systolic_array.hpp"
#include "hw/common/config_error.hpp"
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
  const std::uint64_t full = row_bytes / kNativeBurstBytes, rem = row_bytes % kNativeBurstBytes;
  const std::uint64_t per_row = full * ceil_div(kNativeBurstBytes, bytes_per_cycle) +
                                (rem ? ceil_div(rem, bytes_per_cycle) : 0);
  return static_cast<std::int64_t>(rows * per_row);
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

  // The controller's schedule (hw/ctrl/controller.cpp, docs/architecture.md "Layer schedule")
  // with no bias and no residual, WB/IB/OB double-buffered (prefetch), t0 = 0.
  const std::vector<hw::Tile>& tiles = plan.tiles;
  const std::size_t count = tiles.size();
  s.tiles = static_cast<std::int64_t>(count);
  const std::uint64_t bw = static_cast<std::uint64_t>(cfg.bandwidth.front());
  const std::int64_t ac = cfg.array_width;
  std::int64_t dma_free = 0;
  auto issue = [&](const hw::DmaJob& job, std::int64_t not_before, NativeDma& op) {
    const std::int64_t at = std::max(dma_free, not_before);
    dma_free = at + native_dma_cycles(job.rows, job.row_bytes, bw);
    if (op.jobs == 0) op.start = at;
    op.stop = dma_free - 1;
    ++op.jobs;
    op.bytes += static_cast<std::int64_t>(job.total_bytes());
    return dma_free;
  };
  std::vector<std::int64_t> load_end(count, 0);
  std::vector<bool> loaded(count, false);
  auto load = [&](std::size_t j, std::int64_t not_before) {
    load_end[j] = not_before;
    if (tiles[j].load_weights) load_end[j] = issue(tiles[j].weights, not_before, s.weights);
    if (tiles[j].load_inputs) load_end[j] = issue(tiles[j].inputs, not_before, s.inputs);
    loaded[j] = true;
  };
  // OB halves: the half changes at every first-K tile.
  std::vector<unsigned> ohalf(count);
  for (std::size_t i = 0, o = 1; i < count; ++i) {
    if (tiles[i].first_k) o ^= 1u;
    ohalf[i] = static_cast<unsigned>(o);
  }
  std::int64_t ob_free[2] = {0, 0};
  if (count > 0) load(0, 0);
  std::int64_t c_prev = 0;  // C_{i-1}
  for (std::size_t i = 0; i < count; ++i) {
    const hw::Tile& t = tiles[i];
    if (i > 0 && tiles[i - 1].last_k) ob_free[ohalf[i - 1]] = issue(tiles[i - 1].outputs, c_prev, s.outputs);
    if (!loaded[i]) load(i, c_prev);
    if (i + 1 < count) load(i + 1, c_prev);
    std::int64_t begin = std::max(load_end[i], c_prev);
    if (t.first_k) begin = std::max(begin, ob_free[ohalf[i]]);
    s.stall += begin - c_prev;
    if (i == 0) s.compute_start = begin;
    // MODE 8: one element per word, so the array's Kw is kt.
    const std::int64_t a = static_cast<std::int64_t>(hw::SystolicArray::gemm_cycles(
        acfg, static_cast<int>(t.mt), static_cast<int>(t.kt), static_cast<int>(t.nt)));
    const std::int64_t ppu =
        t.last_k ? static_cast<std::int64_t>(t.mt * ceil_div(t.nt, static_cast<std::uint64_t>(ac))) : 0;
    s.array_cycles += a;
    s.ppu_cycles += ppu;
    c_prev = begin + a + ppu;
    s.wb_reads += static_cast<std::int64_t>(t.kt * t.nt);
    s.ib_reads += static_cast<std::int64_t>(t.mt * t.kt);
    s.ob_writes += static_cast<std::int64_t>(t.mt * t.nt);
  }
  if (count > 0 && tiles.back().last_k) issue(tiles.back().outputs, c_prev, s.outputs);
  s.compute_end = c_prev;
  s.total = std::max(c_prev, dma_free);
  return s;
}

}  // namespace lpsim::scalesim
