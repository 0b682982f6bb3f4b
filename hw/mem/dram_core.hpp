// Kernel-free external-memory core: sparse backing store, request checks, timing, statistics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>

#include "hw/mem/mem_status.hpp"

namespace lpsim::hw {

struct DramConfig {
  std::uint64_t capacity_bytes = 256ull << 20;  // address space [0, capacity)
  unsigned bytes_per_cycle = 16;                // sustained bandwidth
  unsigned latency_cycles = 50;                 // fixed access latency per transaction
  double clock_period_ns = 2.0;                 // DRAM-interface clock (500 MHz)
  std::uint64_t page_bytes = 4096;              // backing-store page (allocated on first write)
  bool dmi_enabled = false;                     // grant direct memory pointers (per page)

  void validate() const;  // throws ConfigError naming the field
};

struct DramStats {
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t reads = 0;
  std::uint64_t writes = 0;
  std::uint64_t busy_cycles = 0;  // sum over transactions of access_cycles(len)
  std::uint64_t errors = 0;       // requests answered with a non-OK status
  std::uint64_t pages_allocated = 0;
};

// One request as the core sees it (a TLM generic payload without SystemC types).
struct DramRequest {
  enum class Cmd { read, write, ignore, other } cmd = Cmd::read;  // other: no such command
  std::uint64_t addr = 0;
  std::uint8_t* data = nullptr;
  std::size_t len = 0;
  std::size_t streaming_width = 0;           // must equal len (no streaming)
  const std::uint8_t* byte_enable = nullptr;  // 0xff = enabled, 0x00 = disabled (nothing else); null = all
  std::size_t byte_enable_len = 0;           // pattern repeats; must be > 0 when byte_enable set
};

// Timing of one transaction in isolation: latency_cycles + ceil(len / bytes_per_cycle) cycles
// (access_cycles). The TLM shell (dram.hpp) adds the shared data channel across transactions.
// Unwritten memory reads as zero.
class DramCore {
 public:
  explicit DramCore(DramConfig cfg);  // validates

  const DramConfig& config() const { return m_cfg; }
  const DramStats& stats() const { return m_stats; }
  void reset_stats() { m_stats.bytes_read = m_stats.bytes_written = m_stats.reads = m_stats.writes = 0;
                       m_stats.busy_cycles = m_stats.errors = 0; }

  std::uint64_t access_cycles(std::size_t len) const {
    return m_cfg.latency_cycles + (len + m_cfg.bytes_per_cycle - 1) / m_cfg.bytes_per_cycle;
  }
  // Checks then performs the request; counts stats and busy cycles only for OK requests.
  // `cycles` receives access_cycles(len) (0 on error).
  MemStatus access(const DramRequest& req, std::uint64_t& cycles);
  // Validation only, in the order: command (other -> command_error; ignore -> ok, nothing else
  // checked), address range, length/streaming, byte enables.
  MemStatus check(const DramRequest& req) const;

  // Debug access: no timing, no stats; clipped to capacity; returns bytes copied.
  std::size_t debug_read(std::uint64_t addr, std::uint8_t* dst, std::size_t len) const;
  std::size_t debug_write(std::uint64_t addr, const std::uint8_t* src, std::size_t len);

  // Pointer to the (allocated) page holding addr, for DMI; page base = addr - addr % page_bytes.
  std::uint8_t* page_ptr(std::uint64_t addr);

 private:
  std::uint8_t* page_for_write(std::uint64_t page_index);
  const std::uint8_t* page_for_read(std::uint64_t page_index) const;

  DramConfig m_cfg;
  DramStats m_stats;
  std::unordered_map<std::uint64_t, std::unique_ptr<std::uint8_t[]>> m_pages;
};

}  // namespace lpsim::hw
