// Kernel-free result codes of the memory cores, mapped 1:1 onto TLM-2.0 response statuses.
#pragma once

namespace lpsim::hw {

// The cores (DramCore, AddressMap, ...) do not include SystemC; their shells translate these
// codes with to_tlm() (mem_tlm.hpp). Order mirrors tlm::tlm_response_status.
enum class MemStatus {
  ok,
  address_error,      // outside the target's range / unmapped
  command_error,      // command the target does not support (or a write to read-only state)
  burst_error,        // zero length, streaming width the target does not support
  byte_enable_error,  // malformed byte-enable array
  generic_error,
};

inline const char* to_string(MemStatus s) {
  switch (s) {
    case MemStatus::ok: return "ok";
    case MemStatus::address_error: return "address_error";
    case MemStatus::command_error: return "command_error";
    case MemStatus::burst_error: return "burst_error";
    case MemStatus::byte_enable_error: return "byte_enable_error";
    case MemStatus::generic_error: return "generic_error";
  }
  return "?";
}

}  // namespace lpsim::hw
