// The fast fake-quantized float forward pass LPQ evaluates candidates with (docs/lpq.md): the
// network in FP32 with every accelerator layer's operands rounded to their formats (the
// table-driven quantizer, sw/formats/fast_quantizer.hpp) and its output rounded to the format
// the PPU would encode it into, as the accelerator does; sums in float instead of the PE's
// exact log-domain products (the accelerator run of the chosen configuration is the exact one).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sw/compiler/program.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/formats/number_format.hpp"
#include "sw/model/fp32_forward.hpp"
#include "sw/model/graph.hpp"

namespace lpsim::lpq {

// How one operand of one layer is rounded.
struct Quantizer {
  enum class Kind { none, lp, format, int_channel };
  Kind kind = Kind::none;
  fmt::LpParams lp;                  // lp: a concrete format (sf resolved)
  fmt::FormatPtr format;             // format: any lpsim format (fitted ones already fitted)
  int bits = 8;                      // int_channel: symmetric INT, one scale per output channel
  std::vector<float> channel_scale;  // int_channel: scale of each output channel (weights only)

  static Quantizer of_lp(const fmt::LpParams& p);
  bool operator==(const Quantizer& o) const;
};

struct LayerQuant {
  Quantizer w, a;  // weights, activations (inputs; and the output when consumers agree)
  // The output's own format when it is not the consumers' (kind none: `a`, as program.cpp
  // does for fixed formats; fitted ones are fitted on the output, as the host does).
  Quantizer o;
};

// x rounded to LP<n, es, rs, sf> in place (the table quantizer of <n, es, rs, 0>, scaled by 2^sf
// exactly: LP's rounding commutes with power-of-two scaling). Thread-safe (tables are cached).
void quantize_lp(const fmt::LpParams& p, float* x, std::size_t n);
// The LP sf in [-64, 64] minimising the RMSE of `x` (at most `max_samples` evenly strided values).
int best_sf(int n, int es, int rs, const std::vector<float>& x, std::size_t max_samples = 16384);
// Per-output-channel symmetric INT scales of a weight tensor whose first dimension is the
// output channel: max|w| / (2^(bits-1) - 1) per channel (a zero channel gets scale 1).
std::vector<float> int_channel_scales(const std::vector<float>& w, std::int64_t channels, int bits);

// One plan of a graph, run any number of times with different quantizers (thread-safe: run()
// only reads).
class QuantNet {
 public:
  explicit QuantNet(const model::Graph& graph);

  std::size_t layers() const { return m_steps.size(); }
  const std::string& layer_name(std::size_t i) const { return m_steps[i].node->name; }
  const model::Node& layer_node(std::size_t i) const { return *m_steps[i].node; }
  std::int64_t weight_count(std::size_t i) const;  // 0 for activation x activation MatMul
  const model::Graph& graph() const { return m_graph; }
  // The compute layers reading layer i's output, and whether every reader is one (then the PPU
  // encodes the output into their activation format when they agree).
  const std::vector<std::size_t>& consumer_layers(std::size_t i) const {
    return m_steps[i].consumer_layers;
  }
  bool all_compute(std::size_t i) const { return m_steps[i].all_compute; }

  struct Output {
    std::vector<float> out;  // the graph's (first) output, [batch x classes]
    std::int64_t batch = 0, classes = 0;
    std::vector<float> features;  // per image: the chosen layers' outputs, concatenated
    std::int64_t feature_dim = 0;
  };
  // `q` (one per layer) or nullptr for FP32. `feature_layers`: layer indices whose outputs are
  // collected. `inputs_fp32` (optional): receives each layer's activation input (FP32 run).
  Output run(const model::FloatTensor& input, const std::vector<LayerQuant>* q,
             const std::vector<std::size_t>& feature_layers = {},
             std::vector<std::vector<float>>* inputs_fp32 = nullptr,
             std::vector<std::vector<float>>* outputs_fp32 = nullptr) const;

 private:
  struct Step {
    const model::Node* node = nullptr;  // compute node
    compiler::ComputeStep c;
    std::vector<std::size_t> consumer_layers;  // compute layers reading the output
    bool all_compute = false;                  // every consumer is a compute layer
  };
  const model::Graph& m_graph;
  compiler::Program m_program;
  std::vector<Step> m_steps;  // compute steps in program order
};

// Rounds `x` (a tensor) with `q`; `channels` is the first dimension for int_channel.
void apply(const Quantizer& q, std::vector<float>& x);

}  // namespace lpsim::lpq
