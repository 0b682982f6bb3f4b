// The TLM-2.0 initiator of the tests: a raw one for protocol tests (TlmProbe), a host CPU whose
// body runs in a thread (TlmHost), a thread to run test bodies in, and a capture of SystemC
// reports of one message type (so a test can assert on reports instead of failing).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

namespace lpsim::test {

// Sends payloads exactly as given: a test builds a well-formed one with prepare(), breaks the
// attribute under test, and sends it. Calls made from sc_main run outside any process (the
// targets under test never wait); use ScThread for anything that may wait.
struct TlmProbe : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<TlmProbe> isock{"isock"};
  explicit TlmProbe(const sc_core::sc_module_name& n) : sc_module(n) {}

  // cmd at addr over len bytes of data, streaming width = len, no byte enables, DMI hint
  // false, response status TLM_INCOMPLETE_RESPONSE: what the base protocol asks of an initiator.
  static void prepare(tlm::tlm_generic_payload& gp, tlm::tlm_command cmd, std::uint64_t addr,
                      unsigned char* data, unsigned len) {
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(data);
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_byte_enable_length(0);
    gp.set_dmi_allowed(false);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  }
  tlm::tlm_response_status send(tlm::tlm_generic_payload& gp) {
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    return send(gp, delay);
  }
  tlm::tlm_response_status send(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    isock->b_transport(gp, delay);
    return gp.get_response_status();
  }
  // prepare() then send(): the answer to a well-formed (or, with `tweak`, broken) access.
  tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data,
                                  unsigned len,
                                  const std::function<void(tlm::tlm_generic_payload&)>& tweak = {}) {
    tlm::tlm_generic_payload gp;
    prepare(gp, cmd, addr, data, len);
    if (tweak) tweak(gp);
    return send(gp);
  }
  // The same with the target's annotated delay added to `delay`.
  tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t addr, unsigned char* data,
                                  unsigned len, sc_core::sc_time& delay) {
    tlm::tlm_generic_payload gp;
    prepare(gp, cmd, addr, data, len);
    return send(gp, delay);
  }
  // A payload used again: its response status back to TLM_INCOMPLETE_RESPONSE, then send().
  tlm::tlm_response_status resend(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    return send(gp, delay);
  }
  unsigned debug(tlm::tlm_generic_payload& gp) { return isock->transport_dbg(gp); }
  bool dmi(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& d) { return isock->get_direct_mem_ptr(gp, d); }
};

// A host CPU for device tests: a TlmProbe whose `body` runs in an SC_THREAD (so its accesses
// may wait) and an interrupt input. `Self` is the test's host, which adds its own helpers
// (register reads and writes, memory loads) on top of access():
//   struct Host : test::TlmHost<Host> { using TlmHost::TlmHost; ... };
template <class Self>
struct TlmHost : TlmProbe {
  sc_core::sc_in<bool> irq_i{"irq_i"};
  std::function<void(Self&)> body;
  SC_HAS_PROCESS(TlmHost);
  TlmHost(const sc_core::sc_module_name& n, std::function<void(Self&)> b) : TlmProbe(n), body(std::move(b)) {
    SC_THREAD(run);
  }
  void run() { body(static_cast<Self&>(*this)); }
};

// Runs body in an SC_THREAD (for calls that may wait); `finished` once it returned.
struct ScThread : sc_core::sc_module {
  std::function<void()> body;
  bool finished = false;
  SC_HAS_PROCESS(ScThread);
  ScThread(const sc_core::sc_module_name& n, std::function<void()> f) : sc_module(n), body(std::move(f)) {
    SC_THREAD(run);
  }
  void run() {
    body();
    finished = true;
  }
};

// While alive, SystemC reports of `msg_type` are recorded (and neither stop the simulation nor
// throw); every other report goes to the handler that was installed before (in the SystemC
// test harness: a test failure). One capture at a time.
class ReportCapture {
 public:
  explicit ReportCapture(std::string msg_type) : m_type(std::move(msg_type)) {
    s_active = this;
    m_previous = sc_core::sc_report_handler::get_handler();
    sc_core::sc_report_handler::set_handler(&ReportCapture::handle);
  }
  ~ReportCapture() {
    sc_core::sc_report_handler::set_handler(m_previous);
    s_active = nullptr;
  }
  ReportCapture(const ReportCapture&) = delete;
  ReportCapture& operator=(const ReportCapture&) = delete;

  const std::vector<std::string>& messages() const { return m_messages; }
  // Recorded messages that contain `text`.
  std::size_t count(const std::string& text) const {
    std::size_t n = 0;
    for (const auto& m : m_messages) n += m.find(text) != std::string::npos;
    return n;
  }
  void clear() { m_messages.clear(); }

 private:
  static void handle(const sc_core::sc_report& rep, const sc_core::sc_actions& actions) {
    if (s_active && rep.get_msg_type() == s_active->m_type) {
      s_active->m_messages.emplace_back(rep.get_msg());
      return;
    }
    if (s_active && s_active->m_previous)
      s_active->m_previous(rep, actions);
    else
      sc_core::sc_report_handler::default_handler(rep, actions);
  }

  inline static ReportCapture* s_active = nullptr;
  std::string m_type;
  sc_core::sc_report_handler_proc m_previous = nullptr;
  std::vector<std::string> m_messages;
};

}  // namespace lpsim::test
