// Layer controller: register transport, interrupt line, and the tile loop.
#include "hw/ctrl/controller.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "hw/common/config_error.hpp"
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
  const sc_time t0 = sc_time_stamp();

  // The schedule (docs/architecture.md, "Layer schedule"): one DMA engine serves its jobs in
  // the order issued; a job starts when the engine is free and the buffer half it overwrites is
  // no longer read. With double-buffered WB and IB the loads of tile i+1 are issued as soon as
  // tile i-1 has finished computing, so they overlap the compute of tile i; the store of a
  // finished output tile overlaps the next tiles' compute. Data moves when a job is issued
  // (Dma::run_at); time is kept here, and the thread waits until each compute may start.
  sc_time dma_free = t0;
  auto issue = [&](const DmaJob& job, LocalStore& store, sc_time not_before, const char* what,
                   sc_time& begin, sc_time& end) {
    const sc_time at = std::max({dma_free, not_before, sc_time_stamp()});
    const DmaResult r = i_dma.run_at(job, store, at - sc_time_stamp());
    st.dma_bytes += r.bytes;
    if (!r.ok()) {
      char addr[24];
      std::snprintf(addr, sizeof addr, "%llx", static_cast<unsigned long long>(r.error_addr));
      m_last_error = std::string("dma: ") + what + " at 0x" + addr + " failed";
      return false;
    }
    begin = at;
    end = dma_free = at + r.delay;
    return true;
  };

  // Bias (float32 per output column) goes to the post-processing unit once per layer.
  const GemmShape g = m_plan.shape;
  m_bias.clear();
  if (layer.pp_flags & pp::BIAS) {
    std::vector<std::uint8_t> raw(g.groups * g.n * sizeof(float));
    VectorStore store(raw);
    DmaJob job;
    job.dir = DmaDir::to_local;
    job.dram_addr = layer.b_addr;
    job.rows = 1;
    job.row_bytes = raw.size();
    sc_time b, e;
    if (!issue(job, store, t0, "load of bias", b, e)) return ErrorCode::bus_error;
    m_bias.resize(g.groups * g.n);
    std::memcpy(m_bias.data(), raw.data(), raw.size());
  }

  // Buffer halves: a buffer's loads alternate halves; a tile reads the half of the latest load.
  const bool prefetch = m_wb.config().double_buffered && m_ib.config().double_buffered;
  std::vector<unsigned> whalf(count), ihalf(count), ohalf(count);
  {
    unsigned w = prefetch ? 1u : 0u, in = w, o = w;
    for (std::size_t i = 0; i < count; ++i) {
      if (tiles[i].load_weights && prefetch) w ^= 1u;
      if (tiles[i].load_inputs && prefetch) in ^= 1u;
      if (tiles[i].first_k && m_ob.config().double_buffered) o ^= 1u;
      whalf[i] = w;
      ihalf[i] = in;
      ohalf[i] = o;
    }
  }
  const bool residual = (layer.pp_flags & pp::RESIDUAL) != 0;
  std::vector<std::uint8_t> resid[2];
  m_timeline.assign(count, TileTiming{});
  std::vector<bool> loaded(count, false);
  auto load = [&](std::size_t j, sc_time not_before) {
    const Tile& t = tiles[j];
    TileTiming& tt = m_timeline[j];
    tt.load_start = tt.load_end = not_before;
    bool any = false;
    auto one = [&](const DmaJob& job, LocalStore& store, const char* what) {
      sc_time b, e;
      if (!issue(job, store, not_before, what, b, e)) return false;
      if (!any) tt.load_start = b;
      any = true;
      tt.load_end = e;
      tt.load_bytes += job.total_bytes();
      return true;
    };
    if (t.load_weights) {
      auto view = m_wb.half(whalf[j]);
      if (!one(t.weights, view, "load of wb")) return false;
      tt.wb_bytes = t.weights.total_bytes();
    }
    if (t.load_inputs) {
      auto view = m_ib.half(ihalf[j]);
      if (!one(t.inputs, view, "load of ib")) return false;
      tt.ib_bytes = t.inputs.total_bytes();
    }
    if (residual && t.last_k) {
      DmaJob job = t.outputs;
      job.dir = DmaDir::to_local;
      job.dram_addr = t.outputs.dram_addr - layer.o_addr + layer.r_addr;
      job.local_offset = 0;
      job.local_stride = 0;
      std::vector<std::uint8_t>& r = resid[j % 2];
      r.assign(job.total_bytes(), 0);
      VectorStore store(r);
      if (!one(job, store, "load of residual")) return false;
    }
    if (!any) tt.load_start = tt.load_end = sc_time_stamp();
    loaded[j] = true;
    return true;
  };
  sc_time ob_free[2] = {t0, t0};
  auto store = [&](std::size_t j) {
    const Tile& t = tiles[j];
    TileTiming& tt = m_timeline[j];
    auto view = m_ob.half(ohalf[j]);
    if (!issue(t.outputs, view, tt.compute_end, "store of ob", tt.store_start, tt.store_end))
      return false;
    tt.store_bytes = t.outputs.total_bytes();
    ob_free[ohalf[j]] = tt.store_end;
    return true;
  };

  if (count > 0 && !load(0, t0)) return ErrorCode::bus_error;
  sc_time compute_free = t0;
  for (std::size_t i = 0; i < count; ++i) {
    const Tile& t = tiles[i];
    TileTiming& tt = m_timeline[i];
    // DMA work that may start now that tile i-1 has finished computing.
    if (i > 0 && tiles[i - 1].last_k && !store(i - 1)) return ErrorCode::bus_error;
    if (!loaded[i] && !load(i, compute_free)) return ErrorCode::bus_error;
    if (prefetch && i + 1 < count && !load(i + 1, compute_free)) return ErrorCode::bus_error;
    // Compute waits for its operands and, when it opens an output tile, for the OB half's
    // previous store.
    sc_time begin = std::max(tt.load_end, compute_free);
    if (t.first_k) begin = std::max(begin, ob_free[ohalf[i]]);
    st.stall_cycles += static_cast<std::uint64_t>((begin - compute_free) / m_period + 0.5);
    if (begin > sc_time_stamp()) sc_core::wait(begin - sc_time_stamp());
    tt.compute_start = begin;

    TileJob job;
    job.layer = &layer;
    job.tile = &t;
    job.wb = &m_wb;
    job.ib = &m_ib;
    job.ob = &m_ob;
    job.wb_half = whalf[i];
    job.ib_half = ihalf[i];
    job.ob_half = ohalf[i];
    job.psum_bytes = tiler.psum_bytes;
    job.index = i;
    job.bias = m_bias.empty() ? nullptr : m_bias.data();
    job.residual = residual && t.last_k ? resid[i % 2].data() : nullptr;
    const TileResult r = m_backend->run_tile(job);
    if (!r.ok) {
      m_last_error = "backend: " + r.error;
      return ErrorCode::backend_error;
    }
    st.compute_cycles += r.cycles;
    if (!r.timed && r.cycles) sc_core::wait(m_period * static_cast<double>(r.cycles));
    tt.compute_end = compute_free = sc_time_stamp();
    tt.post_start = tt.compute_end - m_period * static_cast<double>(std::min(r.post_cycles, r.cycles));
    tt.macs = t.mt * t.kt * t.nt;
    tt.last_k = t.last_k;
    ++st.tiles;
    m_regs.tile_done();
  }
  if (count > 0 && tiles.back().last_k && !store(count - 1)) return ErrorCode::bus_error;
  if (dma_free > sc_time_stamp()) sc_core::wait(dma_free - sc_time_stamp());
  return ErrorCode::none;
}

}  // namespace lpsim::hw
