// Translation between the kernel-free MemStatus codes and TLM-2.0 response statuses.
#pragma once

#include <tlm>

#include "hw/mem/mem_status.hpp"

namespace lpsim::hw {

inline tlm::tlm_response_status to_tlm(MemStatus s) {
  switch (s) {
    case MemStatus::ok: return tlm::TLM_OK_RESPONSE;
    case MemStatus::address_error: return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    case MemStatus::command_error: return tlm::TLM_COMMAND_ERROR_RESPONSE;
    case MemStatus::burst_error: return tlm::TLM_BURST_ERROR_RESPONSE;
    case MemStatus::byte_enable_error: return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
    case MemStatus::generic_error: return tlm::TLM_GENERIC_ERROR_RESPONSE;
  }
  return tlm::TLM_GENERIC_ERROR_RESPONSE;
}

}  // namespace lpsim::hw
