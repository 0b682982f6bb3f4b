// External memory as a TLM-2.0 target: payload translation, delay annotation, debug and DMI.
#include "hw/mem/dram.hpp"

#include <algorithm>

#include "hw/mem/mem_tlm.hpp"

namespace lpsim::hw {

Dram::Dram(const sc_core::sc_module_name& name, const DramConfig& cfg)
    : sc_module(name), m_core(cfg), m_period(cfg.clock_period_ns, sc_core::SC_NS) {
  tsock.register_b_transport(this, &Dram::b_transport);
  tsock.register_transport_dbg(this, &Dram::transport_dbg);
  tsock.register_get_direct_mem_ptr(this, &Dram::get_direct_mem_ptr);
}

void Dram::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  DramRequest r;
  switch (gp.get_command()) {
    case tlm::TLM_READ_COMMAND: r.cmd = DramRequest::Cmd::read; break;
    case tlm::TLM_WRITE_COMMAND: r.cmd = DramRequest::Cmd::write; break;
    case tlm::TLM_IGNORE_COMMAND: r.cmd = DramRequest::Cmd::ignore; break;
    default: r.cmd = DramRequest::Cmd::other; break;  // not a TLM-2.0 command: command error
  }
  r.addr = gp.get_address();
  r.data = gp.get_data_ptr();
  r.len = gp.get_data_length();
  r.streaming_width = gp.get_streaming_width();
  r.byte_enable = gp.get_byte_enable_ptr();
  r.byte_enable_len = gp.get_byte_enable_length();
  std::uint64_t cycles = 0;
  const MemStatus st = m_core.access(r, cycles);
  if (st == MemStatus::ok) {
    // One data channel: a transfer starts when the request has arrived and the channel is free,
    // occupies it for ceil(len / bytes_per_cycle) cycles, and its data is complete a fixed
    // latency later. Requests issued back to back (a pipelining DMA) therefore pay the latency
    // once; a request issued after the previous one completed pays latency + transfer.
    const auto& cfg = m_core.config();
    const sc_core::sc_time arrive = sc_core::sc_time_stamp() + delay;
    const sc_core::sc_time start = std::max(arrive, m_channel_free);
    const sc_core::sc_time transfer = m_period * static_cast<double>(cycles - cfg.latency_cycles);
    m_channel_free = start + transfer;
    delay = start + transfer + m_period * static_cast<double>(cfg.latency_cycles) - sc_core::sc_time_stamp();
  }
  // The DMI hint only where a read or write succeeded (an ignored command may name any address).
  if (st == MemStatus::ok && m_core.config().dmi_enabled && r.cmd != DramRequest::Cmd::ignore)
    gp.set_dmi_allowed(true);
  gp.set_response_status(to_tlm(st));
}

unsigned Dram::transport_dbg(tlm::tlm_generic_payload& gp) {
  const auto addr = gp.get_address();
  const auto len = gp.get_data_length();
  if (gp.get_data_ptr() == nullptr) return 0;
  if (gp.is_read()) return static_cast<unsigned>(m_core.debug_read(addr, gp.get_data_ptr(), len));
  if (gp.is_write()) return static_cast<unsigned>(m_core.debug_write(addr, gp.get_data_ptr(), len));
  return 0;
}

bool Dram::get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
  const auto& cfg = m_core.config();
  const auto addr = gp.get_address();
  if (!cfg.dmi_enabled || addr >= cfg.capacity_bytes) {
    // Deny, and give the initiator the whole range denied (which holds the address) so it
    // does not ask again: the memory without DMI, or everything past its end.
    dmi.allow_none();
    dmi.set_dmi_ptr(nullptr);
    dmi.set_start_address(addr >= cfg.capacity_bytes ? cfg.capacity_bytes : 0);
    dmi.set_end_address(addr >= cfg.capacity_bytes ? ~sc_dt::uint64{0} : cfg.capacity_bytes - 1);
    return false;
  }
  const std::uint64_t base = addr - addr % cfg.page_bytes;
  const std::uint64_t end = std::min(base + cfg.page_bytes, cfg.capacity_bytes) - 1;
  dmi.set_dmi_ptr(m_core.page_ptr(addr));
  dmi.set_start_address(base);
  dmi.set_end_address(end);
  dmi.allow_read_write();
  // Latency of one word: the fixed latency plus one beat (DMI bypasses the bandwidth model).
  dmi.set_read_latency(m_period * static_cast<double>(cfg.latency_cycles + 1));
  dmi.set_write_latency(m_period * static_cast<double>(cfg.latency_cycles + 1));
  return true;
}

}  // namespace lpsim::hw
