// Bit packing of format codes (see packing.hpp for the layout).
#include "sw/formats/packing.hpp"

#include <cstring>

#include "sw/formats/number_format.hpp"

namespace lpsim::fmt {

int storage_bits(int n) {
  if (n <= 2) return 2;
  if (n <= 4) return 4;
  if (n <= 8) return 8;
  if (n <= 16) return 16;
  throw FormatError("storage_bits: n=" + std::to_string(n) + " is wider than 16 bits");
}

void pack_codes(const std::uint32_t* codes, std::size_t count, int bits, std::uint8_t* row) {
  if (bits == 8) {
    for (std::size_t i = 0; i < count; ++i) row[i] = static_cast<std::uint8_t>(codes[i]);
    return;
  }
  if (bits == 16) {
    for (std::size_t i = 0; i < count; ++i) {
      row[2 * i] = static_cast<std::uint8_t>(codes[i]);
      row[2 * i + 1] = static_cast<std::uint8_t>(codes[i] >> 8);
    }
    return;
  }
  const std::size_t per = static_cast<std::size_t>(8 / bits);
  const std::uint32_t mask = (1u << bits) - 1u;
  std::memset(row, 0, packed_bytes(count, bits));
  for (std::size_t i = 0; i < count; ++i)
    row[i / per] |= static_cast<std::uint8_t>((codes[i] & mask) << ((i % per) * bits));
}

void unpack_codes(const std::uint8_t* row, std::size_t count, int bits, std::uint32_t* codes) {
  if (bits == 8) {
    for (std::size_t i = 0; i < count; ++i) codes[i] = row[i];
    return;
  }
  if (bits == 16) {
    for (std::size_t i = 0; i < count; ++i) codes[i] = row[2 * i] | (std::uint32_t{row[2 * i + 1]} << 8);
    return;
  }
  const std::size_t per = static_cast<std::size_t>(8 / bits);
  const std::uint32_t mask = (1u << bits) - 1u;
  for (std::size_t i = 0; i < count; ++i) codes[i] = (row[i / per] >> ((i % per) * bits)) & mask;
}

}  // namespace lpsim::fmt
