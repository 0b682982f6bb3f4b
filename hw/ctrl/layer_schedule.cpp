// Kernel-free layer schedule: the double-buffered tile recurrence (see layer_schedule.hpp).
#include "hw/ctrl/layer_schedule.hpp"

#include <stdexcept>

namespace lpsim::hw {

ScheduleOptions schedule_options(const LayerDescriptor& layer, const TilePlan& plan, const TilerConfig& cfg) {
  ScheduleOptions o;
  o.prefetch = cfg.wb.double_buffered && cfg.ib.double_buffered;
  o.ob_double_buffered = cfg.ob.double_buffered;
  // One job loads the PPU parameters: the biases and/or the per-channel scales (float32 per
  // output column each).
  const std::uint64_t vectors = ((layer.pp_flags & pp::BIAS) ? 1u : 0u) + ((layer.pp_flags & pp::CHSCALE) ? 1u : 0u);
  o.bias = vectors != 0;
  o.bias_bytes = vectors * plan.shape.groups * plan.shape.n * sizeof(float);
  o.residual = (layer.pp_flags & pp::RESIDUAL) != 0;
  o.explicit_halves = plan.explicit_halves;
  return o;
}

LayerSchedule::LayerSchedule(const std::vector<Tile>& tiles, const ScheduleOptions& opt, SchedTime t0)
    : m_tiles(tiles), m_opt(opt), m_t0(t0), m_dma_free(t0), m_compute_free(t0), m_ob_free{t0, t0} {
  // Buffer halves: a buffer's loads alternate halves (with prefetch; else all use half 0) and a
  // tile reads the half of its latest load; the OB half changes at every first-K tile when the
  // OB is double-buffered (else it is always half 0).
  m_timeline.resize(tiles.size());
  unsigned w = opt.prefetch ? 1u : 0u, in = w, o = opt.ob_double_buffered ? 1u : 0u;
  // With explicit halves the tiler chose them (TilePlan::explicit_halves: every load still goes
  // to the half the previous tile does not read).
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    if (opt.explicit_halves) {
      m_timeline[i].wb_half = tiles[i].wb_half;
      m_timeline[i].ib_half = tiles[i].ib_half;
      m_timeline[i].ob_half = tiles[i].ob_half;
      continue;
    }
    if (tiles[i].load_weights && opt.prefetch) w ^= 1u;
    if (tiles[i].load_inputs && opt.prefetch) in ^= 1u;
    if (tiles[i].first_k && opt.ob_double_buffered) o ^= 1u;
    m_timeline[i].wb_half = w;
    m_timeline[i].ib_half = in;
    m_timeline[i].ob_half = o;
  }
  if (opt.bias) m_queue[m_tail++] = Pending{SchedJob::bias, 0, false};
  turn(0);
  advance();
}

void LayerSchedule::turn(std::size_t i) {
  const std::size_t count = m_tiles.size();
  if (i > 0 && i <= count && m_tiles[i - 1].last_k) m_queue[m_tail++] = Pending{SchedJob::store, i - 1, false};
  if (i < count && i >= m_loaded) load(i);
  if (m_opt.prefetch && i + 1 < count && i + 1 >= m_loaded) load(i + 1);
}

void LayerSchedule::load(std::size_t j) {
  const Tile& t = m_tiles[j];
  TileSchedule& ts = m_timeline[j];
  ts.load_start = ts.load_end = m_compute_free;  // the issue point, kept when nothing is loaded
  bool first = true;
  auto push = [&](SchedJob job) {
    m_queue[m_tail++] = Pending{job, j, first};
    first = false;
  };
  if (t.load_weights) push(SchedJob::weights);
  if (t.load_inputs) push(SchedJob::inputs);
  if (m_opt.residual && t.last_k) push(SchedJob::residual);
  m_loaded = j + 1;
}

