// The compiler's plan for a network: which nodes run on the accelerator (with what the PPU
// fuses into them and in which formats) and which run on the host.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sw/model/graph.hpp"

namespace lpsim::compiler {

// Post-processing fused into a compute layer (the PPU's PP_FLAGS bits are set from these).
struct Fusion {
  bool relu = false;
  bool relu6 = false;
  std::string residual;            // tensor added before the activation ("" = none)
  std::vector<std::string> nodes;  // names of the fused Relu / Clip / Add nodes
};

// A Conv, Gemm or MatMul node and the nodes fused into it, run as one accelerator layer.
struct ComputeStep {
  const model::Node* node = nullptr;
  model::GemmView view;
  std::string input;    // activation operand A
  std::string input_b;  // MatMul: activation operand B ("" for weight layers)
  std::string output;   // tensor the fused chain produces
  Fusion fusion;
  std::string act_format;  // format text of A (and of B for MatMul)
  std::string wgt_format;  // format text of the weights
  std::string out_format;  // format the PPU encodes the output into
  int mode = 8;            // MODE = n of the operand formats
};

struct Step {
  bool compute = false;
  ComputeStep layer;                // when compute
  const model::Node* host = nullptr;  // otherwise: a node the host runs in FP32
};

struct Program {
  std::vector<Step> steps;
  std::size_t compute_layers() const;
};

// Per-layer format choice: `per_layer[name]` or `default_format`, for both operands.
// `where(key)` names the workload line of a key for errors ("FILE:LINE").
// Throws lpsim::UserError for a per-layer entry naming no compute node, a format the
// accelerator has no PE type for (posit, af, fp8 on this array), or n not in {2, 4, 8}.
Program plan_program(const model::Graph& graph, const std::string& default_format,
                     const std::map<std::string, std::string>& per_layer,
                     const std::function<std::string(const std::string&)>& where);

}  // namespace lpsim::compiler
