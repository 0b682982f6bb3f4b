// Proves the SystemC test harness: clocked logic, TLM-2.0 transport, and report-to-failure.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstring>

#include "tests/support/tlm_probe.hpp"

namespace {

using namespace sc_core;

// A counter that increments on every rising clock edge while enabled.
struct Counter : sc_module {
  sc_in<bool> clk_i{"clk_i"};
  sc_in<bool> en_i{"en_i"};
  sc_out<unsigned> count_o{"count_o"};
  unsigned m_count = 0;

  SC_HAS_PROCESS(Counter);
  explicit Counter(const sc_module_name& name) : sc_module(name) {
    SC_METHOD(tick);
    sensitive << clk_i.pos();
    dont_initialize();
  }
  void tick() {
    if (en_i.read()) ++m_count;
    count_o.write(m_count);
  }
};

// A 64-byte memory answering reads and writes; anything outside it is an address error.
struct Memory : sc_module {
  tlm_utils::simple_target_socket<Memory> tsock{"tsock"};
  std::array<unsigned char, 64> m_bytes{};

  explicit Memory(const sc_module_name& name) : sc_module(name) {
    tsock.register_b_transport(this, &Memory::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
    const auto addr = gp.get_address();
    const auto len = gp.get_data_length();
    if (addr + len > m_bytes.size() || len == 0) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (gp.is_write())
      std::memcpy(&m_bytes[addr], gp.get_data_ptr(), len);
    else
      std::memcpy(gp.get_data_ptr(), &m_bytes[addr], len);
    delay += sc_time(10, SC_NS);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

TEST(Harness, ClockedCounterCountsEnabledEdges) {
  sc_clock clk("clk", 10, SC_NS);
  sc_signal<bool> en("en");
  sc_signal<unsigned> count("count");
  Counter counter("counter");
  counter.clk_i(clk);
  counter.en_i(en);
  counter.count_o(count);
  en.write(true);
  sc_start(100, SC_NS);  // rising edges at 0, 10, ..., 90
  EXPECT_EQ(count.read(), 10u);
  en.write(false);
  sc_start(50, SC_NS);
  EXPECT_EQ(count.read(), 10u);
}

TEST(Harness, TlmTargetAnswersReadsWritesAndAddressErrors) {
  lpsim::test::TlmProbe init("init");
  Memory mem("mem");
  init.isock.bind(mem.tsock);
  sc_start(SC_ZERO_TIME);

  sc_time delay = SC_ZERO_TIME;
  unsigned char out[4] = {1, 2, 3, 4};
  EXPECT_EQ(init.access(tlm::TLM_WRITE_COMMAND, 60, out, 4, delay), tlm::TLM_OK_RESPONSE);
  unsigned char in[4] = {};
  EXPECT_EQ(init.access(tlm::TLM_READ_COMMAND, 60, in, 4, delay), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(std::memcmp(in, out, 4), 0);
  EXPECT_EQ(delay, sc_time(20, SC_NS));
  EXPECT_EQ(init.access(tlm::TLM_READ_COMMAND, 61, in, 4, delay),
            tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(init.access(tlm::TLM_WRITE_COMMAND, 1000, out, 1, delay),
            tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

TEST(Harness, SystemCWarningBecomesTestFailure) {
  EXPECT_NONFATAL_FAILURE(SC_REPORT_WARNING("lpsim/test", "deliberate warning"),
                          "deliberate warning");
}

}  // namespace
