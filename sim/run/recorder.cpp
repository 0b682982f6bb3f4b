// RunRecorder: block-stat deltas -> per-layer action counts, tile timeline, PE samples, progress.
#include "sim/run/recorder.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace lpsim::sim {

// Block stats at the end of the previous layer (counts are the differences).
struct RunRecorder::Snapshot {
  hw::ArrayStats array;
  hw::PpuStats ppu;
  hw::SramBufferStats wb, ib, ob;
  hw::DmaStats dma;
  hw::ControllerStats ctrl;
};

RunRecorder::RunRecorder(hw::Accelerator& acc, Options opt)
    : m_acc(acc),
      m_opt(opt),
      m_prev(std::make_unique<Snapshot>()),
      m_wall0(std::chrono::steady_clock::now()) {
  m_acc.i_ctrl.set_layer_observer([this](const hw::LayerEnd& e) { on_layer_end(e); });
  if (m_opt.probe)
    m_acc.i_array.set_step_observer([this](const hw::SystolicArray& c) { on_step(c); });
}

RunRecorder::~RunRecorder() {
  m_acc.i_ctrl.set_layer_observer(nullptr);
  m_acc.i_array.set_step_observer(nullptr);
}

std::uint64_t RunRecorder::cycle_of(const sc_core::sc_time& t) const {
  return static_cast<std::uint64_t>(std::llround(t / m_acc.clock_period()));
}

void RunRecorder::on_layer_end(const hw::LayerEnd& e) {
  const hw::LayerDescriptor& d = *e.layer;
  LayerRecord rec;
  rec.start = cycle_of(e.start);
  rec.end = cycle_of(e.end);
  rec.cycles = static_cast<std::uint64_t>((e.end - e.start) / m_acc.clock_period());  // the CYCLES register
  rec.mode = static_cast<int>(d.mode);
  rec.is_int = d.fmt_a.family == hw::FormatFamily::int_;
  rec.pe_type = static_cast<int>(hw::ArrayBackend::pe_type_of(d));
  rec.wb_halves = m_acc.i_ctrl.wb().config().double_buffered ? 2 : 1;
  rec.ib_halves = m_acc.i_ctrl.ib().config().double_buffered ? 2 : 1;
  for (const hw::TileTiming& t : m_acc.i_ctrl.last_timeline()) {
    TileSpan s;
    s.load_start = cycle_of(t.load_start);
    s.load_end = cycle_of(t.load_end);
    s.compute_start = cycle_of(t.compute_start);
    s.post_start = cycle_of(t.post_start);
    s.compute_end = cycle_of(t.compute_end);
    s.has_store = t.last_k && t.store_bytes > 0;
    if (s.has_store) {
      s.store_start = cycle_of(t.store_start);
      s.store_end = cycle_of(t.store_end);
    }
    s.load_bytes = t.load_bytes;
    s.store_bytes = t.store_bytes;
    s.wb_bytes = t.wb_bytes;
    s.ib_bytes = t.ib_bytes;
    s.macs = t.macs;
    rec.tiles.push_back(s);
  }

  // Action counts from the block stats (docs/outputs.md, "Action counts").
  Snapshot now;
  now.array = m_acc.backend().stats().array;
  now.ppu = m_acc.backend().ppu_stats();
  now.wb = m_acc.i_ctrl.wb().stats();
  now.ib = m_acc.i_ctrl.ib().stats();
  now.ob = m_acc.i_ctrl.ob().stats();
  now.dma = m_acc.i_ctrl.i_dma.stats();
  now.ctrl = m_acc.i_ctrl.stats();
  const Snapshot& p = *m_prev;
  rec.compute_cycles = now.ctrl.compute_cycles - p.ctrl.compute_cycles;
  rec.stall_cycles = now.ctrl.stall_cycles - p.ctrl.stall_cycles;
  rec.tile_count = now.ctrl.tiles - p.ctrl.tiles;
  energy::ActionCounts& c = rec.counts;
  const std::uint64_t word_macs = now.array.word_macs - p.array.word_macs;
  const std::uint64_t stationary = now.array.stationary_words - p.array.stationary_words;
  if (e.error == hw::ErrorCode::none)
    c.mac(energy::mac_kind(hw::to_string(hw::PeType(rec.pe_type)), static_cast<unsigned>(rec.mode))) =
        now.array.lane_macs - p.array.lane_macs;
  c.decoder_words = (now.array.streamed_words - p.array.streamed_words) + stationary;
  // The PPU's encode step is the unified LP encoder: charged once, as `encoder`.
  c.encoder_words = now.ppu.encodes - p.ppu.encodes;
  // Register writes per useful PE-cycle: the moving operand register(s) (ws/is: one word;
  // os: both) and the partial-sum register (the layer's accumulator width); plus one byte per
  // stationary word preloaded into a PE.
  const std::uint64_t operand_bytes = d.dataflow == hw::Dataflow::os ? 2 : 1;
  const std::uint64_t psum_bytes =
      e.error == hw::ErrorCode::none ? m_acc.backend().psum_bytes(d) : 0;
  c.pe_reg_write_bytes = word_macs * (operand_bytes + psum_bytes) + stationary;
  const auto traffic = [](const hw::SramBuffer& b, const hw::SramBufferStats& n,
                          const hw::SramBufferStats& o) {
    return energy::BufferTraffic{b.config().capacity_bytes, n.bytes_read - o.bytes_read,
                                 n.bytes_written - o.bytes_written};
  };
  c.wb = traffic(m_acc.i_ctrl.wb(), now.wb, p.wb);
  c.ib = traffic(m_acc.i_ctrl.ib(), now.ib, p.ib);
  c.ob = traffic(m_acc.i_ctrl.ob(), now.ob, p.ob);
  // The accelerator's own DRAM traffic (its DMA); the host's writes are not accelerator energy.
  c.dram_read_bytes = now.dma.bytes_read - p.dma.bytes_read;
  c.dram_write_bytes = now.dma.bytes_written - p.dma.bytes_written;
  c.ppu_adds =
      (now.ppu.bias_adds - p.ppu.bias_adds) + (now.ppu.residual_adds - p.ppu.residual_adds);
  c.ppu_mults = now.ppu.scale_muls - p.ppu.scale_muls;
  c.ppu_activations = now.ppu.activations - p.ppu.activations;
  c.ppu_encodes = 0;
  const auto& cfg = m_acc.config();
  c.leakage_pe_cycles = (rec.end - rec.start) * static_cast<std::uint64_t>(cfg.rows) *
                        static_cast<std::uint64_t>(cfg.cols);
  *m_prev = now;

  m_tiles_done += rec.tiles.size();
  for (const TileSpan& s : rec.tiles) m_macs_done += s.macs;
  m_layers.push_back(std::move(rec));
  if (m_opt.progress) progress();
}

