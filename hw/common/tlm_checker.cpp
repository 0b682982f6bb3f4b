// TLM-2.0 base-protocol checker (see tlm_checker.hpp).
#include "hw/common/tlm_checker.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <sstream>

namespace lpsim::hw {

bool tlm_check_by_default() {
#if defined(LPSIM_TLM_CHECK) && LPSIM_TLM_CHECK
  return true;
#else
  return false;
#endif
}

const char* to_string(TlmRule r) {
  switch (r) {
    case TlmRule::command:
      return "command is not TLM_READ_COMMAND, TLM_WRITE_COMMAND or TLM_IGNORE_COMMAND (IEEE 1666-2011 14.9)";
    case TlmRule::data_ptr: return "read/write with a null data pointer (IEEE 1666-2011 14.11)";
    case TlmRule::data_length: return "read/write with data length 0 (IEEE 1666-2011 14.12)";
    case TlmRule::byte_enable_value:
      return "byte enable other than 0x00 (disabled) or 0xff (enabled) (IEEE 1666-2011 14.13)";
    case TlmRule::byte_enable_length:
      return "byte-enable pointer set with byte-enable length 0 (IEEE 1666-2011 14.14)";
    case TlmRule::streaming_width: return "streaming width 0 (IEEE 1666-2011 14.15)";
    case TlmRule::dmi_allowed_on_entry:
      return "DMI allowed already true when the transaction starts (IEEE 1666-2011 14.16)";
    case TlmRule::status_on_entry:
      return "response status not TLM_INCOMPLETE_RESPONSE when the transaction starts (IEEE 1666-2011 14.17)";
    case TlmRule::gp_option:
      return "generic payload option not valid for this call (IEEE 1666-2011 14.8)";
    case TlmRule::memory_manager:
      return "payload with a memory manager and reference count 0 (IEEE 1666-2011 14.5)";
    case TlmRule::reentrant:
      return "payload sent again while still in flight on this link (IEEE 1666-2011 14.5)";
    case TlmRule::method_process:
      return "b_transport called from an SC_METHOD process; it may wait (IEEE 1666-2011 11.1.1)";
    case TlmRule::status_on_return:
      return "target returned with response status TLM_INCOMPLETE_RESPONSE (IEEE 1666-2011 14.17)";
    case TlmRule::attribute_modified:
      return "attribute owned by the initiator modified by the target (IEEE 1666-2011 14.7)";
    case TlmRule::address_modified:
      return "address not as on entry when the call returned (IEEE 1666-2011 14.10)";
    case TlmRule::write_data_modified:
      return "data array of a write modified by the target (IEEE 1666-2011 14.7)";
    case TlmRule::byte_enables_modified:
      return "byte-enable array modified by the target (IEEE 1666-2011 14.7)";
    case TlmRule::disabled_bytes_written:
      return "read modified a byte whose byte enable is disabled (IEEE 1666-2011 14.13)";
    case TlmRule::answer_command:
      return "unknown command answered TLM_OK_RESPONSE; expected TLM_COMMAND_ERROR_RESPONSE (IEEE 1666-2011 14.17)";
    case TlmRule::answer_malformed:
      return "malformed read/write answered TLM_OK_RESPONSE; expected an error response (IEEE 1666-2011 14.17)";
    case TlmRule::answer_address:
      return "access outside the target answered TLM_OK_RESPONSE; expected TLM_ADDRESS_ERROR_RESPONSE (IEEE 1666-2011 14.17)";
    case TlmRule::answer_burst:
      return "unsupported data length or streaming width answered TLM_OK_RESPONSE; expected TLM_BURST_ERROR_RESPONSE (IEEE 1666-2011 14.17)";
    case TlmRule::answer_byte_enable:
      return "byte enables at a target without them answered TLM_OK_RESPONSE; expected TLM_BYTE_ENABLE_ERROR_RESPONSE (IEEE 1666-2011 14.17)";
    case TlmRule::debug_data_ptr:
      return "transport_dbg with a null data pointer and data length > 0 (IEEE 1666-2011 11.3)";
    case TlmRule::debug_count:
      return "transport_dbg returned more bytes than the data length (IEEE 1666-2011 11.3)";
    case TlmRule::blocked:
      return "transport_dbg or a DMI call waited (simulation time or delta cycle advanced) (IEEE 1666-2011 11.2, 11.3)";
    case TlmRule::dmi_descriptor:
      return "get_direct_mem_ptr with a DMI descriptor that is not freshly initialised (IEEE 1666-2011 11.2.5)";
    case TlmRule::dmi_grant:
      return "inconsistent DMI answer (IEEE 1666-2011 11.2)";
    case TlmRule::dmi_hint:
      return "DMI denied at an address the target hinted with DMI allowed (IEEE 1666-2011 14.16)";
    case TlmRule::invalidate_range:
      return "invalidate_direct_mem_ptr with start > end (IEEE 1666-2011 11.2)";
    case TlmRule::count_: break;
  }
  return "?";
}

std::uint64_t TlmCheckerStats::total_violations() const {
  std::uint64_t n = 0;
  for (auto v : violations) n += v;
  return n;
}

namespace {

bool known_command(tlm::tlm_command c) {
  return c == tlm::TLM_READ_COMMAND || c == tlm::TLM_WRITE_COMMAND || c == tlm::TLM_IGNORE_COMMAND;
}

bool is_read_or_write(tlm::tlm_command c) { return c == tlm::TLM_READ_COMMAND || c == tlm::TLM_WRITE_COMMAND; }

std::string command_text(tlm::tlm_command c) {
  switch (c) {
    case tlm::TLM_READ_COMMAND: return "read";
    case tlm::TLM_WRITE_COMMAND: return "write";
    case tlm::TLM_IGNORE_COMMAND: return "ignore";
  }
  return "command " + std::to_string(static_cast<int>(c));
}

std::string payload_text(const tlm::tlm_generic_payload& gp) {
  std::ostringstream s;
  s << command_text(gp.get_command()) << " at 0x" << std::hex << gp.get_address() << std::dec
    << ", length " << gp.get_data_length() << ", streaming width " << gp.get_streaming_width()
    << ", data " << (gp.get_data_ptr() ? "set" : "null") << ", byte enables ";
  if (gp.get_byte_enable_ptr())
    s << gp.get_byte_enable_length();
  else
    s << "none";
  s << ", status " << gp.get_response_string();
  return s.str();
}

// The initiator-owned attributes as they entered the link.
struct Snapshot {
  tlm::tlm_command cmd;
  std::uint64_t addr;
  unsigned char* data;
  unsigned len;
  unsigned streaming_width;
  unsigned char* be;
  unsigned be_len;
  tlm::tlm_gp_option option;
  std::vector<unsigned char> data_copy;  // writes, and reads with byte enables
  std::vector<unsigned char> be_copy;

