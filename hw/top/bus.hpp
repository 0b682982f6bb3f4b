// A many-initiator, one-target interconnect port: the host and the DMA share the memory map.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

namespace lpsim::hw {

// Forwards every transport, debug and DMI call from any initiator bound to tsock to isock
// (the router). Loosely timed: no arbitration delay is added; contention for DRAM bandwidth is
// modelled by the DRAM's channel.
class Bus : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Bus> tsock{"tsock"};
  tlm_utils::simple_initiator_socket<Bus> isock{"isock"};

  explicit Bus(const sc_core::sc_module_name& name);

 private:
  void b_transport(int id, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(int id, tlm::tlm_generic_payload& gp);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  void invalidate(sc_dt::uint64 start, sc_dt::uint64 end);
};

}  // namespace lpsim::hw