void RunRecorder::merge_runs(const std::vector<std::uint32_t>& runs) {
  std::vector<LayerRecord> merged;
  std::size_t next = 0;
  for (const std::uint32_t n : runs) {
    if (n == 0 || next + n > m_layers.size()) return;  // counts disagree: left for the caller's check
    LayerRecord rec = std::move(m_layers[next]);
    for (std::size_t j = next + 1; j < next + n; ++j) {
      LayerRecord& o = m_layers[j];
      rec.end = o.end;
      rec.cycles += o.cycles;
      rec.compute_cycles += o.compute_cycles;
      rec.stall_cycles += o.stall_cycles;
      rec.tile_count += o.tile_count;
      rec.tiles.insert(rec.tiles.end(), o.tiles.begin(), o.tiles.end());
      rec.counts += o.counts;
    }
    merged.push_back(std::move(rec));
    next += n;
  }
  if (next != m_layers.size()) return;
  m_layers = std::move(merged);
}

void RunRecorder::on_step(const hw::SystolicArray& core) {
  const PeProbe& pr = *m_opt.probe;
  const std::uint64_t cyc = cycle_of(sc_core::sc_time_stamp());
  if (pr.layer < 0) {
    if (cyc < pr.start || cyc >= pr.end) return;
  } else {
    // One array job per tile: the tile of the running layer is the count of jobs completed
    // since the layer's first step.
    const std::size_t layer = m_opt.network_layer ? m_opt.network_layer() : m_layers.size();
    const std::size_t done = m_acc.i_array.completed();
    if (layer != m_probe_layer) {
      m_probe_layer = layer;
      m_probe_tile_base = done;
    }
    if (layer != static_cast<std::size_t>(pr.layer)) return;
    if (pr.tile >= 0 && done - m_probe_tile_base != static_cast<std::size_t>(pr.tile)) return;
  }
  if (m_samples.size() >= pr.max_samples) return;
  PeSample s;
  s.cycle = cyc;
  s.mode = core.config().pe.mode;
  s.lsb_exp = core.lsb_exp();
  s.pes.reserve(static_cast<std::size_t>(pr.rows * pr.cols));
  for (int r = 0; r < pr.rows; ++r)
    for (int c = 0; c < pr.cols; ++c) s.pes.push_back(core.pe_state(r, c));
  m_samples.push_back(std::move(s));
}

void RunRecorder::progress() {
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m_wall0).count();
  if (wall < 1.0) return;
  std::ostringstream line;
  line << "\rlpsim: " << m_layers.size() << "/" << m_opt.total_layers << " layers, " << m_tiles_done
       << " tiles, " << static_cast<std::uint64_t>(static_cast<double>(m_tiles_done) / wall)
       << " tiles/s";
  if (m_macs_done > 0 && m_opt.total_macs > m_macs_done) {
    const double eta = wall * static_cast<double>(m_opt.total_macs - m_macs_done) /
                       static_cast<double>(m_macs_done);
    line << ", ETA " << static_cast<std::uint64_t>(std::ceil(eta)) << " s";
  }
  line << "\033[K";
  std::cerr << line.str() << std::flush;
  m_progress_shown = true;
}

void RunRecorder::finish_progress() {
  if (m_progress_shown) std::cerr << "\r\033[K" << std::flush;
  m_progress_shown = false;
}

}  // namespace lpsim::sim
