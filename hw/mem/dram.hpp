// External memory as a TLM-2.0 target: thin SystemC shell around DramCore.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "hw/mem/dram_core.hpp"

namespace lpsim::hw {

// Timing: one data channel. A request arriving at t = now + delay starts its transfer at
// max(t, channel free), holds the channel ceil(len / bytes_per_cycle) cycles, and completes
// latency_cycles after the transfer ends; delay is set to that completion time - now. A lone
// request thus costs (latency_cycles + ceil(len / bytes_per_cycle)) clock periods; requests
// issued together (a DMA keeping bursts in flight) stream at the full bandwidth.
// Errors (no data moved, no delay added):
//   address outside [0, capacity)           -> TLM_ADDRESS_ERROR_RESPONSE
//   len 0, null data, streaming width != len -> TLM_BURST_ERROR_RESPONSE
//   byte-enable pointer with length 0, or a byte enable other than 0x00/0xff
//                                           -> TLM_BYTE_ENABLE_ERROR_RESPONSE
//   a command value other than read/write/ignore -> TLM_COMMAND_ERROR_RESPONSE
// TLM_IGNORE_COMMAND is answered OK without effect. transport_dbg reads/writes without timing.
// With dmi_enabled, DMI grants one backing page (read/write) per request, and a successful
// read or write carries the DMI hint (dmi_allowed); a denial's range holds the address.
class Dram : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Dram> tsock{"tsock"};

  Dram(const sc_core::sc_module_name& name, const DramConfig& cfg);

  DramCore& core() { return m_core; }
  const DramCore& core() const { return m_core; }
  const DramStats& stats() const { return m_core.stats(); }
  sc_core::sc_time clock_period() const { return m_period; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& gp);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);

  DramCore m_core;
  sc_core::sc_time m_period;
  sc_core::sc_time m_channel_free = sc_core::SC_ZERO_TIME;
};

}  // namespace lpsim::hw
