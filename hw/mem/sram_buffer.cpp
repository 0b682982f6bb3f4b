// On-chip SRAM buffer core: validation, fit checks, ping-pong halves and bank-conflict counting.
#include "hw/mem/sram_buffer.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "hw/common/config_error.hpp"

namespace lpsim::hw {

void BufferConfig::validate() const {
  auto fail = [&](const std::string& what) { throw ConfigError(name + ": " + what); };
  if (capacity_bytes == 0) fail("capacity_bytes must be > 0");
  if (banks == 0) fail("banks must be > 0");
  if (bank_width_bytes == 0) fail("bank_width_bytes must be > 0");
  if (ports == 0) fail("ports must be > 0");
  if (double_buffered && capacity_bytes % 2 != 0)
    fail("capacity_bytes = " + std::to_string(capacity_bytes) +
         " must be even when double_buffered (two equal halves)");
  if (capacity_bytes % (std::uint64_t{banks} * bank_width_bytes) != 0)
    fail("capacity_bytes = " + std::to_string(capacity_bytes) + " is not a multiple of banks * bank_width_bytes = " +
         std::to_string(std::uint64_t{banks} * bank_width_bytes));
}

std::string BufferConfig::fit_error(std::uint64_t tile_bytes) const {
  if (fits(tile_bytes)) return {};
  std::string s = name + ": tile of " + std::to_string(tile_bytes) + " bytes exceeds ";
  if (double_buffered)
    s += "the " + std::to_string(tile_capacity()) + "-byte half of a " + std::to_string(capacity_bytes) +
         "-byte double buffer";
  else
    s += "the " + std::to_string(capacity_bytes) + "-byte buffer";
  return s;
}

void BufferConfig::require_fit(std::uint64_t tile_bytes) const {
  const std::string e = fit_error(tile_bytes);
  if (!e.empty()) throw ConfigError(e);
}

SramBuffer::SramBuffer(BufferConfig cfg) : m_cfg(std::move(cfg)) {
  m_cfg.validate();
  m_bytes.assign(m_cfg.capacity_bytes, 0);
}

void SramBuffer::swap() {
  if (m_cfg.double_buffered) m_fill = 1u - m_fill;
  ++m_stats.swaps;
}

void SramBuffer::check_half(unsigned half) const {
  if (half >= num_halves())
    throw std::out_of_range(m_cfg.name + ": half " + std::to_string(half) + " does not exist");
}

void SramBuffer::check(unsigned half, std::uint64_t offset, std::size_t n) const {
  check_half(half);
  if (offset > half_bytes() || n > half_bytes() - offset)
    throw std::out_of_range(m_cfg.name + ": access of " + std::to_string(n) + " bytes at offset " +
                            std::to_string(offset) + " overflows the " + std::to_string(half_bytes()) +
                            "-byte half");
}

void SramBuffer::read(unsigned half, std::uint64_t offset, std::uint8_t* dst, std::size_t n) {
  check(half, offset, n);
  if (n) std::memcpy(dst, m_bytes.data() + half * half_bytes() + offset, n);
  m_stats.bytes_read += n;
  ++m_stats.reads;
}

void SramBuffer::write(unsigned half, std::uint64_t offset, const std::uint8_t* src, std::size_t n) {
  check(half, offset, n);
  if (n) std::memcpy(m_bytes.data() + half * half_bytes() + offset, src, n);
  m_stats.bytes_written += n;
  ++m_stats.writes;
}

std::uint64_t SramBuffer::bank_access(const std::vector<std::uint64_t>& addrs) {
  if (addrs.empty()) return 0;
  std::unordered_map<unsigned, std::uint64_t> per_bank;
  for (auto a : addrs) ++per_bank[bank_of(a)];
  std::uint64_t cycles = 1;
  for (const auto& [bank, count] : per_bank) cycles = std::max(cycles, (count + m_cfg.ports - 1) / m_cfg.ports);
  m_stats.access_cycles += cycles;
  m_stats.bank_conflicts += cycles - 1;
  return cycles;
}

}  // namespace lpsim::hw
