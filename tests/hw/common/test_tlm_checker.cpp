// The TLM-2.0 protocol checker: each rule fires on the transaction or answer that breaks it (a
// probe initiator and a scriptable mock target around one TlmChecker), and only then.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "hw/common/tlm_checker.hpp"
#include "tests/support/tlm_probe.hpp"

namespace lpsim::hw {
namespace {

using namespace sc_core;
using test::ReportCapture;
using test::ScThread;
using test::TlmProbe;

// A target whose answers each test scripts; by default it answers every b_transport OK.
struct MockTarget : sc_module {
  tlm_utils::simple_target_socket<MockTarget> tsock{"tsock"};
  std::function<void(tlm::tlm_generic_payload&, sc_time&)> on_b = [](tlm::tlm_generic_payload& gp, sc_time&) {
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  };
  std::function<unsigned(tlm::tlm_generic_payload&)> on_dbg = [](tlm::tlm_generic_payload& gp) {
    return gp.get_data_length();
  };
  std::function<bool(tlm::tlm_generic_payload&, tlm::tlm_dmi&)> on_dmi = [](tlm::tlm_generic_payload&, tlm::tlm_dmi&) {
    return false;  // denied over the initiator's whole (initialised) range
  };
  explicit MockTarget(const sc_module_name& n) : sc_module(n) {
    tsock.register_b_transport(this, &MockTarget::b_transport);
    tsock.register_transport_dbg(this, &MockTarget::transport_dbg);
    tsock.register_get_direct_mem_ptr(this, &MockTarget::get_direct_mem_ptr);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_time& d) { on_b(gp, d); }
  unsigned transport_dbg(tlm::tlm_generic_payload& gp) { return on_dbg(gp); }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) { return on_dmi(gp, dmi); }
};

// probe -> chk -> target, and every checker report captured.
struct Bench {
  ReportCapture reports{TlmChecker::kMsgType};
  TlmProbe probe{"probe"};
  TlmChecker chk;
  MockTarget target{"target"};
  explicit Bench(TlmTargetCaps caps = TlmTargetCaps::interconnect()) : chk("chk", "probe -> target", caps) {
    probe.isock.bind(chk.tsock);
    chk.isock.bind(target.tsock);
  }
  // Exactly these rules were reported, once each, and each report names the checker, the link
  // and the rule's text.
  void expect_only(const std::vector<TlmRule>& rules) {
    EXPECT_EQ(chk.stats().total_violations(), rules.size());
    EXPECT_EQ(reports.messages().size(), rules.size());
    for (TlmRule r : rules) {
      EXPECT_EQ(chk.violations(r), 1u) << to_string(r);
      EXPECT_EQ(reports.count(std::string("chk (probe -> target): ") + to_string(r)), 1u) << to_string(r);
    }
    for (const auto& m : reports.messages()) SCOPED_TRACE(m);
  }
};

unsigned char g_buf[16];

// The one value of tlm_command that is no command: 3 (larger values are outside the enum's
// range, undefined behaviour that UBSan stops at).
const auto kNoSuchCommand = static_cast<tlm::tlm_command>(3);


// ---- the initiator's obligations -----------------------------------------------------------

struct EntryCase {
  const char* name;
  TlmRule rule;
  std::function<void(tlm::tlm_generic_payload&)> tweak;
};

void PrintTo(const EntryCase& c, std::ostream* os) { *os << c.name; }

class CheckerEntry : public ::testing::TestWithParam<EntryCase> {};

// Each broken attribute is reported once, on entry; the call still reaches the target (which
// here answers with an error, so no answer rule is involved).
TEST_P(CheckerEntry, BrokenAttributeIsReportedOnceAndStillForwarded) {
  Bench b;
  int calls = 0;
  b.target.on_b = [&](tlm::tlm_generic_payload& gp, sc_time&) {
    ++calls;
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
  };
  sc_start(SC_ZERO_TIME);
  EXPECT_EQ(b.probe.access(tlm::TLM_WRITE_COMMAND, 0x10, g_buf, 8, GetParam().tweak), tlm::TLM_GENERIC_ERROR_RESPONSE);
  EXPECT_EQ(calls, 1);
  b.expect_only({GetParam().rule});
  EXPECT_EQ(b.chk.stats().b_transport, 1u);
}

struct NoMm : tlm::tlm_mm_interface {
  void free(tlm::tlm_generic_payload*) override {}
} g_mm;

unsigned char g_be_bad[2] = {0xff, 0x0f};
unsigned char g_be[2] = {0xff, 0x00};

INSTANTIATE_TEST_SUITE_P(
    Rules, CheckerEntry,
    ::testing::Values(
        EntryCase{"unknown_command", TlmRule::command,
                  [](tlm::tlm_generic_payload& gp) { gp.set_command(kNoSuchCommand); }},
        EntryCase{"null_data", TlmRule::data_ptr, [](tlm::tlm_generic_payload& gp) { gp.set_data_ptr(nullptr); }},
        EntryCase{"zero_length", TlmRule::data_length,
                  [](tlm::tlm_generic_payload& gp) {
                    gp.set_data_length(0);
                    gp.set_streaming_width(1);
                  }},
        EntryCase{"byte_enable_value", TlmRule::byte_enable_value,
                  [](tlm::tlm_generic_payload& gp) {
                    gp.set_byte_enable_ptr(g_be_bad);
                    gp.set_byte_enable_length(2);
                  }},
        EntryCase{"byte_enable_length_0", TlmRule::byte_enable_length,
                  [](tlm::tlm_generic_payload& gp) {
                    gp.set_byte_enable_ptr(g_be);
                    gp.set_byte_enable_length(0);
                  }},
        EntryCase{"streaming_width_0", TlmRule::streaming_width,
                  [](tlm::tlm_generic_payload& gp) { gp.set_streaming_width(0); }},
        EntryCase{"dmi_allowed", TlmRule::dmi_allowed_on_entry,
                  [](tlm::tlm_generic_payload& gp) { gp.set_dmi_allowed(true); }},
        EntryCase{"status_ok", TlmRule::status_on_entry,
                  [](tlm::tlm_generic_payload& gp) { gp.set_response_status(tlm::TLM_OK_RESPONSE); }},
        EntryCase{"full_payload", TlmRule::gp_option,
                  [](tlm::tlm_generic_payload& gp) { gp.set_gp_option(tlm::TLM_FULL_PAYLOAD); }},
        EntryCase{"mm_refcount_0", TlmRule::memory_manager,
                  [](tlm::tlm_generic_payload& gp) { gp.set_mm(&g_mm); }}),
    [](const ::testing::TestParamInfo<EntryCase>& p) { return std::string(p.param.name); });

TEST(Checker, WellFormedTrafficIsNotReported) {
  Bench b(TlmTargetCaps::memory(64, true));
  sc_start(SC_ZERO_TIME);
  EXPECT_EQ(b.probe.access(tlm::TLM_WRITE_COMMAND, 0, g_buf, 16), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(b.probe.access(tlm::TLM_READ_COMMAND, 48, g_buf, 16, [](tlm::tlm_generic_payload& gp) {
    gp.set_byte_enable_ptr(g_be);
    gp.set_byte_enable_length(2);
  }), tlm::TLM_OK_RESPONSE);
  // An ignore command needs neither data nor a length, and may be answered OK.
  EXPECT_EQ(b.probe.access(tlm::TLM_IGNORE_COMMAND, 1000, nullptr, 0,
                           [](tlm::tlm_generic_payload& gp) { gp.set_streaming_width(1); }),
            tlm::TLM_OK_RESPONSE);
  tlm::tlm_generic_payload gp;
  TlmProbe::prepare(gp, tlm::TLM_READ_COMMAND, 8, g_buf, 8);
  EXPECT_EQ(b.probe.debug(gp), 8u);
  tlm::tlm_dmi dmi;
  EXPECT_FALSE(b.probe.dmi(gp, dmi));
  b.expect_only({});
  EXPECT_EQ(b.chk.stats().b_transport, 3u);
  EXPECT_EQ(b.chk.stats().transport_dbg, 1u);
  EXPECT_EQ(b.chk.stats().get_direct_mem_ptr, 1u);
}

// b_transport may wait, so an SC_METHOD must not call it.
struct MethodCaller : sc_module {
  TlmProbe& probe;
  SC_HAS_PROCESS(MethodCaller);
  MethodCaller(const sc_module_name& n, TlmProbe& p) : sc_module(n), probe(p) { SC_METHOD(call); }
  void call() { probe.access(tlm::TLM_READ_COMMAND, 0, g_buf, 4); }
};

TEST(Checker, BlockingCallFromAMethodProcessIsReported) {
  Bench b;
  MethodCaller m("m", b.probe);
  sc_start(SC_ZERO_TIME);  // the method runs once at initialisation
  b.expect_only({TlmRule::method_process});
  EXPECT_EQ(b.reports.count("caller m.call"), 1u);
}

// The target sends the payload it is serving through the same link again.
TEST(Checker, PayloadSentAgainWhileInFlightIsReported) {
  Bench b;
  int depth = 0;
  b.target.on_b = [&](tlm::tlm_generic_payload& gp, sc_time& d) {
    if (++depth == 1) {
      b.probe.isock->b_transport(gp, d);
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  };
  sc_start(SC_ZERO_TIME);
  tlm::tlm_generic_payload gp;
  TlmProbe::prepare(gp, tlm::TLM_READ_COMMAND, 0, g_buf, 4);
  b.probe.send(gp);
  // The inner call also starts with a status the target had not yet set: only reentrancy.
  EXPECT_EQ(b.chk.violations(TlmRule::reentrant), 1u);
  EXPECT_EQ(b.chk.stats().total_violations(), 1u);
}

// ---- the target's obligations --------------------------------------------------------------

struct ReturnCase {
  const char* name;
  TlmRule rule;
  tlm::tlm_command cmd;
  std::function<void(tlm::tlm_generic_payload&)> misbehave;  // the target's answer
  bool with_byte_enables = false;
};

void PrintTo(const ReturnCase& c, std::ostream* os) { *os << c.name; }

class CheckerReturn : public ::testing::TestWithParam<ReturnCase> {};

TEST_P(CheckerReturn, TargetBreakingTheProtocolIsReportedOnReturn) {
  const ReturnCase& c = GetParam();
  Bench b;
  unsigned char be[2] = {0xff, 0x00};
  b.target.on_b = [&](tlm::tlm_generic_payload& gp, sc_time&) {
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    c.misbehave(gp);
  };
  sc_start(SC_ZERO_TIME);
  unsigned char data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  tlm::tlm_generic_payload gp;
  TlmProbe::prepare(gp, c.cmd, 0x20, data, 8);
  if (c.with_byte_enables) {
    gp.set_byte_enable_ptr(be);
    gp.set_byte_enable_length(2);
  }
  b.probe.send(gp);
  b.expect_only({c.rule});
}

unsigned char g_other[8];

INSTANTIATE_TEST_SUITE_P(
    Rules, CheckerReturn,
    ::testing::Values(
        ReturnCase{"status_left_incomplete", TlmRule::status_on_return, tlm::TLM_READ_COMMAND,
                   [](tlm::tlm_generic_payload& gp) { gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE); }},
        ReturnCase{"length_changed", TlmRule::attribute_modified, tlm::TLM_READ_COMMAND,
                   [](tlm::tlm_generic_payload& gp) { gp.set_data_length(4); }},
        ReturnCase{"streaming_width_changed", TlmRule::attribute_modified, tlm::TLM_READ_COMMAND,
                   [](tlm::tlm_generic_payload& gp) { gp.set_streaming_width(4); }},
        ReturnCase{"data_pointer_changed", TlmRule::attribute_modified, tlm::TLM_READ_COMMAND,
                   [](tlm::tlm_generic_payload& gp) { gp.set_data_ptr(g_other); }},
        ReturnCase{"command_changed", TlmRule::attribute_modified, tlm::TLM_WRITE_COMMAND,
                   [](tlm::tlm_generic_payload& gp) { gp.set_command(tlm::TLM_READ_COMMAND); }},
        ReturnCase{"byte_enable_pointer_changed", TlmRule::attribute_modified, tlm::TLM_READ_COMMAND,
                   [](tlm::tlm_generic_payload& gp) { gp.set_byte_enable_ptr(g_be); gp.set_byte_enable_length(2); }},
        ReturnCase{"address_changed", TlmRule::address_modified, tlm::TLM_READ_COMMAND,
                   [](tlm::tlm_generic_payload& gp) { gp.set_address(gp.get_address() + 4); }},
        ReturnCase{"write_data_changed", TlmRule::write_data_modified, tlm::TLM_WRITE_COMMAND,
                   [](tlm::tlm_generic_payload& gp) { gp.get_data_ptr()[7] ^= 1; }},
        ReturnCase{"byte_enables_changed", TlmRule::byte_enables_modified, tlm::TLM_WRITE_COMMAND,
                   [](tlm::tlm_generic_payload& gp) { gp.get_byte_enable_ptr()[1] = 0xff; }, true},
        ReturnCase{"disabled_byte_read", TlmRule::disabled_bytes_written, tlm::TLM_READ_COMMAND,
                   [](tlm::tlm_generic_payload& gp) { gp.get_data_ptr()[3] = 0x55; }, true}),
    [](const ::testing::TestParamInfo<ReturnCase>& p) { return std::string(p.param.name); });

// A read with byte enables may fill exactly the enabled bytes.
TEST(Checker, ReadFillingOnlyEnabledBytesIsNotReported) {
  Bench b;
  b.target.on_b = [](tlm::tlm_generic_payload& gp, sc_time&) {
    for (unsigned i = 0; i < gp.get_data_length(); i += 2) gp.get_data_ptr()[i] = 0xaa;
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  };
  sc_start(SC_ZERO_TIME);
  unsigned char data[8] = {};
  EXPECT_EQ(b.probe.access(tlm::TLM_READ_COMMAND, 0, data, 8, [](tlm::tlm_generic_payload& gp) {
    gp.set_byte_enable_ptr(g_be);
    gp.set_byte_enable_length(2);
  }), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(data[0], 0xaa);
  EXPECT_EQ(data[1], 0);
  b.expect_only({});
}

// Answers a target must not give: OK for what it cannot execute.
struct AnswerCase {
  const char* name;
  TlmTargetCaps caps;
  std::vector<TlmRule> rules;  // entry rule (if the transaction is malformed) + answer rule
  tlm::tlm_command cmd;
  std::uint64_t addr;
  unsigned len;
  std::function<void(tlm::tlm_generic_payload&)> tweak;
};

void PrintTo(const AnswerCase& c, std::ostream* os) { *os << c.name; }

class CheckerAnswer : public ::testing::TestWithParam<AnswerCase> {};

TEST_P(CheckerAnswer, OkForATransactionTheTargetCannotExecuteIsReported) {
  const AnswerCase& c = GetParam();
  Bench b(c.caps);  // the mock answers everything OK
  sc_start(SC_ZERO_TIME);
  unsigned char data[16] = {};
  EXPECT_EQ(b.probe.access(c.cmd, c.addr, data, c.len, c.tweak), tlm::TLM_OK_RESPONSE);
  b.expect_only(c.rules);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, CheckerAnswer,
    ::testing::Values(
        AnswerCase{"unknown_command", TlmTargetCaps::interconnect(), {TlmRule::command, TlmRule::answer_command},
                   tlm::TLM_READ_COMMAND, 0, 4,
                   [](tlm::tlm_generic_payload& gp) { gp.set_command(kNoSuchCommand); }},
        AnswerCase{"null_data", TlmTargetCaps::interconnect(), {TlmRule::data_ptr, TlmRule::answer_malformed},
                   tlm::TLM_WRITE_COMMAND, 0, 4, [](tlm::tlm_generic_payload& gp) { gp.set_data_ptr(nullptr); }},
        AnswerCase{"streaming_width_0", TlmTargetCaps::interconnect(),
                   {TlmRule::streaming_width, TlmRule::answer_malformed}, tlm::TLM_READ_COMMAND, 0, 4,
                   [](tlm::tlm_generic_payload& gp) { gp.set_streaming_width(0); }},
        AnswerCase{"outside_memory", TlmTargetCaps::memory(64, true), {TlmRule::answer_address},
                   tlm::TLM_READ_COMMAND, 60, 8, {}},
        AnswerCase{"streaming_at_memory", TlmTargetCaps::memory(64, true), {TlmRule::answer_burst},
                   tlm::TLM_READ_COMMAND, 0, 8, [](tlm::tlm_generic_payload& gp) { gp.set_streaming_width(4); }},
        AnswerCase{"length_at_registers", TlmTargetCaps::registers(0x100, 4), {TlmRule::answer_burst},
                   tlm::TLM_READ_COMMAND, 0, 8, {}},
        AnswerCase{"byte_enables_at_registers", TlmTargetCaps::registers(0x100, 4), {TlmRule::answer_byte_enable},
                   tlm::TLM_WRITE_COMMAND, 0, 4,
                   [](tlm::tlm_generic_payload& gp) {
                     gp.set_byte_enable_ptr(g_be);
                     gp.set_byte_enable_length(1);
                   }}),
    [](const ::testing::TestParamInfo<AnswerCase>& p) { return std::string(p.param.name); });

// The same transactions answered with the matching error are fine (only the malformed
// transaction itself is reported).
TEST(Checker, ErrorAnswersToUnsupportedTransactionsAreNotReported) {
  Bench b(TlmTargetCaps::registers(0x100, 4));
  b.target.on_b = [](tlm::tlm_generic_payload& gp, sc_time&) {
    gp.set_response_status(gp.get_byte_enable_ptr() ? tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE
                           : gp.get_data_length() != 4 ? tlm::TLM_BURST_ERROR_RESPONSE
                                                       : tlm::TLM_ADDRESS_ERROR_RESPONSE);
  };
  sc_start(SC_ZERO_TIME);
  unsigned char data[8] = {};
  EXPECT_EQ(b.probe.access(tlm::TLM_READ_COMMAND, 0, data, 8), tlm::TLM_BURST_ERROR_RESPONSE);
  EXPECT_EQ(b.probe.access(tlm::TLM_READ_COMMAND, 0x200, data, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(b.probe.access(tlm::TLM_READ_COMMAND, 0, data, 4, [](tlm::tlm_generic_payload& gp) {
    gp.set_byte_enable_ptr(g_be);
    gp.set_byte_enable_length(1);
  }), tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  b.expect_only({});
}

// ---- debug transport -----------------------------------------------------------------------

TEST(Checker, DebugTransportRules) {
  Bench b;
  sc_start(SC_ZERO_TIME);
  unsigned char data[8] = {};
  tlm::tlm_generic_payload gp;
  TlmProbe::prepare(gp, tlm::TLM_READ_COMMAND, 0, nullptr, 8);
  b.target.on_dbg = [](tlm::tlm_generic_payload&) { return 0u; };
  EXPECT_EQ(b.probe.debug(gp), 0u);
  b.expect_only({TlmRule::debug_data_ptr});

  b.reports.clear();
  TlmProbe::prepare(gp, tlm::TLM_READ_COMMAND, 0, data, 8);
  b.target.on_dbg = [](tlm::tlm_generic_payload& p) { return p.get_data_length() + 1; };
  b.probe.debug(gp);
  EXPECT_EQ(b.chk.violations(TlmRule::debug_count), 1u);

  b.target.on_dbg = [](tlm::tlm_generic_payload& p) {
    p.set_data_length(4);
    return 4u;
  };
  b.probe.debug(gp);
  EXPECT_EQ(b.chk.violations(TlmRule::attribute_modified), 1u);
  EXPECT_EQ(b.chk.stats().total_violations(), 3u);
  EXPECT_EQ(b.reports.messages().size(), 2u);
}

// transport_dbg and the DMI calls must not wait (time nor delta cycles).
TEST(Checker, WaitingInDebugOrDmiIsReported) {
  Bench b;
  b.target.on_dbg = [](tlm::tlm_generic_payload&) {
    wait(SC_ZERO_TIME);
    return 0u;
  };
  b.target.on_dmi = [](tlm::tlm_generic_payload&, tlm::tlm_dmi&) {
    wait(1, SC_NS);
    return false;
  };
  ScThread t("t", [&] {
    unsigned char data[4] = {};
    tlm::tlm_generic_payload gp;
    TlmProbe::prepare(gp, tlm::TLM_READ_COMMAND, 0, data, 4);
    b.probe.debug(gp);
    tlm::tlm_dmi dmi;
    b.probe.dmi(gp, dmi);
  });
  sc_start();
  ASSERT_TRUE(t.finished);
  EXPECT_EQ(b.chk.violations(TlmRule::blocked), 2u);
  EXPECT_EQ(b.chk.stats().total_violations(), 2u);
  EXPECT_EQ(b.reports.count("in transport_dbg"), 1u);
  EXPECT_EQ(b.reports.count("in get_direct_mem_ptr"), 1u);
}

// ---- DMI ---------------------------------------------------------------------------------

TEST(Checker, DmiDescriptorAndGrantRules) {
  Bench b;
  sc_start(SC_ZERO_TIME);
  unsigned char mem[64] = {};
  tlm::tlm_generic_payload gp;
  TlmProbe::prepare(gp, tlm::TLM_READ_COMMAND, 0x10, g_buf, 4);

  tlm::tlm_dmi used;  // a descriptor left over from an earlier grant
  used.set_read_latency(sc_time(1, SC_NS));
  b.probe.dmi(gp, used);
  EXPECT_EQ(b.chk.violations(TlmRule::dmi_descriptor), 1u);

  b.target.on_dmi = [](tlm::tlm_generic_payload&, tlm::tlm_dmi&) { return true; };  // no access, no pointer
  tlm::tlm_dmi d1;
  b.probe.dmi(gp, d1);
  EXPECT_EQ(b.chk.violations(TlmRule::dmi_grant), 1u);
  EXPECT_EQ(b.reports.count("returned true without a pointer"), 1u);

  b.target.on_dmi = [&](tlm::tlm_generic_payload&, tlm::tlm_dmi& d) {  // range misses 0x10
    d.set_dmi_ptr(mem);
    d.allow_read_write();
    d.set_start_address(0x20);
    d.set_end_address(0x5f);
    return true;
  };
  tlm::tlm_dmi d2;
  b.probe.dmi(gp, d2);
  EXPECT_EQ(b.chk.violations(TlmRule::dmi_grant), 2u);
  EXPECT_EQ(b.reports.count("does not hold the requested address 0x10"), 1u);

  b.target.on_dmi = [&](tlm::tlm_generic_payload&, tlm::tlm_dmi& d) {  // a correct grant
    d.set_dmi_ptr(mem);
    d.allow_read_write();
    d.set_start_address(0);
    d.set_end_address(0x3f);
    return true;
  };
  tlm::tlm_dmi d3;
  EXPECT_TRUE(b.probe.dmi(gp, d3));
  EXPECT_EQ(b.chk.stats().total_violations(), 3u);
  EXPECT_EQ(b.chk.stats().get_direct_mem_ptr, 4u);
}

// A target that hints DMI at an address must not deny it there, until it invalidates.
TEST(Checker, DmiDeniedAfterAHintIsReportedUntilInvalidated) {
  Bench b;
  b.target.on_b = [](tlm::tlm_generic_payload& gp, sc_time&) {
    gp.set_dmi_allowed(true);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  };
  sc_start(SC_ZERO_TIME);
  EXPECT_EQ(b.probe.access(tlm::TLM_READ_COMMAND, 0x40, g_buf, 4), tlm::TLM_OK_RESPONSE);
  tlm::tlm_generic_payload gp;
  TlmProbe::prepare(gp, tlm::TLM_READ_COMMAND, 0x40, g_buf, 4);
  tlm::tlm_dmi d1;
  EXPECT_FALSE(b.probe.dmi(gp, d1));
  b.expect_only({TlmRule::dmi_hint});
  // Invalidating the range withdraws the hint: a denial is fine from then on.
  b.target.tsock->invalidate_direct_mem_ptr(0, 0xff);
  tlm::tlm_dmi d2;
  EXPECT_FALSE(b.probe.dmi(gp, d2));
  EXPECT_EQ(b.chk.stats().total_violations(), 1u);
  EXPECT_EQ(b.chk.stats().invalidations, 1u);
  // An invalidation with its ends swapped.
  b.target.tsock->invalidate_direct_mem_ptr(0x80, 0x40);
  EXPECT_EQ(b.chk.violations(TlmRule::invalidate_range), 1u);
}

// ---- reporting -----------------------------------------------------------------------------

// Without a capture a violation is an ordinary SC_REPORT_ERROR: in the SystemC test harness, a
// test failure naming the checker, the link, the rule and the payload.
TEST(Checker, ViolationIsASystemCErrorThatFailsTheTest) {
  TlmProbe probe("probe");
  TlmChecker chk("chk", "probe -> target");
  MockTarget target("target");
  target.on_b = [](tlm::tlm_generic_payload& gp, sc_time&) { gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE); };
  probe.isock.bind(chk.tsock);
  chk.isock.bind(target.tsock);
  sc_start(SC_ZERO_TIME);
  EXPECT_NONFATAL_FAILURE(probe.access(tlm::TLM_READ_COMMAND, 0x30, nullptr, 4),
                          "chk (probe -> target): read/write with a null data pointer (IEEE 1666-2011 14.11); "
                          "payload: read at 0x30, length 4, streaming width 4, data null, byte enables none");
}

TEST(Checker, EveryRuleHasATextWithItsClause) {
  for (unsigned i = 0; i < kTlmRuleCount; ++i) {
    const std::string text = to_string(static_cast<TlmRule>(i));
    EXPECT_NE(text.find("(IEEE 1666-2011 1"), std::string::npos) << i << ": " << text;
  }
}

}  // namespace
}  // namespace lpsim::hw
