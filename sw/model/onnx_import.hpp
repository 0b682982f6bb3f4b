// ONNX import: reads an .onnx file into a model Graph, folding BatchNormalization into the
// preceding Conv/Gemm and turning float32 initializers into real weights.
#pragma once

#include <cstdint>
#include <string>

#include "sw/model/graph.hpp"

namespace lpsim::model {

struct OnnxImportOptions {
  int64_t batch = 1;  // used for a dynamic (symbolic or unset) batch dimension of an input
};

// Supported ops: Conv, Gemm, MatMul, Add, Relu, Clip, MaxPool, AveragePool, GlobalAveragePool,
// Flatten, Reshape, BatchNormalization (folded), Transpose, Softmax, and the pass-throughs
// Identity, Dropout and Constant. MatMul with an initializer as B becomes a Gemm (Linear).
// Every failure is an lpsim::UserError starting "<path>: ", e.g.
//   "<path>: node '<name>' has unsupported op type '<op>'".
Graph import_onnx(const std::string& path, const OnnxImportOptions& options = {});

}  // namespace lpsim::model
