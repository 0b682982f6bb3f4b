// Address router: one TLM target socket in, N initiator bindings out, decoded by an AddressMap.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "hw/mem/address_map.hpp"

namespace lpsim::hw {

struct RouterConfig {
  std::vector<MapEntry> map;  // target index = order in which isock was bound (0, 1, ...)
  void validate() const;      // throws ConfigError (overlap, zero size): via AddressMap
};

struct RouterStats {
  std::vector<std::uint64_t> transactions;  // per target index
  std::uint64_t decode_errors = 0;          // unmapped or straddling requests
};

// b_transport: forwards to the decoded target with the address rebased to the window, then
// restores the original address (the payload belongs to the initiator). Unmapped or
// window-straddling requests get TLM_ADDRESS_ERROR_RESPONSE without reaching any target.
// transport_dbg and DMI are forwarded and translated back; invalidations are translated. DMI at
// an unmapped address is denied over the unmapped gap holding it.
class Router : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Router> tsock{"tsock"};
  tlm_utils::multi_passthrough_initiator_socket<Router> isock{"isock"};

  // Throws ConfigError for an overlapping or empty map entry (before elaboration finishes).
  Router(const sc_core::sc_module_name& name, const RouterConfig& cfg);

  const AddressMap& map() const { return m_map; }
  const RouterStats& stats() const { return m_stats; }

 private:
  void end_of_elaboration() override;
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& gp);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(int target, sc_dt::uint64 start, sc_dt::uint64 end);

  AddressMap m_map;
  RouterStats m_stats;
};

}  // namespace lpsim::hw
