// Layer controller: register transport, interrupt line, and the tile loop.
#include "hw/ctrl/controller.hpp"

#include <cstdio>
#include <cstring>

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
  } else if (gp.is_write()) {
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
    m_regs.end_layer(err, cycles);
    m_irq_ev.notify(sc_core::SC_ZERO_TIME);
  }
}

ErrorCode Controller::run_layer() {
  m_last_error.clear();
  m_plan = TilePlan{};
  const LayerDescriptor layer = m_regs.descriptor();
  try {
    layer.validate();
  } catch (const ConfigError& e) {
    m_last_error = e.what();
    return ErrorCode::bad_descriptor;
  }
  try {
    m_plan = plan_tiles(layer, m_cfg.tiler);
  } catch (const ConfigError& e) {
    m_last_error = e.what();
    return ErrorCode::no_fit;
  }
  if (m_backend == nullptr) {
    // A top level that starts layers without an array is miswired.
    SC_REPORT_ERROR("lpsim/ctrl", (std::string(name()) + ": no compute backend attached").c_str());
    m_last_error = "no compute backend";
    return ErrorCode::backend_error;
  }
  m_backend->begin_layer(layer);
  auto& st = m_regs.stats();
  auto dma = [&](const DmaJob& job, SramBuffer& buf, unsigned half) {
    auto view = buf.half(half);
    const DmaResult r = i_dma.run(job, view);
    st.dma_bytes += r.bytes;
    if (!r.ok()) {
      m_last_error = std::string("dma: ") + (job.dir == DmaDir::to_local ? "load" : "store") + " of " + buf.config().name +
                     " at 0x" + [&] { char b[24]; std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(r.error_addr)); return std::string(b); }() +
                     " failed";
    }
    return r.ok();
  };
  for (std::size_t i = 0; i < m_plan.tiles.size(); ++i) {
    const Tile& t = m_plan.tiles[i];
    if (t.load_weights) {
      if (!dma(t.weights, m_wb, m_wb.fill_half())) return ErrorCode::bus_error;
      m_wb.swap();
    }
    if (t.load_inputs) {
      if (!dma(t.inputs, m_ib, m_ib.fill_half())) return ErrorCode::bus_error;
      m_ib.swap();
    }
    TileJob job;
    job.layer = &layer;
    job.tile = &t;
    job.wb = &m_wb;
    job.ib = &m_ib;
    job.ob = &m_ob;
    job.wb_half = m_wb.drain_half();
    job.ib_half = m_ib.drain_half();
    job.ob_half = m_ob.fill_half();
    job.psum_bytes = m_cfg.tiler.psum_bytes;
    job.index = i;
    const TileResult r = m_backend->run_tile(job);
    if (!r.ok) {
      m_last_error = "backend: " + r.error;
      return ErrorCode::backend_error;
    }
    st.compute_cycles += r.cycles;
    if (r.cycles) sc_core::wait(m_period * static_cast<double>(r.cycles));
    if (t.last_k) {
      if (!dma(t.outputs, m_ob, m_ob.fill_half())) return ErrorCode::bus_error;
      m_ob.swap();
    }
    ++st.tiles;
    m_regs.tile_done();
  }
  return ErrorCode::none;
}

}  // namespace lpsim::hw
