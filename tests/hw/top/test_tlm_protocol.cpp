// The device's TLM targets through the protocol checkers: a host sends malformed transactions
// into the accelerator (checks on), and each target answers with the right response status,
// while the checkers report exactly the initiator's violations and nothing of the targets.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include <systemc>
#include <tlm>

#include "hw/ctrl/ctrl_regs.hpp"
#include "hw/top/accelerator.hpp"
#include "tests/support/tlm_probe.hpp"

namespace lpsim::hw {
namespace {

using namespace sc_core;
using test::ReportCapture;
using test::TlmProbe;

constexpr std::uint64_t kDramBytes = 1 << 22;

// The one value of tlm_command that is no command: 3 (larger values are outside the enum's
// range, undefined behaviour that UBSan stops at).
const auto kNoSuchCommand = static_cast<tlm::tlm_command>(3);


AcceleratorConfig checked_config() {
  AcceleratorConfig c;
  c.rows = 4;
  c.cols = 3;
  c.weight_kb = c.input_kb = c.output_kb = 1;
  c.dram_bytes = kDramBytes;
  c.tlm_check = TlmCheck::on;
  return c;
}

// The rules a target (or the interconnect behind a link) can break.
constexpr TlmRule kTargetRules[] = {
    TlmRule::status_on_return,   TlmRule::attribute_modified, TlmRule::address_modified,
    TlmRule::write_data_modified, TlmRule::byte_enables_modified, TlmRule::disabled_bytes_written,
    TlmRule::answer_command,     TlmRule::answer_malformed,   TlmRule::answer_address,
    TlmRule::answer_burst,       TlmRule::answer_byte_enable, TlmRule::debug_count,
    TlmRule::blocked,            TlmRule::dmi_grant,          TlmRule::dmi_hint,
    TlmRule::invalidate_range};

std::uint64_t target_violations(const TlmChecker& c) {
  std::uint64_t n = 0;
  for (TlmRule r : kTargetRules) n += c.violations(r);
  return n;
}

// A host probe on the accelerator's bus, every checker report captured.
struct Device {
  ReportCapture reports{TlmChecker::kMsgType};
  Accelerator acc;
  TlmProbe host{"host"};
  Device() : acc("acc", checked_config()) {
    host.isock.bind(acc.i_bus.tsock);
    sc_start(SC_ZERO_TIME);
  }
  const TlmChecker& chk(const std::string& leaf) const {
    for (const auto& c : acc.tlm_checkers())
      if (c->basename() == leaf) return *c;
    throw std::runtime_error("no checker " + leaf);
  }
  std::uint64_t total_violations() const {
    std::uint64_t n = 0;
    for (const auto& c : acc.tlm_checkers()) n += c->stats().total_violations();
    return n;
  }
  std::uint64_t target_side_violations() const {
    std::uint64_t n = 0;
    for (const auto& c : acc.tlm_checkers()) n += target_violations(*c);
    return n;
  }
};

TEST(DeviceTlm, EveryLinkHasAChecker) {
  Device d;
  ASSERT_EQ(d.acc.tlm_checkers().size(), 4u);
  EXPECT_EQ(d.chk("i_chk_dma").link(), "i_ctrl.i_dma.isock -> i_bus.tsock");
  EXPECT_EQ(d.chk("i_chk_bus").link(), "i_bus.isock -> i_router.tsock (host and DMA traffic)");
  EXPECT_EQ(d.chk("i_chk_dram").link(), "i_router.isock[0] -> i_dram.tsock");
  EXPECT_EQ(d.chk("i_chk_ctrl").link(), "i_router.isock[1] -> i_ctrl.tsock");
  EXPECT_EQ(d.chk("i_chk_dram").caps().size, kDramBytes);
  EXPECT_EQ(d.chk("i_chk_ctrl").caps().access_bytes, 4u);
}

// One host transaction: what the device must answer, which initiator rule it breaks (reported
// on the bus link and again on the target's link), and which target it reaches (none: the
// router answers).
struct Case {
  const char* name;
  tlm::tlm_command cmd;
  std::uint64_t addr;
  unsigned len;
  std::function<void(tlm::tlm_generic_payload&)> tweak;
  tlm::tlm_response_status expected;
  std::optional<TlmRule> rule;
  const char* reaches;  // "i_chk_dram", "i_chk_ctrl" or nullptr
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class DeviceMalformed : public ::testing::TestWithParam<Case> {};

TEST_P(DeviceMalformed, TargetAnswersCorrectlyAndOnlyTheInitiatorIsReported) {
  const Case& c = GetParam();
  Device d;
  unsigned char data[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  EXPECT_EQ(d.host.access(c.cmd, c.addr, data, c.len, c.tweak), c.expected);

  EXPECT_EQ(d.chk("i_chk_bus").stats().b_transport, 1u);
  for (const char* t : {"i_chk_dram", "i_chk_ctrl"})
    EXPECT_EQ(d.chk(t).stats().b_transport, c.reaches && std::string(c.reaches) == t ? 1u : 0u) << t;
  EXPECT_EQ(d.target_side_violations(), 0u);
  if (c.rule) {
    EXPECT_EQ(d.chk("i_chk_bus").violations(*c.rule), 1u);
    if (c.reaches) {
      EXPECT_EQ(d.chk(c.reaches).violations(*c.rule), 1u);
    }
    EXPECT_EQ(d.total_violations(), c.reaches ? 2u : 1u);
    EXPECT_EQ(d.reports.count(to_string(*c.rule)), c.reaches ? 2u : 1u);
  } else {
    EXPECT_EQ(d.total_violations(), 0u);
    EXPECT_TRUE(d.reports.messages().empty()) << d.reports.messages().front();
  }
}

unsigned char g_be_all[4] = {0xff, 0xff, 0xff, 0xff};
unsigned char g_be_even[2] = {0xff, 0x00};
unsigned char g_be_bad[1] = {0x0f};

auto streaming_width(unsigned w) {
  return [w](tlm::tlm_generic_payload& gp) { gp.set_streaming_width(w); };
}
auto byte_enables(unsigned char* be, unsigned n) {
  return [be, n](tlm::tlm_generic_payload& gp) {
    gp.set_byte_enable_ptr(be);
    gp.set_byte_enable_length(n);
  };
}
auto no_data(tlm::tlm_generic_payload& gp) { gp.set_data_ptr(nullptr); }
auto unknown_command(tlm::tlm_generic_payload& gp) { gp.set_command(kNoSuchCommand); }
auto ignore_without_data(tlm::tlm_generic_payload& gp) {
  gp.set_data_ptr(nullptr);
  gp.set_data_length(0);
  gp.set_streaming_width(1);
}

constexpr std::uint64_t D = kDramBase + 0x1000;
constexpr std::uint64_t R = kCtrlBase;
constexpr auto OK = tlm::TLM_OK_RESPONSE;
constexpr auto ADDRESS = tlm::TLM_ADDRESS_ERROR_RESPONSE;
constexpr auto COMMAND = tlm::TLM_COMMAND_ERROR_RESPONSE;
constexpr auto BURST = tlm::TLM_BURST_ERROR_RESPONSE;
constexpr auto BYTE_ENABLE = tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
using tlm::TLM_IGNORE_COMMAND;
using tlm::TLM_READ_COMMAND;
using tlm::TLM_WRITE_COMMAND;

INSTANTIATE_TEST_SUITE_P(
    Dram, DeviceMalformed,
    ::testing::Values(
        Case{"read", TLM_READ_COMMAND, D, 8, {}, OK, {}, "i_chk_dram"},
        Case{"null_data", TLM_READ_COMMAND, D, 8, no_data, BURST, TlmRule::data_ptr, "i_chk_dram"},
        Case{"zero_length", TLM_WRITE_COMMAND, D, 0, streaming_width(1), BURST, TlmRule::data_length, "i_chk_dram"},
        Case{"streaming_width_0", TLM_READ_COMMAND, D, 8, streaming_width(0), BURST, TlmRule::streaming_width,
             "i_chk_dram"},
        Case{"streaming_burst", TLM_READ_COMMAND, D, 8, streaming_width(4), BURST, {}, "i_chk_dram"},
        Case{"byte_enable_length_0", TLM_WRITE_COMMAND, D, 8, byte_enables(g_be_even, 0), BYTE_ENABLE,
             TlmRule::byte_enable_length, "i_chk_dram"},
        Case{"byte_enable_value", TLM_WRITE_COMMAND, D, 8, byte_enables(g_be_bad, 1), BYTE_ENABLE,
             TlmRule::byte_enable_value, "i_chk_dram"},
        Case{"byte_enables_write", TLM_WRITE_COMMAND, D, 8, byte_enables(g_be_even, 2), OK, {}, "i_chk_dram"},
        Case{"byte_enables_read", TLM_READ_COMMAND, D, 8, byte_enables(g_be_even, 2), OK, {}, "i_chk_dram"},
        Case{"ignore_without_data", TLM_IGNORE_COMMAND, D, 0, ignore_without_data, OK, {}, "i_chk_dram"},
        Case{"unknown_command", TLM_READ_COMMAND, D, 8, unknown_command, COMMAND, TlmRule::command, "i_chk_dram"},
        Case{"status_not_incomplete", TLM_READ_COMMAND, D, 8,
             [](tlm::tlm_generic_payload& gp) { gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE); }, OK,
             TlmRule::status_on_entry, "i_chk_dram"},
        Case{"straddles_end", TLM_READ_COMMAND, kDramBase + kDramBytes - 4, 8, {}, ADDRESS, {}, nullptr},
        Case{"unmapped", TLM_WRITE_COMMAND, 0x8000'0000, 4, {}, ADDRESS, {}, nullptr}),
    [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Registers, DeviceMalformed,
    ::testing::Values(
        Case{"read_id", TLM_READ_COMMAND, R + regs::ID, 4, {}, OK, {}, "i_chk_ctrl"},
        Case{"length_8", TLM_READ_COMMAND, R + regs::ID, 8, {}, BURST, {}, "i_chk_ctrl"},
        Case{"streaming", TLM_READ_COMMAND, R + regs::ID, 4, streaming_width(2), BURST, {}, "i_chk_ctrl"},
        Case{"byte_enables", TLM_WRITE_COMMAND, R + regs::IRQ_ENABLE, 4, byte_enables(g_be_all, 4), BYTE_ENABLE, {},
             "i_chk_ctrl"},
        Case{"unaligned", TLM_READ_COMMAND, R + regs::ID + 2, 4, {}, ADDRESS, {}, "i_chk_ctrl"},
        Case{"hole", TLM_READ_COMMAND, R + 0x8C, 4, {}, ADDRESS, {}, "i_chk_ctrl"},
        Case{"read_only", TLM_WRITE_COMMAND, R + regs::ID, 4, {}, COMMAND, {}, "i_chk_ctrl"},
        Case{"unknown_command", TLM_READ_COMMAND, R + regs::ID, 4, unknown_command, COMMAND, TlmRule::command,
             "i_chk_ctrl"},
        Case{"ignore_without_data", TLM_IGNORE_COMMAND, R + regs::CTRL, 0, ignore_without_data, OK, {},
             "i_chk_ctrl"},
        Case{"null_data", TLM_READ_COMMAND, R + regs::ID, 4, no_data, BURST, TlmRule::data_ptr, "i_chk_ctrl"},
        Case{"past_window", TLM_READ_COMMAND, R + regs::kWindowBytes, 4, {}, ADDRESS, {}, nullptr}),
    [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

// A write with byte enables changes exactly the enabled bytes of the DRAM.
TEST(DeviceTlm, ByteEnabledWriteChangesOnlyEnabledBytes) {
  Device d;
  unsigned char ones[8], mixed[8] = {10, 11, 12, 13, 14, 15, 16, 17}, back[8] = {};
  std::memset(ones, 1, 8);
  ASSERT_EQ(d.host.access(TLM_WRITE_COMMAND, D, ones, 8), OK);
  ASSERT_EQ(d.host.access(TLM_WRITE_COMMAND, D, mixed, 8, byte_enables(g_be_even, 2)), OK);
  ASSERT_EQ(d.host.access(TLM_READ_COMMAND, D, back, 8), OK);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(back[i], i % 2 ? 1 : 10 + i) << i;
  EXPECT_EQ(d.total_violations(), 0u);
}

// Debug transport and DMI requests from the host through bus, router and both targets.
TEST(DeviceTlm, DebugAndDmiThroughTheDeviceAreWellFormed) {
  Device d;
  unsigned char w[8] = {1, 2, 3, 4, 5, 6, 7, 8}, r[8] = {};
  tlm::tlm_generic_payload gp;
  TlmProbe::prepare(gp, TLM_WRITE_COMMAND, D, w, 8);
  EXPECT_EQ(d.host.debug(gp), 8u);
  TlmProbe::prepare(gp, TLM_READ_COMMAND, D, r, 8);
  EXPECT_EQ(d.host.debug(gp), 8u);
  EXPECT_EQ(std::memcmp(r, w, 8), 0);
  TlmProbe::prepare(gp, TLM_READ_COMMAND, R + regs::ID, r, 8);  // ID and VERSION
  EXPECT_EQ(d.host.debug(gp), 8u);
  TlmProbe::prepare(gp, TLM_READ_COMMAND, 0x8000'0000, r, 8);  // unmapped
  EXPECT_EQ(d.host.debug(gp), 0u);

  // DMI: the DRAM has it off, the registers have none, and between them nothing is mapped;
  // each denial's range holds the address asked for.
  for (std::uint64_t a : {D, R + regs::STATUS, std::uint64_t{0x8000'0000}}) {
    TlmProbe::prepare(gp, TLM_READ_COMMAND, a, r, 4);
    tlm::tlm_dmi dmi;
    EXPECT_FALSE(d.host.dmi(gp, dmi)) << a;
    EXPECT_LE(dmi.get_start_address(), a);
    EXPECT_GE(dmi.get_end_address(), a);
  }
  TlmProbe::prepare(gp, TLM_READ_COMMAND, 0x8000'0000, r, 4);
  tlm::tlm_dmi gap;
  d.host.dmi(gp, gap);
  EXPECT_EQ(gap.get_start_address(), kDramBase + kDramBytes);  // the unmapped gap, not everything
  EXPECT_EQ(gap.get_end_address(), kCtrlBase - 1);
  EXPECT_EQ(d.total_violations(), 0u);
  EXPECT_EQ(d.chk("i_chk_bus").stats().transport_dbg, 4u);
  EXPECT_EQ(d.chk("i_chk_bus").stats().get_direct_mem_ptr, 4u);
}

// The DRAM's own checks (behind the router only straddling is possible), with DMI enabled.
TEST(DeviceTlm, DramAnswersThroughAChecker) {
  ReportCapture reports(TlmChecker::kMsgType);
  DramConfig cfg;
  cfg.capacity_bytes = 4096;
  cfg.dmi_enabled = true;
  TlmProbe host("host");
  TlmChecker chk("chk", "host -> dram", TlmTargetCaps::memory(cfg.capacity_bytes, true));
  Dram dram("dram", cfg);
  host.isock.bind(chk.tsock);
  chk.isock.bind(dram.tsock);
  sc_start(SC_ZERO_TIME);

  unsigned char data[8] = {};
  tlm::tlm_generic_payload gp;
  TlmProbe::prepare(gp, TLM_WRITE_COMMAND, 0x100, data, 8);
  EXPECT_EQ(host.send(gp), OK);
  EXPECT_TRUE(gp.is_dmi_allowed());  // the hint: DMI must be granted there
  TlmProbe::prepare(gp, TLM_READ_COMMAND, 0x100, data, 8);
  tlm::tlm_dmi dmi;
  EXPECT_TRUE(host.dmi(gp, dmi));
  EXPECT_EQ(host.access(TLM_READ_COMMAND, 4090, data, 8), ADDRESS);
  EXPECT_EQ(host.access(TLM_READ_COMMAND, 5000, data, 8), ADDRESS);
  TlmProbe::prepare(gp, TLM_READ_COMMAND, 5000, data, 8);
  tlm::tlm_dmi past;
  EXPECT_FALSE(host.dmi(gp, past));
  EXPECT_EQ(past.get_start_address(), 4096u);  // everything past the end is denied
  // An ignored command is answered OK, without the DMI hint.
  TlmProbe::prepare(gp, TLM_IGNORE_COMMAND, 5000, data, 8);
  EXPECT_EQ(host.send(gp), OK);
  EXPECT_FALSE(gp.is_dmi_allowed());
  EXPECT_EQ(host.access(TLM_READ_COMMAND, 0, data, 8, unknown_command), COMMAND);
  EXPECT_EQ(chk.violations(TlmRule::command), 1u);
  EXPECT_EQ(chk.stats().total_violations(), 1u);
  EXPECT_EQ(dram.stats().errors, 3u);
}

}  // namespace
}  // namespace lpsim::hw
