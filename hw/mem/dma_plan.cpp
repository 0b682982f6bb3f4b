// Kernel-free DMA job checks and burst split.
#include "hw/mem/dma_plan.hpp"

#include <algorithm>

namespace lpsim::hw {

std::string DmaJob::check(std::uint64_t local_size) const {
  if (rows == 0 || row_bytes == 0) return "dma: empty job (rows = " + std::to_string(rows) +
                                          ", row_bytes = " + std::to_string(row_bytes) + ")";
  if (dram_pitch() < row_bytes) return "dma: dram_stride " + std::to_string(dram_stride) + " < row_bytes " +
                                       std::to_string(row_bytes);
  if (local_pitch() < row_bytes) return "dma: local_stride " + std::to_string(local_stride) + " < row_bytes " +
                                        std::to_string(row_bytes);
  const std::uint64_t end = local_offset + (rows - 1) * local_pitch() + row_bytes;
  if (end > local_size)
    return "dma: local footprint ends at byte " + std::to_string(end) + " beyond the " +
           std::to_string(local_size) + "-byte local buffer";
  return {};
}

std::uint64_t count_bursts(const DmaJob& job, std::uint64_t burst_bytes) {
  if (burst_bytes == 0) return 0;
  return job.rows * ((job.row_bytes + burst_bytes - 1) / burst_bytes);
}

std::vector<DmaBurst> plan_bursts(const DmaJob& job, std::uint64_t burst_bytes) {
  std::vector<DmaBurst> out;
  if (burst_bytes == 0) return out;
  out.reserve(count_bursts(job, burst_bytes));
  for (std::uint64_t r = 0; r < job.rows; ++r) {
    for (std::uint64_t c = 0; c < job.row_bytes; c += burst_bytes) {
      out.push_back({job.dram_addr + r * job.dram_pitch() + c, job.local_offset + r * job.local_pitch() + c,
                     std::min(burst_bytes, job.row_bytes - c)});
    }
  }
  return out;
}

}  // namespace lpsim::hw
