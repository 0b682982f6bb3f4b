// Kernel-free address decoder: overlap rejection at construction, range decode with rebasing.
#include "hw/mem/address_map.hpp"

#include <algorithm>
#include <sstream>

#include "hw/common/config_error.hpp"

namespace lpsim::hw {

namespace {
std::string describe(const MapEntry& e) {
  std::ostringstream s;
  s << "'" << e.name << "' [0x" << std::hex << e.base << ", 0x" << (e.base + e.size) << ")";
  return s.str();
}
}  // namespace

AddressMap::AddressMap(const std::vector<MapEntry>& entries) {
  for (const auto& e : entries) add(e);
}

void AddressMap::add(const MapEntry& e) {
  if (e.size == 0) throw ConfigError("router: map entry '" + e.name + "' has size 0");
  const std::uint64_t last = e.base + (e.size - 1);
  if (last < e.base) throw ConfigError("router: map entry '" + e.name + "' wraps past the end of the address space");
  for (const auto& o : m_entries) {
    const std::uint64_t olast = o.base + (o.size - 1);
    if (e.base <= olast && o.base <= last)
      throw ConfigError("router: map entry " + describe(e) + " overlaps " + describe(o));
  }
  auto pos = std::upper_bound(m_entries.begin(), m_entries.end(), e.base,
                              [](std::uint64_t b, const MapEntry& x) { return b < x.base; });
  m_entries.insert(pos, e);
}

std::optional<Decoded> AddressMap::decode(std::uint64_t addr, std::uint64_t len) const {
  if (len == 0) len = 1;
  auto it = std::upper_bound(m_entries.begin(), m_entries.end(), addr,
                             [](std::uint64_t a, const MapEntry& x) { return a < x.base; });
  if (it == m_entries.begin()) return std::nullopt;
  const MapEntry& e = *std::prev(it);
  const std::uint64_t off = addr - e.base;
  if (off > e.size - 1 || len - 1 > e.size - 1 - off) return std::nullopt;
  return Decoded{e.target, off, &e};
}

unsigned AddressMap::max_target() const {
  unsigned m = 0;
  for (const auto& e : m_entries) m = std::max(m, e.target);
  return m;
}

}  // namespace lpsim::hw
