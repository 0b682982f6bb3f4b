// The compiler's plan for a network: which nodes run on the accelerator (with what the PPU
// fuses into them and in which formats) and which run on the host.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <string>
#include <vector>

#include "sw/model/fp32_forward.hpp"
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
  int mode = 8;            // MODE: the larger of the operand widths (docs/workload.md)
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

// Formats of activations and weights, each with a default and per-layer entries (the workload's
// quantization section). An empty weight default means "the activation default"; a layer with an
// activation entry but no weight entry takes that entry for both.
struct FormatChoice {
  std::string default_act = "lp<8,2,3,0>", default_wgt;
  std::map<std::string, std::string> act, wgt;  // layer name -> format text
};

// As above with separate weight and activation formats. A layer whose operands differ in width
// runs at the larger MODE: the narrower operand's values are rounded in its own format and
// stored and decoded at the larger width (an LP<n, es, rs, sf> value is exactly the LP<m, es,
// rs, sf> pattern shifted left by m - n bits; an INT value the same integer): see
// compiler::hw_format. LP weights with INT activations (or the reverse) are an error naming the
// layer. LP formats may have sf 'auto' (resolve_auto_sf()).
Program plan_program(const model::Graph& graph, const FormatChoice& formats,
                     const std::function<std::string(const std::string&)>& where);

// "lp<4,0,2,auto>" and "lp:4,0,2,auto": an LP format whose sf is chosen from data.
bool is_auto_sf(const std::string& text);
// The text with sf 'auto' replaced by `sf` ("lp<4,0,2,-3>"); other texts unchanged.
std::string with_sf(const std::string& text, int sf);

// "int:N,channel" / "int<N,channel>": INT weights with one fitted scale per output channel (the
// PPU applies them). plan_program() gives activations, and the second operand of a MatMul of two
// tensors, the per-tensor fit of the same width instead ("int:N" / "int<N>").
bool is_channel_int(const std::string& text);
// The per-tensor text of a channel INT text; other texts unchanged.
std::string without_channel(const std::string& text);

// Chooses every 'auto' sf of the program: weights the sf minimising the RMSE of the layer's
// weights, activations (and a MatMul's second operand) the sf minimising it over the layer's
// input values in `values` (the FP32 reference of the calibration batch; without a tensor there,
// as in analytic runs, sf 0). Then re-derives the output formats.
void resolve_auto_sf(const model::Graph& graph, const model::TensorValues& values, Program& program);

}  // namespace lpsim::compiler
