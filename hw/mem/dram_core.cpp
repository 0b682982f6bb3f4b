// Kernel-free external-memory core: sparse pages, base-protocol checks, fixed-latency timing.
#include "hw/mem/dram_core.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "hw/common/config_error.hpp"

namespace lpsim::hw {

void DramConfig::validate() const {
  auto fail = [](const std::string& what) { throw ConfigError("dram: " + what); };
  if (capacity_bytes == 0) fail("capacity_bytes must be > 0");
  if (bytes_per_cycle == 0) fail("bytes_per_cycle must be > 0");
  if (!(clock_period_ns > 0) || !std::isfinite(clock_period_ns))
    fail("clock_period_ns = " + std::to_string(clock_period_ns) + " must be finite and > 0");
  if (page_bytes == 0 || (page_bytes & (page_bytes - 1)) != 0)
    fail("page_bytes = " + std::to_string(page_bytes) + " must be a power of two");
}

DramCore::DramCore(DramConfig cfg) : m_cfg(cfg) { m_cfg.validate(); }

MemStatus DramCore::check(const DramRequest& r) const {
  if (r.cmd == DramRequest::Cmd::other) return MemStatus::command_error;
  if (r.cmd == DramRequest::Cmd::ignore) return MemStatus::ok;
  if (r.addr >= m_cfg.capacity_bytes || r.len > m_cfg.capacity_bytes - r.addr)
    return MemStatus::address_error;
  if (r.len == 0 || r.data == nullptr || r.streaming_width != r.len) return MemStatus::burst_error;
  if (r.byte_enable != nullptr) {
    if (r.byte_enable_len == 0) return MemStatus::byte_enable_error;
    // Each byte enable is 0x00 (disabled) or 0xff (enabled); anything else means nothing.
    for (std::size_t i = 0; i < r.byte_enable_len; ++i)
      if (r.byte_enable[i] != 0x00 && r.byte_enable[i] != 0xff) return MemStatus::byte_enable_error;
  }
  return MemStatus::ok;
}

std::uint8_t* DramCore::page_for_write(std::uint64_t index) {
  auto& p = m_pages[index];
  if (!p) {
    p = std::make_unique<std::uint8_t[]>(m_cfg.page_bytes);  // value-initialised: zeros
    ++m_stats.pages_allocated;
  }
  return p.get();
}

const std::uint8_t* DramCore::page_for_read(std::uint64_t index) const {
  auto it = m_pages.find(index);
  return it == m_pages.end() ? nullptr : it->second.get();
}

std::uint8_t* DramCore::page_ptr(std::uint64_t addr) { return page_for_write(addr / m_cfg.page_bytes); }

MemStatus DramCore::access(const DramRequest& r, std::uint64_t& cycles) {
  cycles = 0;
  const MemStatus st = check(r);
  if (st != MemStatus::ok) {
    ++m_stats.errors;
    return st;
  }
  if (r.cmd == DramRequest::Cmd::ignore) return st;
  const bool wr = r.cmd == DramRequest::Cmd::write;
  std::size_t done = 0;
  while (done < r.len) {
    const std::uint64_t a = r.addr + done;
    const std::uint64_t index = a / m_cfg.page_bytes;
    const std::uint64_t off = a % m_cfg.page_bytes;
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(m_cfg.page_bytes - off, r.len - done));
    if (r.byte_enable == nullptr) {
      if (wr) {
        std::memcpy(page_for_write(index) + off, r.data + done, n);
      } else if (const auto* p = page_for_read(index)) {
        std::memcpy(r.data + done, p + off, n);
      } else {
        std::memset(r.data + done, 0, n);
      }
    } else {
      // Byte enables: disabled bytes are left untouched on both sides (TLM-2.0 §14.4).
      std::uint8_t* wp = wr ? page_for_write(index) : nullptr;
      const std::uint8_t* rp = wr ? nullptr : page_for_read(index);
      for (std::size_t i = 0; i < n; ++i) {
        if (r.byte_enable[(done + i) % r.byte_enable_len] == 0) continue;
        if (wr)
          wp[off + i] = r.data[done + i];
        else
          r.data[done + i] = rp ? rp[off + i] : 0;
      }
    }
    done += n;
  }
  cycles = access_cycles(r.len);
  m_stats.busy_cycles += cycles;
  if (wr) {
    m_stats.bytes_written += r.len;
    ++m_stats.writes;
  } else {
    m_stats.bytes_read += r.len;
    ++m_stats.reads;
  }
  return st;
}

std::size_t DramCore::debug_read(std::uint64_t addr, std::uint8_t* dst, std::size_t len) const {
  if (addr >= m_cfg.capacity_bytes) return 0;
  len = static_cast<std::size_t>(std::min<std::uint64_t>(len, m_cfg.capacity_bytes - addr));
  for (std::size_t i = 0; i < len;) {
    const std::uint64_t a = addr + i;
    const std::uint64_t off = a % m_cfg.page_bytes;
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(m_cfg.page_bytes - off, len - i));
    if (const auto* p = page_for_read(a / m_cfg.page_bytes))
      std::memcpy(dst + i, p + off, n);
    else
      std::memset(dst + i, 0, n);
    i += n;
  }
  return len;
}

std::size_t DramCore::debug_write(std::uint64_t addr, const std::uint8_t* src, std::size_t len) {
  if (addr >= m_cfg.capacity_bytes) return 0;
  len = static_cast<std::size_t>(std::min<std::uint64_t>(len, m_cfg.capacity_bytes - addr));
  for (std::size_t i = 0; i < len;) {
    const std::uint64_t a = addr + i;
    const std::uint64_t off = a % m_cfg.page_bytes;
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(m_cfg.page_bytes - off, len - i));
    std::memcpy(page_for_write(a / m_cfg.page_bytes) + off, src + i, n);
    i += n;
  }
  return len;
}

}  // namespace lpsim::hw
