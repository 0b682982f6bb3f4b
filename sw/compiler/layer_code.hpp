// Code generation for one accelerator layer (the host compiler's back end): which convolutions
// run with on-chip im2col, the descriptor's shape fields, formats as the hardware runs them,
// the NHWC input layout, packed DRAM rows and the layer's DRAM layout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hw/ctrl/layer_descriptor.hpp"
#include "sw/compiler/program.hpp"
#include "sw/formats/number_format.hpp"
#include "sw/model/graph.hpp"

namespace lpsim::compiler {

// True for a Conv the accelerator runs with on-chip im2col (op conv, NHWC input): dilation 1,
// equal pads on all four sides (smaller than the kernel) and equal strides in h and w, no
// larger than the kernel. Other convolutions are lowered to a GEMM on the host (im2col'd
// input); with a stride above the kernel (a 1x1 stride-2 downsample) the input band would
// carry rows and columns no window uses, so the strided im2col rows are fewer bytes.
bool conv_on_chip(const model::Node& node);

// The descriptor's op and shape fields (op, m/k/n, conv fields, groups) for the accelerator run
// of a compute step: a conv_on_chip() Conv carries the whole batch (m = batch out_h out_w, 0 for
// one image), everything else the step's GEMM view (whose M holds the batch already).
hw::LayerDescriptor layer_shape(const model::Graph& graph, const compiler::ComputeStep& s);

// A format as the hardware runs it: the codec and its register encoding.
struct HwFormat {
  std::string text;
  fmt::FormatPtr format;
  hw::OperandFormat op;
  double scale = 1.0;  // INT: the value of code 1 (a power of two)
  bool is_int = false;
  // INT weights with one scale per output channel ("int:N,channel"): codes are plain integers
  // (scale 1, sf 0) and channel_int_weights() gives each channel's scale; the PPU applies them
  // (pp::CHSCALE).
  bool per_channel = false;
};

// Per-output-channel INT weights: `weights` holds `channels` contiguous slices (a node's
// [F][K] weights, F = groups * Ng), each quantized with its own scale max|w| / (2^(n-1) - 1)
// rounded to float32 (a zero channel gets 1); codes are the integers at the format's storage
// width (fw.op.n: a MODE above n stores them wider). Throws UserError naming `layer` when a
// scale lies outside float32's normal range.
struct ChannelWeights {
  std::vector<float> scales;          // [channels]
  std::vector<std::uint32_t> codes;   // like `weights`
};
ChannelWeights channel_int_weights(const HwFormat& fw, int n, const std::vector<float>& weights,
                                   std::size_t channels, const std::string& layer);

// The PPU's per-channel scale vector of an INT layer with per-channel weights: s_a * s_w[c] as
// float32 (exact: s_a is a power of two); UserError naming the layer outside float32's range.
std::vector<float> channel_scale_vector(const HwFormat& fa, const std::vector<float>& w_scales,
                                        const std::string& layer);

// The hardware view of a format text; fitted formats (int, af) are calibrated on `calib`. INT
// scales are rounded up to a power of two (the register carries sf, scale = 2^-sf). Throws
// lpsim::UserError for a format the array has no PE type for. With `mode` above the format's
// width, the operand of a layer running at that MODE: values rounded in the format itself,
// stored and decoded as LP<mode, es, rs, sf> (resp. INT<mode> of the same scale), which holds
// every one of them exactly (the name gets "@mode"). An unresolved sf 'auto' reads as 0.
HwFormat hw_format(const std::string& text, const std::vector<float>& calib, int mode);
HwFormat hw_format(const std::string& text, const std::vector<float>& calib);

// NCHW codes -> NHWC (each pixel a row of C codes; docs/architecture.md, "Memory layout").
std::vector<std::uint32_t> to_nhwc(const std::vector<std::uint32_t>& nchw,
                                   const model::Shape& shape);

// `rows` x `cols` codes of `bits` each, packed row by row (each row whole bytes).
std::vector<std::uint8_t> pack_rows(const std::vector<std::uint32_t>& codes, std::size_t rows,
                                    std::size_t cols, int bits);

// Byte sizes of a layer's DRAM regions, in layout order.
struct DramRegions {
  std::uint64_t weights = 0, inputs = 0, bias = 0, residual = 0, outputs = 0;
};
// A compute step's regions from its shapes and the formats' storage widths: packed weights
// [G K][N], inputs (op conv: NHWC pixel rows of C codes; else [G M][K], im2col'd on the host),
// float32 bias [G N] when the node has one followed by float32 per-channel scales [G N] when
// the weights have them (one PPU parameter region), residual and outputs [M][G N].
DramRegions layer_regions(const model::Graph& graph, const ComputeStep& s, const HwFormat& fa,
                          const HwFormat& fw, const HwFormat& fo);

// The descriptor of a compute step as the host issues it (addresses left 0; place_regions
// sets them): layer_shape(), the formats, MODE, dataflow and the post-processing flags (BIAS
// when the node has a bias, REQUANT with PP_SCALE = s_a * s_w on INT layers — CHSCALE instead
// when the weights have per-channel scales —, RELU / RELU6, RESIDUAL). One place for the driver, which runs it, and the analytic model, which times it.
hw::LayerDescriptor layer_descriptor(const model::Graph& graph, const ComputeStep& s,
                                     const HwFormat& fa, const HwFormat& fw, const HwFormat& fo,
                                     hw::Dataflow dataflow);

// Places the regions from `base`, each on a 4 KiB boundary, into the descriptor's w/i/b/r/o
// addresses; returns the end of the last region.
std::uint64_t place_regions(hw::LayerDescriptor& d, std::uint64_t base, const DramRegions& r);

}  // namespace lpsim::compiler
