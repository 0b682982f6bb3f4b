// SCALE-Sim v2 topology CSV (convolution or GEMM form) parsed into a list of layers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lpsim::scalesim {

// One layer in SCALE-Sim's convolution view (a GEMM row M,N,K becomes H=M, W=K, R=1, S=K,
// C=1, filters=N, stride 1, exactly as SCALE-Sim's load_arrays_gemm does).
struct Layer {
  std::string name;
  std::int64_t ifmap_h = 0, ifmap_w = 0;    // H, W
  std::int64_t filter_h = 0, filter_w = 0;  // R, S
  std::int64_t channels = 0;                // C
  std::int64_t num_filters = 0;             // M
  std::int64_t stride_h = 1, stride_w = 1;
  int line = 0;  // source line, for messages

  // No padding (docs/scalesim.md, "Inputs"): E = ceil((H - R) / s) + 1, F likewise.
  std::int64_t ofmap_h() const { return (ifmap_h - filter_h + stride_h - 1) / stride_h + 1; }
  std::int64_t ofmap_w() const { return (ifmap_w - filter_w + stride_w - 1) / stride_w + 1; }
  std::int64_t ofmap_px() const { return ofmap_h() * ofmap_w(); }         // px = E*F
  std::int64_t window() const { return filter_h * filter_w * channels; }  // R*S*C
  std::int64_t macs() const { return ofmap_px() * window() * num_filters; }
  // Distinct IFMAP words the windows touch (rows/cols beyond H/W are SCALE-Sim's -1 padding).
  std::int64_t ifmap_footprint() const;
  std::int64_t filter_footprint() const { return window() * num_filters; }
};

enum class TopologyKind { automatic, conv, gemm };

// The most layers a topology may have after depthwise expansion (SCALE-Sim writes a report row
// per layer; MobileNet's widest depthwise layer expands into 960).
inline constexpr std::int64_t kMaxTopologyLayers = 100000;

struct Topology {
  std::string path;
  std::string name;  // file stem, as SCALE-Sim's current_topo_name
  bool gemm = false;
  std::vector<Layer> layers;
};

// Reads a topology CSV. `kind` automatic decides from the header (4 columns: GEMM
// "Layer Name, M, N, K"; 8 or 9 columns: convolution). Blank lines are skipped, one trailing
// comma per line is allowed; a layer whose name contains "DP" is a depthwise layer and, like
// SCALE-Sim, expands into one single-channel layer per channel. Any malformed row, non-integer
// or non-positive dimension, or filter larger than its input throws lpsim::UserError
// "FILE:LINE: what".
Topology read_topology(const std::string& path, TopologyKind kind = TopologyKind::automatic);

}  // namespace lpsim::scalesim
