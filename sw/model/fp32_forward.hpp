// Reference FP32 forward pass of a model graph: the accuracy baseline of the host flow, and
// the evaluator of the host-side ops (Softmax, LayerNorm, Gelu) between accelerator layers.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sw/model/graph.hpp"

namespace lpsim::model {

struct FloatTensor {
  Shape shape;
  std::vector<float> data;  // row-major, num_elements(shape) values
};

using TensorValues = std::unordered_map<std::string, FloatTensor>;

// Evaluates one node; `inputs` follow node.inputs (constants included). Throws
// lpsim::UserError naming the node when a shape does not fit or the node has no weights.
FloatTensor eval_node_fp32(const Node& node, const std::vector<const FloatTensor*>& inputs);

// Runs a finalized graph on `inputs` (one value per graph input). Returns the graph outputs,
// or every activation (node outputs) too when keep_intermediates is set.
TensorValues forward_fp32(const Graph& graph, const TensorValues& inputs,
                          bool keep_intermediates = false);
// The same pass returning the graph outputs and the tensors named in `keep` (graph inputs or
// node outputs); every other activation is freed once no later node reads it.
TensorValues forward_fp32(const Graph& graph, const TensorValues& inputs,
                          const std::unordered_set<std::string>& keep);

// Single-input, single-output convenience.
FloatTensor forward_fp32(const Graph& graph, const FloatTensor& input);

// C[M x N] += A[M x K] * B[K x N], all row-major with leading dimensions lda, ldb, ldc.
// Register-blocked and panel-packed; no BLAS.
void gemm_f32(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
              int64_t ldb, float* c, int64_t ldc);

}  // namespace lpsim::model
