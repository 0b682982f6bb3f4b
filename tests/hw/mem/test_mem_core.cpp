// Kernel-free tests of the memory cores: SRAM buffer, DRAM core, address map, DMA burst plan.
#include <gtest/gtest.h>

#include "tests/support/error_of.hpp"

#include <cstring>
#include <numeric>
#include <vector>

#include "hw/mem/address_map.hpp"
#include "hw/common/config_error.hpp"
#include "hw/mem/dma_plan.hpp"
#include "hw/mem/dram_core.hpp"
#include "hw/mem/sram_buffer.hpp"

namespace lpsim::hw {
namespace {

using lpsim::test::error_of;

// ---- SramBuffer -------------------------------------------------------------------------

TEST(BufferConfig, ValidateNamesTheField) {
  BufferConfig c;
  c.name = "wb";
  c.capacity_bytes = 0;
  EXPECT_EQ(error_of<ConfigError>([&] { c.validate(); }), "wb: capacity_bytes must be > 0");
  c.capacity_bytes = 1000;
  c.banks = 8;
  c.bank_width_bytes = 8;
  EXPECT_NE(error_of<ConfigError>([&] { c.validate(); }).find("not a multiple of banks * bank_width_bytes = 64"),
            std::string::npos);
  c.capacity_bytes = 1024;
  c.ports = 0;
  EXPECT_EQ(error_of<ConfigError>([&] { c.validate(); }), "wb: ports must be > 0");
}

TEST(BufferConfig, FitCheckBeforeSimulation) {
  BufferConfig c;
  c.name = "wb";
  c.capacity_bytes = 128 * 1024;
  EXPECT_EQ(c.tile_capacity(), 64u * 1024);
  EXPECT_TRUE(c.fits(65536));
  EXPECT_FALSE(c.fits(65537));
  EXPECT_EQ(c.fit_error(65536), "");
  EXPECT_EQ(c.fit_error(70000),
            "wb: tile of 70000 bytes exceeds the 65536-byte half of a 131072-byte double buffer");
  EXPECT_THROW(c.require_fit(65537), ConfigError);
  c.double_buffered = false;
  EXPECT_TRUE(c.fits(131072));
  EXPECT_EQ(c.fit_error(131073), "wb: tile of 131073 bytes exceeds the 131072-byte buffer");
}

TEST(SramBuffer, PingPongHalvesAreIndependentAndCounted) {
  BufferConfig c;
  c.name = "ib";
  c.capacity_bytes = 1024;
  SramBuffer b(c);
  EXPECT_EQ(b.half_bytes(), 512u);
  EXPECT_EQ(b.fill_half(), 0u);
  EXPECT_EQ(b.drain_half(), 1u);
  std::vector<std::uint8_t> a(512, 0xaa), z(512, 0x55), out(512);
  b.write(b.fill_half(), 0, a.data(), a.size());
  b.swap();
  EXPECT_EQ(b.fill_half(), 1u);
  b.write(b.fill_half(), 0, z.data(), z.size());
  b.read(b.drain_half(), 0, out.data(), out.size());
  EXPECT_EQ(out, a);
  b.read(1, 0, out.data(), out.size());
  EXPECT_EQ(out, z);
  EXPECT_EQ(b.stats().bytes_written, 1024u);
  EXPECT_EQ(b.stats().bytes_read, 1024u);
  EXPECT_EQ(b.stats().writes, 2u);
  EXPECT_EQ(b.stats().reads, 2u);
  EXPECT_EQ(b.stats().swaps, 1u);
  // Overflowing a half is never silent.
  EXPECT_THROW(b.write(0, 500, a.data(), 13), std::out_of_range);
  EXPECT_THROW(b.read(2, 0, out.data(), 1), std::out_of_range);
}

TEST(SramBuffer, SingleBufferedUsesWholeCapacity) {
  BufferConfig c;
  c.capacity_bytes = 256;
  c.banks = 4;
  c.double_buffered = false;
  SramBuffer b(c);
  EXPECT_EQ(b.num_halves(), 1u);
  EXPECT_EQ(b.half_bytes(), 256u);
  b.swap();
  EXPECT_EQ(b.fill_half(), 0u);
  EXPECT_EQ(b.drain_half(), 0u);
}

TEST(SramBuffer, BankConflictsCountExtraCycles) {
  BufferConfig c;
  c.capacity_bytes = 1024;
  c.banks = 4;
  c.bank_width_bytes = 8;
  c.ports = 1;
  SramBuffer b(c);
  EXPECT_EQ(b.bank_of(0), 0u);
  EXPECT_EQ(b.bank_of(8), 1u);
  EXPECT_EQ(b.bank_of(32), 0u);
  EXPECT_EQ(b.bank_access({0, 8, 16, 24}), 1u);  // four banks, no conflict
  EXPECT_EQ(b.bank_access({0, 32, 64, 8}), 3u);  // three hits on bank 0
  EXPECT_EQ(b.stats().bank_conflicts, 2u);
  EXPECT_EQ(b.stats().access_cycles, 4u);
  EXPECT_EQ(b.bank_access({}), 0u);
}

// ---- DramCore ---------------------------------------------------------------------------

DramRequest req(DramRequest::Cmd cmd, std::uint64_t addr, std::uint8_t* data, std::size_t len) {
  DramRequest r;
  r.cmd = cmd;
  r.addr = addr;
  r.data = data;
  r.len = len;
  r.streaming_width = len;
  return r;
}

TEST(DramCore, SparseStoreCoversLargeAddressSpace) {
  DramConfig c;
  c.capacity_bytes = 256ull << 20;
  DramCore d(c);
  std::vector<std::uint8_t> w(100), r(100, 0xff);
  std::iota(w.begin(), w.end(), 1);
  std::uint64_t cycles = 0;
  const std::uint64_t top = c.capacity_bytes - 50;  // spans the last two pages
  EXPECT_EQ(d.access(req(DramRequest::Cmd::write, top - 50, w.data(), 100), cycles), MemStatus::ok);
  EXPECT_EQ(d.access(req(DramRequest::Cmd::read, top - 50, r.data(), 100), cycles), MemStatus::ok);
  EXPECT_EQ(r, w);
  EXPECT_EQ(d.stats().pages_allocated, 1u);  // 100 bytes inside the last 4 KiB page
  // Unwritten memory reads as zero and allocates nothing.
  EXPECT_EQ(d.access(req(DramRequest::Cmd::read, 12345678, r.data(), 100), cycles), MemStatus::ok);
  EXPECT_EQ(r, std::vector<std::uint8_t>(100, 0));
  EXPECT_EQ(d.stats().pages_allocated, 1u);
  // Across a page boundary.
  EXPECT_EQ(d.access(req(DramRequest::Cmd::write, 4096 - 10, w.data(), 100), cycles), MemStatus::ok);
  EXPECT_EQ(d.stats().pages_allocated, 3u);
  std::vector<std::uint8_t> dbg(100);
  EXPECT_EQ(d.debug_read(4096 - 10, dbg.data(), 100), 100u);
  EXPECT_EQ(dbg, w);
}

TEST(DramCore, TimingIsLatencyPlusBeats) {
  DramConfig c;
  c.latency_cycles = 10;
  c.bytes_per_cycle = 16;
  DramCore d(c);
  EXPECT_EQ(d.access_cycles(1), 11u);
  EXPECT_EQ(d.access_cycles(16), 11u);
  EXPECT_EQ(d.access_cycles(17), 12u);
  EXPECT_EQ(d.access_cycles(64), 14u);
  std::vector<std::uint8_t> buf(64);
  std::uint64_t cycles = 0;
  d.access(req(DramRequest::Cmd::read, 0, buf.data(), 64), cycles);
  EXPECT_EQ(cycles, 14u);
  d.access(req(DramRequest::Cmd::write, 0, buf.data(), 17), cycles);
  EXPECT_EQ(cycles, 12u);
  EXPECT_EQ(d.stats().busy_cycles, 26u);
  EXPECT_EQ(d.stats().bytes_read, 64u);
  EXPECT_EQ(d.stats().bytes_written, 17u);
}

TEST(DramCore, ErrorStatuses) {
  DramConfig c;
  c.capacity_bytes = 1 << 20;
  DramCore d(c);
  std::uint8_t buf[8] = {};
  std::uint64_t cycles = 99;
  EXPECT_EQ(d.access(req(DramRequest::Cmd::read, c.capacity_bytes - 4, buf, 8), cycles), MemStatus::address_error);
  EXPECT_EQ(cycles, 0u);
  EXPECT_EQ(d.access(req(DramRequest::Cmd::read, ~0ull - 2, buf, 8), cycles), MemStatus::address_error);
  EXPECT_EQ(d.access(req(DramRequest::Cmd::read, 0, buf, 0), cycles), MemStatus::burst_error);
  EXPECT_EQ(d.access(req(DramRequest::Cmd::read, 0, nullptr, 8), cycles), MemStatus::burst_error);
  auto r = req(DramRequest::Cmd::write, 0, buf, 8);
  r.streaming_width = 4;
  EXPECT_EQ(d.access(r, cycles), MemStatus::burst_error);
  r.streaming_width = 8;
  const std::uint8_t be[1] = {0xff};
  r.byte_enable = be;
  r.byte_enable_len = 0;
  EXPECT_EQ(d.access(r, cycles), MemStatus::byte_enable_error);
  EXPECT_EQ(d.stats().errors, 6u);
  EXPECT_EQ(d.stats().busy_cycles, 0u);
  EXPECT_EQ(d.access(req(DramRequest::Cmd::ignore, ~0ull, nullptr, 0), cycles), MemStatus::ok);
}

TEST(DramCore, ByteEnablesMaskWritesAndReads) {
  DramCore d(DramConfig{});
  std::uint8_t ones[8], mixed[8];
  std::memset(ones, 0x11, 8);
  for (int i = 0; i < 8; ++i) mixed[i] = static_cast<std::uint8_t>(0xa0 + i);
  std::uint64_t cycles = 0;
  d.access(req(DramRequest::Cmd::write, 64, ones, 8), cycles);
  const std::uint8_t be[2] = {0xff, 0x00};  // pattern repeats: even bytes enabled
  auto w = req(DramRequest::Cmd::write, 64, mixed, 8);
  w.byte_enable = be;
  w.byte_enable_len = 2;
  EXPECT_EQ(d.access(w, cycles), MemStatus::ok);
  std::uint8_t got[8];
  d.debug_read(64, got, 8);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(got[i], i % 2 ? 0x11 : 0xa0 + i) << i;
}

TEST(DramConfig, ValidateNamesTheField) {
  DramConfig c;
  c.bytes_per_cycle = 0;
  EXPECT_EQ(error_of<ConfigError>([&] { c.validate(); }), "dram: bytes_per_cycle must be > 0");
  c = DramConfig{};
  c.page_bytes = 1000;
  EXPECT_EQ(error_of<ConfigError>([&] { DramCore d(c); }), "dram: page_bytes = 1000 must be a power of two");
}

// ---- AddressMap -------------------------------------------------------------------------

TEST(AddressMap, DecodesAndRebases) {
  AddressMap m({{0x1000, 0x100, 1, "regs"}, {0x8000'0000, 0x1000'0000, 0, "dram"}});
  auto d = m.decode(0x8000'0010, 64);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->target, 0u);
  EXPECT_EQ(d->offset, 0x10u);
  d = m.decode(0x10fc, 4);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->target, 1u);
  EXPECT_EQ(d->offset, 0xfcu);
  EXPECT_FALSE(m.decode(0x10fd, 4));  // straddles the end of "regs"
  EXPECT_FALSE(m.decode(0x0fff));
  EXPECT_FALSE(m.decode(0x1100));
  EXPECT_FALSE(m.decode(0x9000'0000));
  EXPECT_EQ(m.max_target(), 1u);
  EXPECT_EQ(m.entries().front().name, "regs");  // sorted by base
}

TEST(AddressMap, OverlapRejectedWithBothNames) {
  EXPECT_EQ(error_of<ConfigError>([] { AddressMap m({{0x1000, 0x1000, 0, "a"}, {0x1800, 0x10, 1, "b"}}); }),
            "router: map entry 'b' [0x1800, 0x1810) overlaps 'a' [0x1000, 0x2000)");
  EXPECT_EQ(error_of<ConfigError>([] { AddressMap m({{0x0, 0x0, 0, "z"}}); }), "router: map entry 'z' has size 0");
  EXPECT_NE(error_of<ConfigError>([] { AddressMap m({{~0ull - 10, 100, 0, "w"}}); }).find("wraps"), std::string::npos);
  // Adjacent windows are fine; a window may end exactly at 2^64.
  AddressMap ok({{0x0, 0x1000, 0, "a"}, {0x1000, 0x1000, 1, "b"}, {~0ull - 0xfff, 0x1000, 2, "top"}});
  EXPECT_EQ(ok.decode(~0ull)->target, 2u);
}

// ---- DMA plan ---------------------------------------------------------------------------

TEST(DmaPlan, StridedRowsSplitIntoBursts) {
  DmaJob j;
  j.dram_addr = 0x100;
  j.rows = 3;
  j.row_bytes = 100;
  j.dram_stride = 256;
  j.local_offset = 8;
  const auto bursts = plan_bursts(j, 64);
  ASSERT_EQ(bursts.size(), 6u);
  EXPECT_EQ(count_bursts(j, 64), 6u);
  EXPECT_EQ(bursts[0].dram_addr, 0x100u);
  EXPECT_EQ(bursts[0].len, 64u);
  EXPECT_EQ(bursts[1].dram_addr, 0x140u);
  EXPECT_EQ(bursts[1].len, 36u);
  EXPECT_EQ(bursts[1].local_offset, 8u + 64);
  EXPECT_EQ(bursts[2].dram_addr, 0x200u);
  EXPECT_EQ(bursts[2].local_offset, 108u);  // dense in the local buffer
  std::uint64_t total = 0;
  for (const auto& b : bursts) total += b.len;
  EXPECT_EQ(total, j.total_bytes());
}

TEST(DmaPlan, CheckRejectsMalformedAndOverflowingJobs) {
  DmaJob j;
  j.rows = 2;
  j.row_bytes = 64;
  EXPECT_EQ(j.check(128), "");
  EXPECT_EQ(j.check(127), "dma: local footprint ends at byte 128 beyond the 127-byte local buffer");
  j.dram_stride = 32;
  EXPECT_EQ(j.check(1024), "dma: dram_stride 32 < row_bytes 64");
  j.dram_stride = 0;
  j.row_bytes = 0;
  EXPECT_EQ(j.check(1024), "dma: empty job (rows = 2, row_bytes = 0)");
}

}  // namespace
}  // namespace lpsim::hw
