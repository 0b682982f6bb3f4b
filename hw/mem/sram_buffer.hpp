// On-chip SRAM buffer core (WB, IB, OB): capacity, banks, ports, ping-pong halves, byte counts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hw/mem/local_store.hpp"

namespace lpsim::hw {

struct BufferConfig {
  std::string name = "buffer";       // "wb", "ib", "ob": used in error messages
  std::uint64_t capacity_bytes = 128 * 1024;
  unsigned banks = 8;                // word-interleaved banks
  unsigned bank_width_bytes = 8;     // bytes per bank word (one access per port per cycle)
  unsigned ports = 1;                // ports per bank
  bool double_buffered = true;       // two halves: the DMA fills one while the array reads the other

  // Throws ConfigError naming the field and the value.
  void validate() const;
  // Bytes one tile may occupy: half the capacity when double-buffered, else all of it.
  std::uint64_t tile_capacity() const { return double_buffered ? capacity_bytes / 2 : capacity_bytes; }
  bool fits(std::uint64_t tile_bytes) const { return tile_bytes <= tile_capacity(); }
  // Empty when `tile_bytes` fits, else a one-line reason naming the buffer, e.g.
  // "wb: tile of 70000 bytes exceeds the 65536-byte half of a 131072-byte double buffer".
  std::string fit_error(std::uint64_t tile_bytes) const;
  // Throws ConfigError with fit_error() when the tile does not fit.
  void require_fit(std::uint64_t tile_bytes) const;
};

struct SramBufferStats {
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t reads = 0;           // read calls
  std::uint64_t writes = 0;          // write calls
  std::uint64_t access_cycles = 0;   // cycles of bank_access() groups
  std::uint64_t bank_conflicts = 0;  // extra cycles caused by more accesses to a bank than ports
  std::uint64_t swaps = 0;           // ping-pong swaps
};

class SramBuffer {
 public:
  explicit SramBuffer(BufferConfig cfg);  // validates

  const BufferConfig& config() const { return m_cfg; }
  const SramBufferStats& stats() const { return m_stats; }
  void reset_stats() { m_stats = {}; }

  unsigned num_halves() const { return m_cfg.double_buffered ? 2u : 1u; }
  std::uint64_t half_bytes() const { return m_cfg.tile_capacity(); }
  // Ping-pong: the fill half is written by the DMA, the drain half is read by the array.
  // Single-buffered: both are half 0.
  unsigned fill_half() const { return m_fill; }
  unsigned drain_half() const { return m_cfg.double_buffered ? 1u - m_fill : 0u; }
  void swap();

  // Byte access inside one half. Out-of-range access is a model invariant violation (the plan
  // was checked before simulation): throws std::out_of_range naming the buffer.
  void read(unsigned half, std::uint64_t offset, std::uint8_t* dst, std::size_t n);
  void write(unsigned half, std::uint64_t offset, const std::uint8_t* src, std::size_t n);

  // Bank of an absolute byte address (word-interleaved).
  unsigned bank_of(std::uint64_t addr) const {
    return static_cast<unsigned>((addr / m_cfg.bank_width_bytes) % m_cfg.banks);
  }
  // Cycles to serve one group of word accesses issued together (absolute byte addresses):
  // max over banks of ceil(accesses to the bank / ports). Adds cycles - 1 to bank_conflicts
  // when greater than one. Returns 0 for an empty group.
  std::uint64_t bank_access(const std::vector<std::uint64_t>& addrs);

  // A LocalStore view of one half (for the DMA); counts through this buffer's stats.
  class HalfView final : public LocalStore {
   public:
    HalfView(SramBuffer& buf, unsigned half) : m_buf(buf), m_half(half) {}
    std::uint64_t size() const override { return m_buf.half_bytes(); }
    void read(std::uint64_t off, std::uint8_t* dst, std::size_t n) override { m_buf.read(m_half, off, dst, n); }
    void write(std::uint64_t off, const std::uint8_t* src, std::size_t n) override {
      m_buf.write(m_half, off, src, n);
    }

   private:
    SramBuffer& m_buf;
    unsigned m_half;
  };
  HalfView half(unsigned h) { check_half(h); return HalfView(*this, h); }

 private:
  void check(unsigned half, std::uint64_t offset, std::size_t n) const;
  void check_half(unsigned half) const;

  BufferConfig m_cfg;
  SramBufferStats m_stats;
  std::vector<std::uint8_t> m_bytes;
  unsigned m_fill = 0;
};

}  // namespace lpsim::hw
