// Address router: decode, rebase, forward; address errors for unmapped requests.
#include "hw/mem/router.hpp"

#include <algorithm>
#include <string>

namespace lpsim::hw {

void RouterConfig::validate() const { AddressMap check(map); }

Router::Router(const sc_core::sc_module_name& name, const RouterConfig& cfg)
    : sc_module(name), m_map(cfg.map) {
  tsock.register_b_transport(this, &Router::b_transport);
  tsock.register_transport_dbg(this, &Router::transport_dbg);
  tsock.register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr);
  isock.register_invalidate_direct_mem_ptr(this, &Router::invalidate_direct_mem_ptr);
  m_stats.transactions.assign(m_map.entries().empty() ? 0 : m_map.max_target() + 1, 0);
}

void Router::end_of_elaboration() {
  // A map entry naming a target that was never bound is a wiring bug of the top level.
  if (!m_map.entries().empty() && m_map.max_target() >= isock.size())
    SC_REPORT_ERROR("lpsim/router", (std::string(name()) + ": map uses target " +
                                     std::to_string(m_map.max_target()) + " but only " +
                                     std::to_string(isock.size()) + " targets are bound")
                                        .c_str());
}

void Router::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const auto addr = gp.get_address();
  const auto d = m_map.decode(addr, gp.get_data_length());
  if (!d) {
    ++m_stats.decode_errors;
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  ++m_stats.transactions[d->target];
  gp.set_address(d->offset);
  isock[d->target]->b_transport(gp, delay);
  gp.set_address(addr);
}

unsigned Router::transport_dbg(tlm::tlm_generic_payload& gp) {
  const auto addr = gp.get_address();
  const auto d = m_map.decode(addr, gp.get_data_length());
  if (!d) return 0;
  gp.set_address(d->offset);
  const unsigned n = isock[d->target]->transport_dbg(gp);
  gp.set_address(addr);
  return n;
}

bool Router::get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
  const auto addr = gp.get_address();
  const auto d = m_map.decode(addr);
  if (!d) {
    // Denied across the unmapped gap that holds the address (not the initiator's whole map).
    sc_dt::uint64 start = 0, end = ~sc_dt::uint64{0};
    for (const auto& e : m_map.entries()) {
      if (e.base > addr) {
        end = e.base - 1;
        break;
      }
      start = e.base + e.size;  // entries are sorted and addr is past this one
    }
    dmi.allow_none();
    dmi.set_start_address(start);
    dmi.set_end_address(end);
    return false;
  }
  gp.set_address(d->offset);
  const bool ok = isock[d->target]->get_direct_mem_ptr(gp, dmi);
  gp.set_address(addr);
  // Translate the granted (or denied) range back to the initiator's view, clipped to the
  // window so an initiator never reaches past it through the pointer.
  const MapEntry& e = *d->entry;
  const sc_dt::uint64 end = std::min<sc_dt::uint64>(dmi.get_end_address(), e.size - 1);
  dmi.set_start_address(e.base + dmi.get_start_address());
  dmi.set_end_address(e.base + end);
  return ok;
}

void Router::invalidate_direct_mem_ptr(int target, sc_dt::uint64 start, sc_dt::uint64 end) {
  for (const auto& e : m_map.entries()) {
    if (static_cast<int>(e.target) != target || start > e.size - 1) continue;
    const sc_dt::uint64 last = std::min<sc_dt::uint64>(end, e.size - 1);
    tsock->invalidate_direct_mem_ptr(e.base + start, e.base + last);
  }
}

}  // namespace lpsim::hw
