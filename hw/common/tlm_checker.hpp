// TLM-2.0 base-protocol checker: a pass-through module placed on one initiator -> target link.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace lpsim::hw {

// The rules of IEEE Std 1666-2011 (TLM-2.0 base protocol, blocking/debug/DMI interfaces) that
// TlmChecker checks; to_string() gives the text and clause of each. "Entry" rules are
// obligations of the initiator (and of every interconnect before the link), checked when a
// call enters the link; "return" rules are obligations of the target (and of the interconnect
// after the link), checked when the call returns.
enum class TlmRule : unsigned {
  // b_transport, on entry
  command,                 // 14.9   command is TLM_READ_COMMAND, TLM_WRITE_COMMAND or TLM_IGNORE_COMMAND
  data_ptr,                // 14.11  read/write: data pointer not null
  data_length,             // 14.12  read/write: data length > 0
  byte_enable_value,       // 14.13  every byte enable is 0x00 (disabled) or 0xff (enabled)
  byte_enable_length,      // 14.14  byte-enable pointer set => byte-enable length > 0
  streaming_width,         // 14.15  streaming width > 0
  dmi_allowed_on_entry,    // 14.16  DMI hint false when the transaction starts
  status_on_entry,         // 14.17  response status TLM_INCOMPLETE_RESPONSE when it starts
  gp_option,               // 14.8   TLM_MIN_PAYLOAD for b_transport; never FULL_PAYLOAD_ACCEPTED on entry
  memory_manager,          // 14.5   a payload with a memory manager has a reference count > 0
  reentrant,               // 14.5   a payload is not sent again while it is in flight on the link
  method_process,          // 11.1.1 b_transport (which may wait) is not called from an SC_METHOD
  // b_transport, on return
  status_on_return,        // 14.17  the target set the response status (not TLM_INCOMPLETE_RESPONSE)
  attribute_modified,      // 14.7   command, data pointer, data length, byte-enable pointer and
                           //        length, streaming width and option unchanged by the target
  address_modified,        // 14.10  address as on entry (targets never change it; this
                           //        project's interconnect restores what it rebases)
  write_data_modified,     // 14.7   the data array of a write is not changed by the target
  byte_enables_modified,   // 14.7   the byte-enable array is not changed by the target
  disabled_bytes_written,  // 14.13  a read leaves the bytes of disabled byte enables alone
  answer_command,          // 14.17  an unknown command is TLM_COMMAND_ERROR_RESPONSE, never OK
  answer_malformed,        // 14.17  a read/write without data, of length 0, of streaming width 0
                           //        or with byte-enable length 0 is an error, never OK
  answer_address,          // 14.17  an access outside the target is TLM_ADDRESS_ERROR_RESPONSE
  answer_burst,            // 14.17  a length or streaming width the target does not support is
                           //        TLM_BURST_ERROR_RESPONSE
  answer_byte_enable,      // 14.17  byte enables at a target without them are
                           //        TLM_BYTE_ENABLE_ERROR_RESPONSE
  // transport_dbg, get_direct_mem_ptr, invalidate_direct_mem_ptr
  debug_data_ptr,          // 11.3   debug data pointer not null when the length is > 0
  debug_count,             // 11.3   transport_dbg returns at most data length bytes
  blocked,                 // 11.2/11.3 transport_dbg and the DMI calls do not wait
  dmi_descriptor,          // 11.2.5 the initiator passes a freshly initialised tlm_dmi
  dmi_grant,               // 11.2   true => access granted with a pointer; start <= end and
                           //        the range (granted or denied) holds the requested address
  dmi_hint,                // 14.16  DMI is not denied at an address the target hinted with
                           //        dmi_allowed (until it invalidates that range)
  invalidate_range,        // 11.2   invalidate_direct_mem_ptr with start <= end
  count_
};

inline constexpr unsigned kTlmRuleCount = static_cast<unsigned>(TlmRule::count_);

