// Layer controller: register transport, interrupt line, and the tile loop.
#include "hw/ctrl/controller.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "hw/common/config_error.hpp"
#include "hw/ctrl/layer_schedule.hpp"
#include "hw/mem/mem_tlm.hpp"

namespace lpsim::hw {

void ControllerConfig::validate() const {
  if (!(clock_period_ns > 0)) throw ConfigError("controller: clock_period_ns must be > 0");
  tiler.validate();
  dma.validate();
}

Controller::Controller(const sc_core::sc_module_name& name, const ControllerConfig& cfg)
    : sc_module(name),
      i_dma("i_dma", cfg.dma),
      m_cfg(cfg),
      m_period(cfg.clock_period_ns, sc_core::SC_NS),
      m_wb(cfg.tiler.wb),
      m_ib(cfg.tiler.ib),
      m_ob(cfg.tiler.ob) {
  m_cfg.validate();
  tsock.register_b_transport(this, &Controller::b_transport);
  tsock.register_transport_dbg(this, &Controller::transport_dbg);
  SC_HAS_PROCESS(Controller);
  SC_THREAD(execute);
  SC_METHOD(drive_irq);
  sensitive << m_irq_ev;
}

void Controller::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  // The command first: a value TLM-2.0 does not define is a command error, and an ignore
  // command (which may come without data) is answered OK without effect or delay.
  if (!gp.is_read() && !gp.is_write()) {
    gp.set_response_status(gp.get_command() == tlm::TLM_IGNORE_COMMAND ? tlm::TLM_OK_RESPONSE
                                                                       : tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  if (gp.get_data_length() != 4 || gp.get_streaming_width() != 4 || gp.get_data_ptr() == nullptr) {
    gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  if (gp.get_byte_enable_ptr() != nullptr) {
    gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  const auto addr = gp.get_address();
  if (addr >= regs::kWindowBytes) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const auto off = static_cast<std::uint32_t>(addr);
  MemStatus st = MemStatus::ok;
  if (gp.is_read()) {
    std::uint32_t v = 0;
    st = m_regs.read(off, v);
    if (st == MemStatus::ok) std::memcpy(gp.get_data_ptr(), &v, 4);
  } else {
    std::uint32_t v = 0;
    std::memcpy(&v, gp.get_data_ptr(), 4);
    st = m_regs.write(off, v);
    if (st == MemStatus::ok) {
      if (m_regs.start_pending()) m_start_ev.notify(sc_core::SC_ZERO_TIME);
      m_irq_ev.notify(sc_core::SC_ZERO_TIME);
    }
  }
  if (st == MemStatus::ok) delay += m_period * static_cast<double>(m_cfg.reg_access_cycles);
  gp.set_response_status(to_tlm(st));
}

unsigned Controller::transport_dbg(tlm::tlm_generic_payload& gp) {
  // Debug reads only (no side effects); whole aligned registers.
  if (!gp.is_read() || gp.get_data_ptr() == nullptr) return 0;
  unsigned done = 0;
  for (; done + 4 <= gp.get_data_length(); done += 4) {
    std::uint32_t v = 0;
    const auto off = gp.get_address() + done;
    if (off >= regs::kWindowBytes) break;
    ControllerStats saved = m_regs.stats();
    const MemStatus st = m_regs.read(static_cast<std::uint32_t>(off), v);
    m_regs.stats() = saved;
    if (st != MemStatus::ok) break;
    std::memcpy(gp.get_data_ptr() + done, &v, 4);
  }
  return done;
}

void Controller::drive_irq() { irq_o.write(m_regs.irq_line()); }

void Controller::execute() {
  for (;;) {
    sc_core::wait(m_start_ev);
    if (!m_regs.take_start()) continue;
    m_regs.begin_layer();
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    const ErrorCode err = run_layer();
    const auto cycles = static_cast<std::uint64_t>((sc_core::sc_time_stamp() - start) / m_period);
    if (m_layer_observer) {
      const LayerDescriptor layer = m_regs.descriptor();
      m_layer_observer(LayerEnd{&layer, start, sc_core::sc_time_stamp(), err});
    }
    m_regs.end_layer(err, cycles);
    m_irq_ev.notify(sc_core::SC_ZERO_TIME);
  }
}

ErrorCode Controller::run_layer() {
  m_last_error.clear();
  m_plan = TilePlan{};
  m_timeline.clear();
  const LayerDescriptor layer = m_regs.descriptor();
  try {
    layer.validate();
  } catch (const ConfigError& e) {
    m_last_error = e.what();
    return ErrorCode::bad_descriptor;
  }
  if (m_backend == nullptr) {
    // A top level that starts layers without an array is miswired.
    SC_REPORT_ERROR("lpsim/ctrl", (std::string(name()) + ": no compute backend attached").c_str());
    m_last_error = "no compute backend";
    return ErrorCode::backend_error;
  }
  TilerConfig tiler = m_cfg.tiler;
  try {
    // A descriptor can be valid yet ask for what the backend cannot run (a PE type it lacks).
    if (const unsigned pb = m_backend->psum_bytes(layer)) tiler.psum_bytes = pb;
    m_backend->begin_layer(layer);
  } catch (const std::exception& e) {
    m_last_error = e.what();
    return ErrorCode::bad_descriptor;
  }
  try {
    m_plan = plan_tiles(layer, tiler);
  } catch (const ConfigError& e) {
    m_last_error = e.what();
    return ErrorCode::no_fit;
  }
  auto& st = m_regs.stats();
  const std::vector<Tile>& tiles = m_plan.tiles;
  const std::size_t count = tiles.size();
  using sc_core::sc_time;
  using sc_core::sc_time_stamp;

  // The schedule (docs/architecture.md, "Layer schedule") is the kernel-free LayerSchedule: it
  // says which DMA job or compute comes next and when it may start; this thread performs each
  // step with the real DMA (Dma::run_at: data moves when the job is issued, the DRAM gives its
  // completion) and backend, waits in simulated time until each compute may start, and reports
  // the real end times back. Times are sc_time values (ticks of the time resolution).
  const ScheduleOptions opt = schedule_options(layer, m_plan, tiler);
  LayerSchedule sched(tiles, opt, sc_time_stamp().value());
  auto time_of = [](SchedTime t) { return sc_time::from_value(t); };
  m_timeline.assign(count, TileTiming{});
  m_bias.clear();
  m_scales.clear();
  std::vector<std::uint8_t> bias_raw, resid[2];
  // Per tile, the timeline's times come from the schedule (also when the layer fails).
  struct CopyTimes {
    std::vector<TileTiming>& out;
    const LayerSchedule& s;
    ~CopyTimes() {
      for (std::size_t i = 0; i < out.size(); ++i) {
        const TileSchedule& t = s.tile(i);
        TileTiming& tt = out[i];
        tt.load_start = sc_time::from_value(t.load_start);
        tt.load_end = sc_time::from_value(t.load_end);
        tt.compute_start = sc_time::from_value(t.compute_start);
        tt.compute_end = sc_time::from_value(t.compute_end);
        tt.post_start = sc_time::from_value(t.post_start);
        tt.store_start = sc_time::from_value(t.store_start);
        tt.store_end = sc_time::from_value(t.store_end);
      }
    }
  } copy_times{m_timeline, sched};

  for (;;) {
    const SchedStep step = sched.next();
    if (step.kind == SchedStep::Kind::done) break;
    const sc_time at = time_of(step.at);
    if (at < sc_time_stamp()) {
      SC_REPORT_ERROR("lpsim/ctrl", (std::string(name()) + ": layer schedule step in the past").c_str());
      m_last_error = "layer schedule step in the past";
      return ErrorCode::backend_error;
    }
    if (step.kind == SchedStep::Kind::dma) {
      // (the bias job belongs to no tile: the plan may have none)
      const bool of_tile = step.job != SchedJob::bias;
      static const Tile kNoTile;
      const Tile& t = of_tile ? tiles[step.tile] : kNoTile;
      TileTiming dummy;
      TileTiming& tt = of_tile ? m_timeline[step.tile] : dummy;
      const sc_time issue = at - sc_time_stamp();
      DmaJob job;
      DmaResult r;
      const char* what = "";
      switch (step.job) {
        case SchedJob::bias: {  // float32 per output column, to the post-processing unit
          bias_raw.assign(step.row_bytes, 0);
          job.dir = DmaDir::to_local;
          job.dram_addr = layer.b_addr;
          job.rows = 1;
          job.row_bytes = step.row_bytes;
          VectorStore store(bias_raw);
          r = i_dma.run_at(job, store, issue);
          what = "load of bias";
          break;
        }
        case SchedJob::weights: {
          job = t.weights;
          auto view = m_wb.half(step.half);
          r = i_dma.run_at(job, view, issue);
          what = "load of wb";
          break;
        }
        case SchedJob::inputs: {
          job = t.inputs;
          auto view = m_ib.half(step.half);
          r = i_dma.run_at(job, view, issue);
          what = "load of ib";
          break;
        }
        case SchedJob::residual: {  // the residual tile in the output format, to the PPU
          job = t.outputs;
          job.dir = DmaDir::to_local;
          job.dram_addr = t.outputs.dram_addr - layer.o_addr + layer.r_addr;
          job.local_offset = 0;
          job.local_stride = 0;
          std::vector<std::uint8_t>& buf = resid[step.half];
          buf.assign(job.total_bytes(), 0);
          VectorStore store(buf);
          r = i_dma.run_at(job, store, issue);
          what = "load of residual";
          break;
        }
        case SchedJob::store: {
          job = t.outputs;
          auto view = m_ob.half(step.half);
          r = i_dma.run_at(job, view, issue);
          what = "store of ob";
          break;
        }
      }
      st.dma_bytes += r.bytes;
      if (!r.ok()) {
        char addr[24];
        std::snprintf(addr, sizeof addr, "%llx", static_cast<unsigned long long>(r.error_addr));
        m_last_error = std::string("dma: ") + what + " at 0x" + addr + " failed";
        return ErrorCode::bus_error;
      }
      sched.complete((at + r.delay).value());
      switch (step.job) {
        case SchedJob::bias: {  // PPU parameters: biases (pp::BIAS), then scales (pp::CHSCALE)
          const bool b = layer.pp_flags & pp::BIAS, c = layer.pp_flags & pp::CHSCALE;
          const std::size_t floats = bias_raw.size() / sizeof(float), each = b && c ? floats / 2 : floats;
          m_bias.resize(b ? each : 0);
          m_scales.resize(c ? each : 0);
          // (memcpy needs valid pointers even for 0 bytes: an empty vector's data() may be null)
          if (!m_bias.empty())
            std::memcpy(m_bias.data(), bias_raw.data(), m_bias.size() * sizeof(float));
          if (!m_scales.empty())
            std::memcpy(m_scales.data(), bias_raw.data() + m_bias.size() * sizeof(float),
                        m_scales.size() * sizeof(float));
          break;
        }
        case SchedJob::weights:
          tt.wb_bytes = job.total_bytes();
          tt.load_bytes += job.total_bytes();
          break;
        case SchedJob::inputs:
          tt.ib_bytes = job.total_bytes();
          tt.load_bytes += job.total_bytes();
          break;
        case SchedJob::residual:
          tt.load_bytes += job.total_bytes();
          break;
        case SchedJob::store:
          tt.store_bytes = job.total_bytes();
          break;
      }
      continue;
    }

    // Compute of tile i: its operands are in, and on a first K tile its OB half was stored.
    const std::size_t i = step.tile;
    const Tile& t = tiles[i];
    const TileSchedule& ts = sched.tile(i);
    st.stall_cycles += static_cast<std::uint64_t>(time_of(step.stall) / m_period + 0.5);
    if (at > sc_time_stamp()) sc_core::wait(at - sc_time_stamp());
    TileJob job;
    job.layer = &layer;
    job.tile = &t;
    job.wb = &m_wb;
    job.ib = &m_ib;
    job.ob = &m_ob;
    job.wb_half = ts.wb_half;
    job.ib_half = ts.ib_half;
    job.ob_half = ts.ob_half;
    job.psum_bytes = tiler.psum_bytes;
    job.index = i;
    job.bias = m_bias.empty() ? nullptr : m_bias.data();
    job.scales = m_scales.empty() ? nullptr : m_scales.data();
    job.residual = opt.residual && t.last_k ? resid[i % 2].data() : nullptr;
    const TileResult r = m_backend->run_tile(job);
    if (!r.ok) {
      m_last_error = "backend: " + r.error;
      return ErrorCode::backend_error;
    }
    st.compute_cycles += r.cycles;
    if (!r.timed && r.cycles) sc_core::wait(m_period * static_cast<double>(r.cycles));
    const sc_time post = m_period * static_cast<double>(std::min(r.post_cycles, r.cycles));
    sched.complete(sc_time_stamp().value(), post.value());
    TileTiming& tt = m_timeline[i];
    tt.macs = t.macs();
    tt.last_k = t.last_k;
    ++st.tiles;
    m_regs.tile_done();
  }
  if (sched.end() > sc_time_stamp().value()) sc_core::wait(time_of(sched.end()) - sc_time_stamp());
  return ErrorCode::none;
}

}  // namespace lpsim::hw