  Snapshot(const tlm::tlm_generic_payload& gp, bool copy_data)
      : cmd(gp.get_command()),
        addr(gp.get_address()),
        data(gp.get_data_ptr()),
        len(gp.get_data_length()),
        streaming_width(gp.get_streaming_width()),
        be(gp.get_byte_enable_ptr()),
        be_len(gp.get_byte_enable_length()),
        option(gp.get_gp_option()) {
    if (copy_data && data && len) data_copy.assign(data, data + len);
    if (be && be_len) be_copy.assign(be, be + be_len);
  }

  // Names of the attributes that differ from gp's.
  std::string modified(const tlm::tlm_generic_payload& gp, bool full) const {
    std::string m;
    auto add = [&m](const char* what) { m += m.empty() ? what : std::string(", ") + what; };
    if (gp.get_command() != cmd) add("command");
    if (gp.get_data_ptr() != data) add("data pointer");
    if (gp.get_data_length() != len) add("data length");
    if (full) {
      if (gp.get_byte_enable_ptr() != be) add("byte-enable pointer");
      if (gp.get_byte_enable_length() != be_len) add("byte-enable length");
      if (gp.get_streaming_width() != streaming_width) add("streaming width");
    }
    if (gp.get_gp_option() != option && option == tlm::TLM_MIN_PAYLOAD) add("option");
    return m;
  }
};

struct TimePoint {
  sc_core::sc_time time = sc_core::sc_time_stamp();
  sc_dt::uint64 delta = sc_core::sc_delta_count();
  bool same_as_now() const { return time == sc_core::sc_time_stamp() && delta == sc_core::sc_delta_count(); }
};

}  // namespace

TlmChecker::TlmChecker(const sc_core::sc_module_name& name, std::string link, TlmTargetCaps caps)
    : sc_module(name), m_link(std::move(link)), m_caps(caps) {
  tsock.register_b_transport(this, &TlmChecker::b_transport);
  tsock.register_transport_dbg(this, &TlmChecker::transport_dbg);
  tsock.register_get_direct_mem_ptr(this, &TlmChecker::get_direct_mem_ptr);
  isock.register_invalidate_direct_mem_ptr(this, &TlmChecker::invalidate_direct_mem_ptr);
}

void TlmChecker::violation(TlmRule r, const tlm::tlm_generic_payload* gp, const std::string& detail) {
  ++m_stats.violations[static_cast<unsigned>(r)];
  std::string msg = std::string(name()) + " (" + m_link + "): " + to_string(r);
  if (!detail.empty()) msg += "; " + detail;
  if (gp) msg += "; payload: " + payload_text(*gp);
  SC_REPORT_ERROR(kMsgType, msg.c_str());
}

bool TlmChecker::in_flight(const tlm::tlm_generic_payload* gp) const {
  return std::find(m_in_flight.begin(), m_in_flight.end(), gp) != m_in_flight.end();
}

void TlmChecker::note_dmi_hint(std::uint64_t addr) {
  constexpr std::size_t kHints = 64;  // recent hinted addresses kept
  if (was_hinted(addr)) return;
  if (m_dmi_hints.size() < kHints) {
    m_dmi_hints.push_back(addr);
  } else {
    m_dmi_hints[m_next_hint] = addr;
    m_next_hint = (m_next_hint + 1) % kHints;
  }
}

bool TlmChecker::was_hinted(std::uint64_t addr) const {
  return std::find(m_dmi_hints.begin(), m_dmi_hints.end(), addr) != m_dmi_hints.end();
}

void TlmChecker::check_b_entry(const tlm::tlm_generic_payload& gp) {
  const tlm::tlm_command cmd = gp.get_command();
  if (!known_command(cmd)) violation(TlmRule::command, &gp);
  if (is_read_or_write(cmd)) {
    if (gp.get_data_ptr() == nullptr) violation(TlmRule::data_ptr, &gp);
    if (gp.get_data_length() == 0) violation(TlmRule::data_length, &gp);
  }
  if (gp.get_byte_enable_ptr() != nullptr) {
    if (gp.get_byte_enable_length() == 0) {
      violation(TlmRule::byte_enable_length, &gp);
    } else {
      const unsigned char* be = gp.get_byte_enable_ptr();
      for (unsigned i = 0; i < gp.get_byte_enable_length(); ++i)
        if (be[i] != TLM_BYTE_DISABLED && be[i] != TLM_BYTE_ENABLED) {
          violation(TlmRule::byte_enable_value, &gp, "byte enable " + std::to_string(i) + " is " +
                                                         std::to_string(static_cast<unsigned>(be[i])));
          break;
        }
    }
  }
  if (gp.get_streaming_width() == 0) violation(TlmRule::streaming_width, &gp);
  if (gp.is_dmi_allowed()) violation(TlmRule::dmi_allowed_on_entry, &gp);
  if (gp.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE) violation(TlmRule::status_on_entry, &gp);
  if (gp.get_gp_option() != tlm::TLM_MIN_PAYLOAD)
    violation(TlmRule::gp_option, &gp, "b_transport needs TLM_MIN_PAYLOAD");
  if (gp.has_mm() && gp.get_ref_count() == 0) violation(TlmRule::memory_manager, &gp);
  if (in_flight(&gp)) violation(TlmRule::reentrant, &gp);
  // Only while the kernel runs a process: outside, sc_get_current_process_handle() names the
  // last process created, not a caller.
  if (sc_core::sc_get_status() == sc_core::SC_RUNNING &&
      sc_core::sc_get_current_process_handle().proc_kind() == sc_core::SC_METHOD_PROC_)
    violation(TlmRule::method_process, &gp,
              std::string("caller ") + sc_core::sc_get_current_process_handle().name());
}

// A target answered OK: was it allowed to?
void TlmChecker::check_b_answer(const tlm::tlm_generic_payload& gp) {
  const tlm::tlm_command cmd = gp.get_command();
  if (!known_command(cmd)) {
    violation(TlmRule::answer_command, &gp);
    return;
  }
  if (cmd == tlm::TLM_IGNORE_COMMAND) return;  // nothing executed: any answer may be right
  const std::uint64_t len = gp.get_data_length();
  const unsigned sw = gp.get_streaming_width();
  const bool be = gp.get_byte_enable_ptr() != nullptr;
  if (gp.get_data_ptr() == nullptr || len == 0 || sw == 0 || (be && gp.get_byte_enable_length() == 0)) {
    violation(TlmRule::answer_malformed, &gp);
    return;
  }
  if (!m_caps.known) return;
  const std::uint64_t addr = gp.get_address();
  if (addr >= m_caps.size || len > m_caps.size - addr)
    violation(TlmRule::answer_address, &gp, "the target decodes [0, 0x" + [&] {
      std::ostringstream s;
      s << std::hex << m_caps.size << ")";
      return s.str();
    }());
  if (!m_caps.streaming && sw < len) violation(TlmRule::answer_burst, &gp, "the target does not stream");
  if (m_caps.access_bytes != 0 && len != m_caps.access_bytes)
    violation(TlmRule::answer_burst, &gp,
              "the target accepts only accesses of " + std::to_string(m_caps.access_bytes) + " bytes");
  if (!m_caps.byte_enables && be) violation(TlmRule::answer_byte_enable, &gp);
}

void TlmChecker::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  ++m_stats.b_transport;
  check_b_entry(gp);
  const bool with_be = gp.get_byte_enable_ptr() != nullptr && gp.get_byte_enable_length() > 0;
  const Snapshot before(gp, gp.is_write() || (gp.is_read() && with_be));
  {
    // Popped even when the target (or a report) throws.
    struct InFlight {
      std::vector<const tlm::tlm_generic_payload*>& v;
      ~InFlight() { v.pop_back(); }
    } guard{m_in_flight};
    m_in_flight.push_back(&gp);
    isock->b_transport(gp, delay);
  }

