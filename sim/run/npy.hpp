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

// Class labels: a 1-D .npy vector of integers (int8/16/32/64 or uint8/16/32/64, little-endian,
// C order), each in 0 .. classes-1, `count` of them. Throws lpsim::UserError "FILE: what".
std::vector<std::int64_t> read_npy_labels(const std::string& path, std::int64_t count,
                                          std::int64_t classes);

}  // namespace lpsim::sim
