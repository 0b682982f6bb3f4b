// `lpsim run --save-outputs`: the graph outputs as .npy files (FP32 reference and accelerator)
// and, with input.labels, predictions.csv (docs/outputs.md).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/run/pipeline.hpp"

namespace lpsim::sim {

// A float32, C-order, little-endian .npy file of `shape` holding `data` (format version 1.0).
std::string npy_bytes(const std::vector<std::int64_t>& shape, const float* data);

// The files --save-outputs writes, (relative name, bytes), in this order:
//   outputs/<name>.fp32.npy and outputs/<name>.accelerator.npy for every graph output (the
//   name with every character outside A-Z a-z 0-9 . _ + - replaced by '_'; a name taken twice
//   gets a suffix _2, _3, …), then, when `labels` is not empty, predictions.csv: image, label,
//   fp32, accelerator (the argmax class of the single [batch, classes] output per image).
// A RunResult without output values (analytic fidelity) gives no file.
std::vector<std::pair<std::string, std::string>> saved_output_files(
    const RunResult& r, const std::vector<std::int64_t>& labels);

}  // namespace lpsim::sim