  if (gp.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) violation(TlmRule::status_on_return, &gp);
  const std::string modified = before.modified(gp, true);
  if (!modified.empty()) violation(TlmRule::attribute_modified, &gp, modified);
  if (gp.get_address() != before.addr) {
    std::ostringstream s;
    s << "entered at 0x" << std::hex << before.addr;
    violation(TlmRule::address_modified, &gp, s.str());
  }
  // Array contents, as long as the pointers are still the initiator's.
  if (gp.get_data_ptr() == before.data && gp.get_data_length() == before.len && !before.data_copy.empty()) {
    if (before.cmd == tlm::TLM_WRITE_COMMAND &&
        std::memcmp(before.data, before.data_copy.data(), before.data_copy.size()) != 0)
      violation(TlmRule::write_data_modified, &gp);
    if (before.cmd == tlm::TLM_READ_COMMAND && !before.be_copy.empty()) {
      for (unsigned i = 0; i < before.len; ++i)
        if (before.be_copy[i % before.be_copy.size()] == TLM_BYTE_DISABLED &&
            before.data[i] != before.data_copy[i]) {
          violation(TlmRule::disabled_bytes_written, &gp, "byte " + std::to_string(i));
          break;
        }
    }
  }
  if (gp.get_byte_enable_ptr() == before.be && !before.be_copy.empty() &&
      std::memcmp(before.be, before.be_copy.data(), before.be_copy.size()) != 0)
    violation(TlmRule::byte_enables_modified, &gp);
  if (gp.is_response_ok()) check_b_answer(gp);
  if (gp.is_dmi_allowed()) note_dmi_hint(before.addr);
}

