// Bit packing of format codes in memory rows: the layout shared by the host, the DMA'd tensors
// in DRAM and the on-chip buffers (docs/architecture.md, "Memory layout").
#pragma once

#include <cstddef>
#include <cstdint>

namespace lpsim::fmt {

// Bits one element occupies in memory: n rounded up to 2, 4, 8 or 16.
int storage_bits(int n);

// Bytes of a row of `count` elements of `bits` bits (2, 4, 8 or 16), padded to a whole byte.
inline std::size_t packed_bytes(std::size_t count, int bits) {
  return (count * static_cast<std::size_t>(bits) + 7) / 8;
}

// Element i of a row of 2- or 4-bit elements occupies bits [(i % per) * bits, +bits) of byte
// i / per, per = 8 / bits (element 0 in the least significant bits, as the array's MODE lanes);
// 8-bit elements are one byte each; 16-bit elements are two bytes, little-endian.
// pack writes every byte of the row (pad bits are zero).
void pack_codes(const std::uint32_t* codes, std::size_t count, int bits, std::uint8_t* row);
void unpack_codes(const std::uint8_t* row, std::size_t count, int bits, std::uint32_t* codes);

}  // namespace lpsim::fmt
