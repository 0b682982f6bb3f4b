// Many-initiator interconnect port (see bus.hpp).
#include "hw/top/bus.hpp"

namespace lpsim::hw {

Bus::Bus(const sc_core::sc_module_name& name) : sc_module(name) {
  tsock.register_b_transport(this, &Bus::b_transport);
  tsock.register_transport_dbg(this, &Bus::transport_dbg);
  tsock.register_get_direct_mem_ptr(this, &Bus::get_direct_mem_ptr);
  isock.register_invalidate_direct_mem_ptr(this, &Bus::invalidate);
}

void Bus::b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  isock->b_transport(gp, delay);
}

unsigned Bus::transport_dbg(int, tlm::tlm_generic_payload& gp) { return isock->transport_dbg(gp); }

bool Bus::get_direct_mem_ptr(int, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
  return isock->get_direct_mem_ptr(gp, dmi);
}

void Bus::invalidate(sc_dt::uint64 start, sc_dt::uint64 end) {
  for (unsigned i = 0; i < tsock.size(); ++i) tsock[i]->invalidate_direct_mem_ptr(start, end);
}

}  // namespace lpsim::hw