unsigned TlmChecker::transport_dbg(tlm::tlm_generic_payload& gp) {
  ++m_stats.transport_dbg;
  if (!known_command(gp.get_command())) violation(TlmRule::command, &gp);
  if (gp.get_data_length() > 0 && gp.get_data_ptr() == nullptr) violation(TlmRule::debug_data_ptr, &gp);
  const tlm::tlm_gp_option option = gp.get_gp_option();
  if (option == tlm::TLM_FULL_PAYLOAD_ACCEPTED) {
    violation(TlmRule::gp_option, &gp, "TLM_FULL_PAYLOAD_ACCEPTED on entry");
  } else if (option == tlm::TLM_FULL_PAYLOAD) {
    // Every attribute counts: the b_transport entry rules on them apply.
    if (gp.get_byte_enable_ptr() != nullptr && gp.get_byte_enable_length() == 0)
      violation(TlmRule::byte_enable_length, &gp);
    if (gp.get_streaming_width() == 0) violation(TlmRule::streaming_width, &gp);
    if (gp.is_dmi_allowed()) violation(TlmRule::dmi_allowed_on_entry, &gp);
    if (gp.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE) violation(TlmRule::status_on_entry, &gp);
  }
  const Snapshot before(gp, gp.is_write());
  const TimePoint t0;
  const unsigned n = isock->transport_dbg(gp);
  if (!t0.same_as_now()) violation(TlmRule::blocked, &gp, "in transport_dbg");
  if (n > gp.get_data_length())
    violation(TlmRule::debug_count, &gp, "returned " + std::to_string(n));
  const std::string modified = before.modified(gp, option != tlm::TLM_MIN_PAYLOAD);
  if (!modified.empty()) violation(TlmRule::attribute_modified, &gp, modified);
  if (gp.get_address() != before.addr) violation(TlmRule::address_modified, &gp);
  if (before.cmd == tlm::TLM_WRITE_COMMAND && gp.get_data_ptr() == before.data && !before.data_copy.empty() &&
      gp.get_data_length() == before.len &&
      std::memcmp(before.data, before.data_copy.data(), before.data_copy.size()) != 0)
    violation(TlmRule::write_data_modified, &gp);
  return n;
}