void LayerSchedule::advance() {
  SchedStep s;
  if (m_head < m_tail) {
    const Pending& p = m_queue[m_head];
    s.kind = SchedStep::Kind::dma;
    s.job = p.job;
    s.tile = p.tile;
    s.at = std::max(m_dma_free, m_compute_free);
    if (p.job == SchedJob::bias) {
      s.rows = 1;
      s.row_bytes = m_opt.bias_bytes;
      m_step = s;
      return;
    }
    const Tile& t = m_tiles[p.tile];
    switch (p.job) {
      case SchedJob::bias:
        break;
      case SchedJob::weights:
        s.rows = t.weights.rows;
        s.row_bytes = t.weights.row_bytes;
        s.half = m_timeline[p.tile].wb_half;
        break;
      case SchedJob::inputs:
        s.rows = t.inputs.rows;
        s.row_bytes = t.inputs.row_bytes;
        s.half = m_timeline[p.tile].ib_half;
        break;
      case SchedJob::residual:
        s.rows = t.outputs.rows;
        s.row_bytes = t.outputs.row_bytes;
        s.half = static_cast<unsigned>(p.tile % 2);
        break;
      case SchedJob::store:
        s.rows = t.outputs.rows;
        s.row_bytes = t.outputs.row_bytes;
        s.half = m_timeline[p.tile].ob_half;
        break;
    }
  } else if (m_next_tile < m_tiles.size()) {
    const std::size_t i = m_next_tile;
    const TileSchedule& ts = m_timeline[i];
    s.kind = SchedStep::Kind::compute;
    s.tile = i;
    s.at = std::max(ts.load_end, m_compute_free);
    if (m_tiles[i].first_k) s.at = std::max(s.at, m_ob_free[ts.ob_half]);
    s.stall = s.at - m_compute_free;
  }
  m_step = s;
}

void LayerSchedule::complete(SchedTime end, SchedTime post) {
  if (m_step.kind == SchedStep::Kind::done) throw std::logic_error("layer schedule: complete() after the last step");
  if (end < m_step.at) throw std::logic_error("layer schedule: a step ends before it starts");
  if (m_step.kind == SchedStep::Kind::dma) {
    const Pending& p = m_queue[m_head++];
    if (m_head == m_tail) m_head = m_tail = 0;
    m_dma_free = end;
    if (p.job == SchedJob::store) {
      TileSchedule& ts = m_timeline[p.tile];
      ts.store_start = m_step.at;
      ts.store_end = end;
      m_ob_free[ts.ob_half] = end;
    } else if (p.job != SchedJob::bias) {  // a load
      TileSchedule& ts = m_timeline[p.tile];
      if (p.first_load) ts.load_start = m_step.at;
      ts.load_end = end;
    }
  } else {
    TileSchedule& ts = m_timeline[m_step.tile];
    ts.stall = m_step.stall;
    m_stall += ts.stall;
    ts.compute_start = m_step.at;
    ts.compute_end = end;
    ts.post_start = end - post;
    m_compute_free = end;
    turn(++m_next_tile);
  }
  advance();
}

LayerTimeline schedule_layer(const std::vector<Tile>& tiles, const ScheduleOptions& opt,
                             const ScheduleCosts& costs, SchedTime t0) {
  LayerSchedule s(tiles, opt, t0);
  for (;;) {
    const SchedStep& step = s.next();
    if (step.kind == SchedStep::Kind::done) break;
    if (step.kind == SchedStep::Kind::dma) {
      s.complete(step.at + costs.dma(step));
    } else {
      const TileCost c = costs.compute(tiles[step.tile], step.tile);
      s.complete(step.at + c.cycles, c.post);
    }
  }
  LayerTimeline out;
  out.start = s.start();
  out.end = s.end();
  out.stall = s.stall();
  out.tiles = s.take_timeline();
  return out;
}

SchedTime dram_job_cycles(std::uint64_t rows, std::uint64_t row_bytes, const DramTiming& dram) {
  const std::uint64_t b = dram.bytes_per_cycle;
  const std::uint64_t full = row_bytes / dram.burst_bytes, rem = row_bytes % dram.burst_bytes;
  const std::uint64_t per_row = full * ((dram.burst_bytes + b - 1) / b) + (rem + b - 1) / b;
  return dram.latency_cycles + rows * per_row;
}

}  // namespace lpsim::hw
