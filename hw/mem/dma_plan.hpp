// Kernel-free DMA job description and its split into bursts (strided 2-D blocks).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lpsim::hw {

enum class DmaDir {
  to_local,  // DRAM -> local buffer (TLM reads)
  to_dram,   // local buffer -> DRAM (TLM writes)
};

// A 2-D block: `rows` rows of `row_bytes` bytes; row r starts at dram_addr + r * dram_stride in
// DRAM and at local_offset + r * local_stride in the local buffer. A stride of 0 means dense
// (= row_bytes). A 1-D transfer is rows = 1.
struct DmaJob {
  DmaDir dir = DmaDir::to_local;
  std::uint64_t dram_addr = 0;
  std::uint64_t rows = 1;
  std::uint64_t row_bytes = 0;
  std::uint64_t dram_stride = 0;
  std::uint64_t local_offset = 0;
  std::uint64_t local_stride = 0;

  std::uint64_t dram_pitch() const { return dram_stride ? dram_stride : row_bytes; }
  std::uint64_t local_pitch() const { return local_stride ? local_stride : row_bytes; }
  std::uint64_t total_bytes() const { return rows * row_bytes; }
  // Empty when the job is well formed and its local footprint fits in `local_size` bytes;
  // otherwise a one-line reason (row_bytes 0, stride < row_bytes, local overflow).
  std::string check(std::uint64_t local_size) const;
};

struct DmaBurst {
  std::uint64_t dram_addr = 0;
  std::uint64_t local_offset = 0;
  std::uint64_t len = 0;
};

// Each row is cut into bursts of at most burst_bytes starting at the row start; a burst never
// spans two rows (rows are not contiguous in general). Order: row by row, left to right.
std::vector<DmaBurst> plan_bursts(const DmaJob& job, std::uint64_t burst_bytes);
// Number of bursts plan_bursts() returns, without building the list.
std::uint64_t count_bursts(const DmaJob& job, std::uint64_t burst_bytes);

}  // namespace lpsim::hw
