// Kernel-free address decoder: non-overlapping [base, base+size) windows onto target indices.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lpsim::hw {

struct MapEntry {
  std::uint64_t base = 0;
  std::uint64_t size = 0;
  unsigned target = 0;  // index of the router's initiator binding (binding order)
  std::string name;     // for error messages
};

struct Decoded {
  unsigned target = 0;
  std::uint64_t offset = 0;  // address rebased to the window
  const MapEntry* entry = nullptr;
};

class AddressMap {
 public:
  AddressMap() = default;
  // Throws ConfigError for a zero size, a window wrapping past 2^64, or an overlap (names both).
  explicit AddressMap(const std::vector<MapEntry>& entries);
  void add(const MapEntry& e);

  // The window holding [addr, addr+len) entirely (len 0 counts as 1 byte); nullopt when the
  // range is unmapped or straddles two windows.
  std::optional<Decoded> decode(std::uint64_t addr, std::uint64_t len = 1) const;
  const std::vector<MapEntry>& entries() const { return m_entries; }  // sorted by base
  unsigned max_target() const;  // largest target index used (0 when empty)

 private:
  std::vector<MapEntry> m_entries;
};

}  // namespace lpsim::hw