// "<rule text> (IEEE 1666-2011 <clause>)".
const char* to_string(TlmRule r);

// True when this build wires a TlmChecker on every socket of the device by default (CMake option
// LPSIM_TLM_CHECK: on for Debug and sanitizer builds, off for Release).
bool tlm_check_by_default();

// What the target behind a link supports; the answer rules (answer_*) compare its response
// status with these. An interconnect link (the default) has no known limits: only the rules
// that hold for every target are checked there.
struct TlmTargetCaps {
  bool known = false;            // false: capabilities unknown, answer_address/burst/byte_enable off
  std::uint64_t size = 0;        // the target decodes [0, size)
  bool streaming = false;        // accepts streaming width < data length
  bool byte_enables = false;     // accepts a byte-enable array
  std::uint32_t access_bytes = 0;  // 0: any data length; else the only one accepted (registers)

  static TlmTargetCaps interconnect() { return {}; }
  static TlmTargetCaps memory(std::uint64_t size, bool byte_enables) {
    return {true, size, false, byte_enables, 0};
  }
  static TlmTargetCaps registers(std::uint64_t size, std::uint32_t access_bytes) {
    return {true, size, false, false, access_bytes};
  }
};

struct TlmCheckerStats {
  std::uint64_t b_transport = 0;
  std::uint64_t transport_dbg = 0;
  std::uint64_t get_direct_mem_ptr = 0;
  std::uint64_t invalidations = 0;
  std::array<std::uint64_t, kTlmRuleCount> violations{};  // per TlmRule
  std::uint64_t total_violations() const;
};

// Bind the initiator to tsock and isock to the target; every call is forwarded unchanged
// (b_transport, transport_dbg, get_direct_mem_ptr forward, invalidate_direct_mem_ptr back) and
// checked on entry and on return. A violation is SC_REPORT_ERROR("lpsim/tlm_check", ...)
// naming the checker, the link, the rule and its clause, and the payload; with SystemC's
// default actions that throws, so nothing continues past a broken transaction. When the
// report handler returns (tests capture the reports), the call is still forwarded, so the
// target's answer to the malformed transaction can be observed. Costs a copy of each write's
// data: meant for debug builds (LPSIM_TLM_CHECK, docs/reliability.md).
class TlmChecker : public sc_core::sc_module {
 public:
  static constexpr const char* kMsgType = "lpsim/tlm_check";

  tlm_utils::simple_target_socket<TlmChecker> tsock{"tsock"};
  tlm_utils::simple_initiator_socket<TlmChecker> isock{"isock"};

  // `link` names the sockets, e.g. "i_router.isock[0] -> i_dram.tsock".
  TlmChecker(const sc_core::sc_module_name& name, std::string link, TlmTargetCaps caps = {});

  const std::string& link() const { return m_link; }
  const TlmTargetCaps& caps() const { return m_caps; }
  const TlmCheckerStats& stats() const { return m_stats; }
  std::uint64_t violations(TlmRule r) const { return m_stats.violations[static_cast<unsigned>(r)]; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& gp);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

  void check_b_entry(const tlm::tlm_generic_payload& gp);
  void check_b_answer(const tlm::tlm_generic_payload& gp);
  void violation(TlmRule r, const tlm::tlm_generic_payload* gp, const std::string& detail = {});
  bool in_flight(const tlm::tlm_generic_payload* gp) const;
  void note_dmi_hint(std::uint64_t addr);
  bool was_hinted(std::uint64_t addr) const;

  std::string m_link;
  TlmTargetCaps m_caps;
  TlmCheckerStats m_stats;
  std::vector<const tlm::tlm_generic_payload*> m_in_flight;  // b_transport calls not yet returned
  std::vector<std::uint64_t> m_dmi_hints;                    // recent addresses hinted dmi_allowed
  std::size_t m_next_hint = 0;
};

}  // namespace lpsim::hw
