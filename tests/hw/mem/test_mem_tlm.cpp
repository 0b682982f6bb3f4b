// SystemC tests of the memory system: DMA -> Router -> DRAM transfers, exact delays, errors.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include <systemc>
#include <tlm>

#include "hw/common/config_error.hpp"
#include "hw/mem/dma.hpp"
#include "hw/mem/dram.hpp"
#include "hw/mem/router.hpp"
#include "hw/mem/sram_buffer.hpp"
#include "tests/support/tlm_probe.hpp"

namespace lpsim::hw {
namespace {

using namespace sc_core;
using test::ScThread;  // test bodies run in a thread (the DMA may wait())
using test::TlmProbe;  // a raw initiator for protocol-error tests

constexpr std::uint64_t kDramBase = 0x8000'0000;
constexpr std::uint64_t kSramBase = 0x1000'0000;

DramConfig dram_cfg() {
  DramConfig c;
  c.capacity_bytes = 256ull << 20;
  c.latency_cycles = 10;
  c.bytes_per_cycle = 16;
  c.clock_period_ns = 2.0;
  return c;
}

DramConfig scratch_cfg() {
  DramConfig c;
  c.capacity_bytes = 4096;
  c.latency_cycles = 1;
  c.bytes_per_cycle = 64;
  c.clock_period_ns = 1.0;
  c.dmi_enabled = true;
  return c;
}

// DMA -> Router -> {DRAM at 0x8000_0000 (target 0), scratch memory at 0x1000_0000 (target 1)}.
struct Bench {
  Dma dma;
  Router router;
  Dram dram;
  Dram scratch;
  Bench(std::uint64_t burst = 64)
      : dma("dma", DmaConfig{burst, true}),
        router("router", RouterConfig{{{kDramBase, 256ull << 20, 0, "dram"}, {kSramBase, 4096, 1, "scratch"}}}),
        dram("dram", dram_cfg()),
        scratch("scratch", scratch_cfg()) {
    dma.isock.bind(router.tsock);
    router.isock.bind(dram.tsock);
    router.isock.bind(scratch.tsock);
  }
};

std::vector<std::uint8_t> ramp(std::size_t n, std::uint8_t start = 0) {
  std::vector<std::uint8_t> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

TEST(MemTlm, DmaStridedReadThroughRouterHasExactDelay) {
  Bench b;
  // Source: 3 rows of 100 bytes, DRAM row pitch 256, at DRAM offset 0x1000.
  for (int r = 0; r < 3; ++r) {
    auto row = ramp(100, static_cast<std::uint8_t>(r * 100));
    b.dram.core().debug_write(0x1000 + r * 256, row.data(), row.size());
  }
  std::vector<std::uint8_t> local(400, 0xee);
  DmaResult res;
  sc_time start, end;
  ScThread run("run", [&] {
    VectorStore store(local);
    start = sc_time_stamp();
    DmaJob j;
    j.dir = DmaDir::to_local;
    j.dram_addr = kDramBase + 0x1000;
    j.rows = 3;
    j.row_bytes = 100;
    j.dram_stride = 256;
    res = b.dma.run(j, store);
    end = sc_time_stamp();
  });
  sc_start();
  ASSERT_TRUE(run.finished);
  EXPECT_EQ(res.status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(res.bytes, 300u);
  EXPECT_EQ(res.bursts, 6u);
  // Per row: 64-byte burst (10 + 4 cycles) + 36-byte burst (10 + 3 cycles) = 27 cycles of 2 ns.
  EXPECT_EQ(res.delay, sc_time(3 * 27 * 2, SC_NS));
  EXPECT_EQ(end - start, sc_time(162, SC_NS));  // synced at the end of the job
  for (int i = 0; i < 300; ++i) EXPECT_EQ(local[i], static_cast<std::uint8_t>(i)) << i;
  EXPECT_EQ(local[300], 0xee);
  EXPECT_EQ(b.dram.stats().bytes_read, 300u);
  EXPECT_EQ(b.dram.stats().busy_cycles, 81u);
  EXPECT_EQ(b.dma.stats().bytes_read, 300u);
  EXPECT_EQ(b.router.stats().transactions[0], 6u);
  EXPECT_EQ(b.router.stats().transactions[1], 0u);
}

TEST(MemTlm, DmaWriteToDramWithQuantumSyncsKeepsTotalTime) {
  tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(50, SC_NS));
  Bench b(32);
  std::vector<std::uint8_t> local = ramp(256);
  DmaResult res;
  sc_time start, end;
  ScThread run("run", [&] {
    SramBuffer ob(BufferConfig{"ob", 512, 4, 8, 1, true});
    ob.write(0, 0, local.data(), local.size());
    auto half = ob.half(0);
    start = sc_time_stamp();
    DmaJob j;
    j.dir = DmaDir::to_dram;
    j.dram_addr = kDramBase + 0x40;
    j.rows = 4;
    j.row_bytes = 64;
    j.dram_stride = 128;
    res = b.dma.run(j, half);
    end = sc_time_stamp();
    EXPECT_EQ(ob.stats().bytes_read, 256u);
  });
  sc_start();
  ASSERT_TRUE(run.finished);
  ASSERT_TRUE(res.ok());
  // 8 bursts of 32 bytes, each 10 + 2 cycles of 2 ns = 24 ns; total 192 ns across 3 quanta.
  EXPECT_EQ(res.delay, sc_time(192, SC_NS));
  EXPECT_EQ(end - start, sc_time(192, SC_NS));
  std::vector<std::uint8_t> got(64);
  for (int r = 0; r < 4; ++r) {
    b.dram.core().debug_read(0x40 + r * 128, got.data(), 64);
    EXPECT_EQ(got, std::vector<std::uint8_t>(local.begin() + r * 64, local.begin() + (r + 1) * 64)) << r;
  }
  EXPECT_EQ(b.dram.stats().bytes_written, 256u);
  EXPECT_EQ(b.dma.stats().bytes_written, 256u);
}

TEST(MemTlm, DmaStopsAtUnmappedAddressAndReportsIt) {
  Bench b;
  std::vector<std::uint8_t> local(256);
  DmaResult res;
  ScThread run("run", [&] {
    VectorStore store(local);
    DmaJob j;
    j.dram_addr = kSramBase + 4096 - 128;  // rows 0-1 inside scratch, row 2 unmapped
    j.rows = 4;
    j.row_bytes = 64;
    res = b.dma.run(j, store);
  });
  sc_start();
  ASSERT_TRUE(run.finished);
  EXPECT_EQ(res.status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(res.bytes, 128u);
  EXPECT_EQ(res.bursts, 3u);
  EXPECT_EQ(res.error_addr, kSramBase + 4096);
  EXPECT_EQ(res.delay, sc_time(2 * 2, SC_NS));  // two scratch bursts of 1 + 1 cycles of 1 ns
  EXPECT_EQ(b.router.stats().decode_errors, 1u);
  EXPECT_EQ(b.dma.stats().errors, 1u);
}

TEST(MemTlm, DmaStraddlingWindowEndIsAddressError) {
  Bench b;
  std::vector<std::uint8_t> local(64);
  DmaResult res;
  ScThread run("run", [&] {
    VectorStore store(local);
    DmaJob j;
    j.dram_addr = kSramBase + 4096 - 32;  // one burst crossing the end of the scratch window
    j.row_bytes = 64;
    res = b.dma.run(j, store);
  });
  sc_start();
  EXPECT_EQ(res.status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(res.bytes, 0u);
}

TEST(MemTlm, DramOutOfRangeThroughDirectBindingIsAddressError) {
  Dma dma("dma", DmaConfig{});
  DramConfig c = dram_cfg();
  c.capacity_bytes = 1024;
  Dram dram("dram", c);
  dma.isock.bind(dram.tsock);
  std::vector<std::uint8_t> local(64);
  DmaResult res;
  ScThread run("run", [&] {
    VectorStore store(local);
    DmaJob j;
    j.dram_addr = 1000;
    j.row_bytes = 64;
    res = dma.run(j, store);
  });
  sc_start();
  EXPECT_EQ(res.status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(res.delay, SC_ZERO_TIME);
  EXPECT_EQ(dram.stats().errors, 1u);
}

TEST(MemTlm, DramProtocolErrors) {
  TlmProbe probe("probe");
  Dram dram("dram", dram_cfg());
  probe.isock.bind(dram.tsock);
  sc_start(SC_ZERO_TIME);
  std::uint8_t buf[16] = {};
  sc_time delay = SC_ZERO_TIME;
  tlm::tlm_generic_payload gp;
  TlmProbe::prepare(gp, tlm::TLM_READ_COMMAND, 0, buf, 16);
  EXPECT_EQ(probe.resend(gp, delay), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(delay, sc_time(22, SC_NS));  // (10 + 1) cycles of 2 ns
  delay = SC_ZERO_TIME;
  gp.set_streaming_width(4);
  EXPECT_EQ(probe.resend(gp, delay), tlm::TLM_BURST_ERROR_RESPONSE);
  gp.set_streaming_width(0);
  gp.set_data_length(0);
  EXPECT_EQ(probe.resend(gp, delay), tlm::TLM_BURST_ERROR_RESPONSE);
  gp.set_data_length(16);
  gp.set_streaming_width(16);
  std::uint8_t be[1] = {0xff};
  gp.set_byte_enable_ptr(be);
  gp.set_byte_enable_length(0);
  EXPECT_EQ(probe.resend(gp, delay), tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  gp.set_byte_enable_ptr(nullptr);
  gp.set_address(dram_cfg().capacity_bytes - 8);
  EXPECT_EQ(probe.resend(gp, delay), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(delay, SC_ZERO_TIME);  // errors take no time
  gp.set_command(tlm::TLM_IGNORE_COMMAND);
  EXPECT_EQ(probe.resend(gp, delay), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(dram.stats().errors, 4u);
}

TEST(MemTlm, RouterForwardsDebugAndDmiWithTranslatedRanges) {
  TlmProbe probe("probe");
  Router router("router", RouterConfig{{{kDramBase, 256ull << 20, 0, "dram"}, {kSramBase, 4096, 1, "scratch"}}});
  Dram dram("dram", dram_cfg());
  Dram scratch("scratch", scratch_cfg());
  probe.isock.bind(router.tsock);
  router.isock.bind(dram.tsock);
  router.isock.bind(scratch.tsock);
  sc_start(SC_ZERO_TIME);

  std::uint8_t w[4] = {1, 2, 3, 4}, r[4] = {};
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_WRITE_COMMAND);
  gp.set_address(kSramBase + 0x10);
  gp.set_data_ptr(w);
  gp.set_data_length(4);
  EXPECT_EQ(probe.isock->transport_dbg(gp), 4u);
  EXPECT_EQ(gp.get_address(), kSramBase + 0x10);  // restored
  std::uint8_t direct[4];
  scratch.core().debug_read(0x10, direct, 4);
  EXPECT_EQ(direct[3], 4);

  gp.set_command(tlm::TLM_READ_COMMAND);
  gp.set_data_ptr(r);
  tlm::tlm_dmi dmi;
  ASSERT_TRUE(probe.isock->get_direct_mem_ptr(gp, dmi));
  EXPECT_EQ(dmi.get_start_address(), kSramBase);
  EXPECT_EQ(dmi.get_end_address(), kSramBase + 4095);
  EXPECT_EQ(dmi.get_dmi_ptr()[0x13], 4);
  // DMI disabled on the big DRAM: denied.
  gp.set_address(kDramBase);
  EXPECT_FALSE(probe.isock->get_direct_mem_ptr(gp, dmi));
  // Unmapped debug access moves nothing.
  gp.set_address(0x10);
  EXPECT_EQ(probe.isock->transport_dbg(gp), 0u);
}

TEST(MemTlm, RouterRejectsOverlappingMapAtConstruction) {
  try {
    Router router("router", RouterConfig{{{0x0, 0x2000, 0, "dram"}, {0x1000, 0x100, 1, "regs"}}});
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "router: map entry 'regs' [0x1000, 0x1100) overlaps 'dram' [0x0, 0x2000)");
  }
}

}  // namespace
}  // namespace lpsim::hw
