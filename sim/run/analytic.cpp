// Analytic fidelity (see analytic.hpp).
#include "sim/run/analytic.hpp"

#include <map>
#include <regex>
#include <stdexcept>

#include "hw/array/array_backend.hpp"
#include "hw/common/config_error.hpp"
#include "hw/ctrl/controller.hpp"
#include "hw/ctrl/layer_schedule.hpp"
#include "hw/ctrl/tiler.hpp"
#include "hw/ppu/ppu.hpp"
#include "sw/common/error.hpp"
#include "sw/compiler/layer_code.hpp"
#include "sw/driver/network_runner.hpp"

namespace lpsim::sim {
namespace {

// The accelerator as the analytic model sees it: what the controller, DMA/DRAM, array and PPU
// are configured with in tile fidelity.
struct Device {
  hw::TilerConfig tiler;
  hw::ArrayConfig array;
  hw::PpuConfig ppu;
  hw::DramTiming dram;
  hw::DatapathOptions datapath;
  std::uint64_t pes = 0;
};

// One run of a layer descriptor (what RunRecorder::on_layer_end records for it).
LayerRecord time_layer(const hw::LayerDescriptor& d, const Device& dev, const std::string& name) {
  LayerRecord rec;
  rec.mode = static_cast<int>(d.mode);
  rec.is_int = d.fmt_a.family == hw::FormatFamily::int_;
  rec.pe_type = static_cast<int>(hw::ArrayBackend::pe_type_of(d));
  rec.wb_halves = dev.tiler.wb.double_buffered ? 2 : 1;
  rec.ib_halves = dev.tiler.ib.double_buffered ? 2 : 1;
  hw::ArrayConfig ac;
  hw::TilerConfig tiler = dev.tiler;
  hw::TilePlan plan;
  hw::PpuOps ops;
  // What the controller checks at START, with its error codes (1: the descriptor, the PE type
  // or the PPU flags; 2: no tile fits), and the message a tile-fidelity run gives for them
  // (prepare() has already checked that every layer tiles).
  auto device_error = [&](int code, const std::exception& e) {
    return UserError("layer '" + name + "': the accelerator reported error " +
                     std::to_string(code) + ": " + e.what());
  };
  try {
    d.validate();
    tiler.psum_bytes = hw::ArrayBackend::psum_bytes_for(dev.array, d, dev.datapath);
    ac = hw::ArrayBackend::array_config(dev.array, d, dev.datapath);
    ops = hw::PpuOps::from_flags(d.pp_flags, d.pp_scale);
  } catch (const std::exception& e) {
    throw device_error(1, e);
  }
  try {
    plan = hw::plan_tiles(d, tiler);
  } catch (const hw::ConfigError& e) {
    throw device_error(2, e);
  }
  const std::vector<hw::Tile>& tiles = plan.tiles;
  std::vector<hw::ArrayBackend::TileWork> work(tiles.size());
  for (std::size_t i = 0; i < tiles.size(); ++i)
    work[i] = hw::ArrayBackend::tile_work(ac, dev.ppu, ops, d, tiles[i], tiler.psum_bytes);

  energy::ActionCounts& c = rec.counts;
  hw::ScheduleCosts costs;
  costs.dma = [&](const hw::SchedStep& s) {
    const std::uint64_t bytes = s.rows * s.row_bytes;
    switch (s.job) {
      case hw::SchedJob::bias:
      case hw::SchedJob::residual:
        c.dram_read_bytes += bytes;
        break;
      case hw::SchedJob::weights:
        c.dram_read_bytes += bytes;
        c.wb.write_bytes += bytes;
        break;
      case hw::SchedJob::inputs:
        c.dram_read_bytes += bytes;
        c.ib.write_bytes += bytes;
        break;
      case hw::SchedJob::store:
        c.dram_write_bytes += bytes;
        c.ob.read_bytes += bytes;
        break;
    }
    return hw::dram_job_cycles(s.rows, s.row_bytes, dev.dram);
  };
  costs.compute = [&](const hw::Tile&, std::size_t i) {
    return hw::TileCost{work[i].cycles(), work[i].ppu.cycles};
  };
  const hw::LayerTimeline tl =
      hw::schedule_layer(tiles, hw::schedule_options(d, plan, tiler), costs);
  rec.cycles = tl.end - tl.start;
  rec.stall_cycles = tl.stall;
  rec.tile_count = tiles.size();

  hw::ArrayStats a;
  hw::PpuStats p;
  for (const hw::ArrayBackend::TileWork& t : work) {
    rec.compute_cycles += t.cycles();
    a.word_macs += t.array.word_macs;
    a.lane_macs += t.array.lane_macs;
    a.stationary_words += t.array.stationary_words;
    a.streamed_words += t.array.streamed_words;
    p.bias_adds += t.ppu.bias_adds;
    p.residual_adds += t.ppu.residual_adds;
    p.activations += t.ppu.activations;
    p.scale_muls += t.ppu.scale_muls;
    p.encodes += t.ppu.encodes;
    c.wb.read_bytes += t.wb_read;
    c.ib.read_bytes += t.ib_read;
    c.ob.read_bytes += t.ob_read;
    c.ob.write_bytes += t.ob_write;
  }
  // As RunRecorder::on_layer_end counts them from the block stats.
  c.mac(energy::mac_kind(hw::to_string(hw::PeType(rec.pe_type)), d.mode)) = a.lane_macs;
  c.decoder_words = a.streamed_words + a.stationary_words;
  c.encoder_words = p.encodes;
  const std::uint64_t operand_bytes = d.dataflow == hw::Dataflow::os ? 2 : 1;
  c.pe_reg_write_bytes = a.word_macs * (operand_bytes + tiler.psum_bytes) + a.stationary_words;
  c.wb.size_bytes = dev.tiler.wb.capacity_bytes;
  c.ib.size_bytes = dev.tiler.ib.capacity_bytes;
  c.ob.size_bytes = dev.tiler.ob.capacity_bytes;
  c.ppu_adds = p.bias_adds + p.residual_adds;
  c.ppu_mults = p.scale_muls;
  c.ppu_activations = p.activations;
  c.leakage_pe_cycles = rec.cycles * dev.pes;
  return rec;
}

// A format as the analytic run names it: a fitted one (int without a scale) has no scale
// without values, so it is named by its width only ("int<8>", which parses back to the same
// fitted format), an LP sf `auto` keeps `auto`; the hardware fields that timing and counts
// use (family, n, es, rs; the accumulator width does not depend on sf) are the same.
struct AnalyticFormat {
  compiler::HwFormat hw;
  std::string name;
};

// `mode`: the layer's MODE for an operand (a narrower one is stored at that width), 0 for outputs.
const AnalyticFormat& format_of(std::map<std::string, AnalyticFormat>& cache,
                                const std::string& text, int mode = 0) {
  const std::string key = text + "@" + std::to_string(mode);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  AnalyticFormat f;
  f.hw = compiler::hw_format(text, {}, mode);
  f.name = f.hw.format->name();
  const float one = 1.0f, big = 1000.0f;
  if (f.hw.is_int &&
      compiler::hw_format(text, {one}).scale != compiler::hw_format(text, {big}).scale)
    f.name =
        std::regex_replace(f.name, std::regex("^int<([0-9]+),[^>]*>"), "int<$1>");  // (keeps "@8")
  // An LP sf `auto` is chosen on values (compiler::resolve_auto_sf, not run): parsed as sf 0,
  // named with `auto` ("lp<4,0,2,auto>", "lp<4,0,2,auto>@8").
  if (compiler::is_auto_sf(text)) {
    const std::size_t at = f.name.find(",0>");
    if (at != std::string::npos) f.name.replace(at, 3, ",auto>");
  }
  return cache.emplace(key, std::move(f)).first->second;
}

}  // namespace

RunResult simulate_analytic(const Prepared& p) {
  const Workload& w = p.workload;
  const model::Graph& graph = *p.graph;
  const hw::AcceleratorConfig& cfg = p.config;
  Device dev;
  dev.tiler = cfg.controller().tiler;
  dev.array = cfg.array();
  dev.ppu = cfg.ppu();
  dev.dram = hw::DramTiming{cfg.dram_bytes_per_cycle, cfg.dram_latency_cycles, cfg.dma_burst_bytes};
  dev.datapath = cfg.datapath;
  dev.pes = static_cast<std::uint64_t>(cfg.rows) * static_cast<std::uint64_t>(cfg.cols);
  driver::DeviceInfo info;
  info.dram_bytes = cfg.dram_bytes;
  info.lin_frac_bits = cfg.datapath.lin_frac_bits;

  RunResult r = result_header(p, false);
  std::map<std::string, AnalyticFormat> formats;
  std::uint64_t now = 0;  // device time: the layers back to back (no host time in between)
  for (const compiler::Step& step : p.program.steps) {
    if (!step.compute) continue;
    const compiler::ComputeStep& s = step.layer;
    const AnalyticFormat& fa = format_of(formats, s.act_format, s.mode);
    const AnalyticFormat& fw = format_of(formats, s.wgt_format, s.mode);
    const AnalyticFormat& fo = format_of(formats, s.out_format);
    hw::LayerDescriptor d = compiler::layer_descriptor(graph, s, fa.hw, fw.hw, fo.hw, w.dataflow);
    driver::place_layer(d, compiler::layer_regions(graph, s, fa.hw, fw.hw, fo.hw), s.node->name,
                        info);
    driver::LayerResult l = driver::describe_layer(graph, s, fa.hw, fw.hw, fo.hw);
    l.act_format = fa.name;
    l.wgt_format = fw.name;
    l.out_format = fo.name;
    // Every run of a layer would be the same descriptor at other addresses: the same plan,
    // schedule and counts (RunRecorder::merge_runs sums them). Today every layer is one run (a
    // batched on-chip conv is one descriptor).
    LayerRecord rec = time_layer(d, dev, s.node->name);
    const std::uint64_t runs = l.runs;
    rec.cycles *= runs;
    rec.compute_cycles *= runs;
    rec.stall_cycles *= runs;
    rec.tile_count *= runs;
    energy::ActionCounts one = rec.counts;
    for (std::uint64_t i = 1; i < runs; ++i) rec.counts += one;
    rec.start = now;
    rec.end = now += rec.cycles;
    r.layers.push_back(std::move(l));
    r.records.push_back(std::move(rec));
  }
  complete_result(r, p);
  r.accuracy = Accuracy{};
  r.verified = false;
  return r;
}

}  // namespace lpsim::sim
