// Reads NumPy .npy arrays (float32 or float64, C order, little-endian) for workload inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lpsim::sim {

struct NpyArray {
  std::vector<std::int64_t> shape;
  std::vector<float> data;
};

// Throws lpsim::UserError "FILE: what" for anything it cannot read exactly.
NpyArray read_npy(const std::string& path);

}  // namespace lpsim::sim
