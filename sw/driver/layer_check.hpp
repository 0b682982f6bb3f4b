// The per-layer bit-exact check: the reference's accumulators, post-processing and encoding
// for one accelerator layer, compared with what the hardware wrote back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sw/formats/number_format.hpp"
#include "sw/ref/ref_baseline.hpp"
#include "sw/ref/ref_conv.hpp"
#include "sw/ref/ref_datapath.hpp"
#include "sw/ref/ref_post.hpp"

namespace lpsim::driver {

// Everything a layer check needs; owned by the checking thread.
struct CheckJob {
  ref::DatapathSpec spec;
  // Baseline PE types (posit, af, fp8, ant): the operand formats; the check then uses
  // ref::RefBaselineDatapath instead of `spec`'s LP/INT datapath.
  fmt::FormatPtr base_act, base_wgt;
  bool conv_direct = false;  // a convolution: lowered by the reference's own im2col
  ref::ConvShape conv;
  std::vector<std::uint32_t> in_nchw, w_oihw;  // conv_direct operands
  std::vector<std::uint32_t> a, w;             // otherwise: [G][M][K], [G][K][N]
  std::int64_t G = 1, M = 0, K = 0, N = 0;
  ref::PostOps ops;
  std::vector<double> bias, residual;  // [G*N], [M][G*N] (empty when unused)
  std::vector<double> scales;          // [G*N] per-channel scales (ops.channel_scale)
  fmt::FormatPtr out;
  std::vector<std::uint32_t> got;  // hardware output [M][G*N]
};

// The expected output codes [M][G*N].
std::vector<fmt::Code> expected_codes(const CheckJob& j);
// "" when `got` equals the expected codes, else the first difference:
// "output mismatch at index I (row R, column C): expected 0x.., got 0x..".
std::string check_layer(const CheckJob& j);

}  // namespace lpsim::driver
