// Lowering of compute nodes to the accelerator's grouped GEMM layouts and back
// (docs/architecture.md, "Memory layout"): A [groups][M][K], W [groups][K][N], out [M][groups*N].
#pragma once

#include <cstdint>
#include <vector>

#include "sw/model/graph.hpp"

namespace lpsim::compiler {

// Conv on an NCHW input: per group g, row m = (b*OH + y)*OW + x, column
// k = (c*KH + r)*KW + s (c within the group); padding positions get code 0 (zero in every
// format). Any stride, pads, dilation and groups. Result: [groups][M][K].
std::vector<std::uint32_t> im2col(const model::Node& conv, const model::Shape& in_shape,
                                  const std::vector<std::uint32_t>& in, const model::GemmView& v);

// Conv weights [F][C/groups][KH][KW] -> [groups][K][N]; Gemm weights [out][in] -> [1][in][out].
std::vector<std::uint32_t> weights_to_gemm(const model::Node& node,
                                           const std::vector<std::uint32_t>& w,
                                           const model::GemmView& v);

// MatMul operands [..., M, K] and [..., K, N] (equal batch dims) -> [groups][M][K] and
// [groups][K][N]: A is already in that order; B is copied as is.
// (Both are row-major with the batch dims outermost, which is the grouped layout.)

// Accelerator output [M][groups*N] -> the node's output tensor layout: Conv NCHW
// (m = (b*OH + y)*OW + x, column = channel), Gemm [..., out] (unchanged), MatMul [G][M][N].
std::vector<std::uint32_t> output_from_gemm(const model::Node& node, const model::Shape& out_shape,
                                            const std::vector<std::uint32_t>& out,
                                            const model::GemmView& v);
// The inverse, for residual tensors in the node's output layout.
std::vector<std::uint32_t> output_to_gemm(const model::Node& node, const model::Shape& out_shape,
                                          const std::vector<std::uint32_t>& t,
                                          const model::GemmView& v);

}  // namespace lpsim::compiler