bool TlmChecker::get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
  ++m_stats.get_direct_mem_ptr;
  if (dmi.get_dmi_ptr() != nullptr || !dmi.is_none_allowed() || dmi.get_start_address() != 0 ||
      dmi.get_end_address() != std::numeric_limits<sc_dt::uint64>::max() ||
      dmi.get_read_latency() != sc_core::SC_ZERO_TIME || dmi.get_write_latency() != sc_core::SC_ZERO_TIME)
    violation(TlmRule::dmi_descriptor, &gp);
  if (gp.get_gp_option() == tlm::TLM_FULL_PAYLOAD_ACCEPTED)
    violation(TlmRule::gp_option, &gp, "TLM_FULL_PAYLOAD_ACCEPTED on entry");
  const std::uint64_t addr = gp.get_address();
  const TimePoint t0;
  const bool granted = isock->get_direct_mem_ptr(gp, dmi);
  if (!t0.same_as_now()) violation(TlmRule::blocked, &gp, "in get_direct_mem_ptr");
  std::ostringstream why;
  if (granted && (dmi.is_none_allowed() || dmi.get_dmi_ptr() == nullptr))
    why << "returned true without " << (dmi.get_dmi_ptr() ? "granting access" : "a pointer");
  else if (dmi.get_start_address() > dmi.get_end_address())
    why << "range start 0x" << std::hex << dmi.get_start_address() << " > end 0x" << dmi.get_end_address();
  else if (addr < dmi.get_start_address() || addr > dmi.get_end_address())
    why << "range [0x" << std::hex << dmi.get_start_address() << ", 0x" << dmi.get_end_address()
        << "] does not hold the requested address 0x" << addr;
  if (!why.str().empty()) violation(TlmRule::dmi_grant, &gp, why.str());
  if (!granted && was_hinted(addr)) violation(TlmRule::dmi_hint, &gp);
  if (gp.get_address() != addr) violation(TlmRule::address_modified, &gp);
  return granted;
}

void TlmChecker::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  ++m_stats.invalidations;
  if (start > end) {
    std::ostringstream s;
    s << "start 0x" << std::hex << start << ", end 0x" << end;
    violation(TlmRule::invalidate_range, nullptr, s.str());
  }
  // The target may deny DMI in this range from now on.
  m_dmi_hints.erase(std::remove_if(m_dmi_hints.begin(), m_dmi_hints.end(),
                                   [&](std::uint64_t a) { return a >= start && a <= end; }),
                    m_dmi_hints.end());
  m_next_hint = 0;
  const TimePoint t0;
  tsock->invalidate_direct_mem_ptr(start, end);
  if (!t0.same_as_now()) violation(TlmRule::blocked, nullptr, "in invalidate_direct_mem_ptr");
}

}  // namespace lpsim::hw
