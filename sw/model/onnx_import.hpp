// ONNX import: reads an .onnx file into a model Graph, folding BatchNormalization into the
// preceding Conv/Gemm and turning float32 initializers into real weights.
#pragma once

#include <cstdint>
#include <string>

#include "sw/model/graph.hpp"

namespace lpsim::model {

struct OnnxImportOptions {
  int64_t batch = 1;  // used for a dynamic (symbolic or unset) batch dimension of an input
  int64_t data_batch = 0;  // > 0: a dynamic batch dimension takes this instead (the data's batch)
};

// Supported ops (docs/models.md): Conv, Gemm, MatMul, Add, Relu, Clip, MaxPool, AveragePool,
// GlobalAveragePool, Flatten, Reshape, BatchNormalization (folded), Transpose, Softmax, Concat,
// Pad, ReduceMean, Sigmoid, HardSigmoid, HardSwish, Mul, Sub, Div, Erf, Gelu,
// LayerNormalization, Split, Slice, Gather, Unsqueeze, Squeeze, Cast, the pass-throughs
// Identity, Dropout and Constant, and static shape subgraphs (Shape, Gather, ConstantOfShape,
// Expand, Where, Range, …), folded into constants. MatMul with an initializer as B becomes a
// Gemm (Linear). Every failure is an lpsim::UserError starting "<path>: "; a model with ops
// outside the list fails with every one of them:
//   "<path>: unsupported ops: Foo ×3 (first '/a/Foo'), Bar ×1 ('/b/Bar')".
Graph import_onnx(const std::string& path, const OnnxImportOptions& options = {});

}  // namespace lpsim::model
