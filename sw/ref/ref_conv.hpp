// Reference 2-D convolution on codes by direct loops (no im2col), giving the accumulators the
// lowered GEMM would give on the hardware; plus an FP32 convolution for error figures.
#pragma once

#include <cstdint>
#include <vector>

#include "sw/ref/ref_datapath.hpp"

namespace lpsim::ref {

// Input NCHW [batch][in_c][in_h][in_w]; weights OIHW [out_c][in_c/groups][kh][kw];
// output NCHW [batch][out_c][out_h][out_w]. Padding positions hold the zero code 0.
struct ConvShape {
  int batch = 1;
  int in_c = 1, in_h = 1, in_w = 1;
  int out_c = 1, kh = 1, kw = 1;
  int stride = 1, pad = 0, groups = 1;

  // out_h/out_w/cg/ng/kg need a valid shape: call validate() first.
  int out_h() const { return (in_h + 2 * pad - kh) / stride + 1; }
  int out_w() const { return (in_w + 2 * pad - kw) / stride + 1; }
  int cg() const { return in_c / groups; }   // input channels per group
  int ng() const { return out_c / groups; }  // output channels per group
  int kg() const { return cg() * kh * kw; }  // reduction length of the lowered GEMM
  void validate() const;                     // throws RefError naming the field
};

// The lowering (the order that matters for the narrow / small_float chains and for MODE
// packing): per image b and group g, a GEMM with M = out_h*out_w (row y*out_w + x),
// K = kg() (k = (c*kh + r)*kw + s, c within the group), N = ng(); its column o is output
// channel g*ng() + o. These build its operands.
std::vector<std::uint32_t> im2col_codes(const ConvShape& s, const std::uint32_t* in, int b,
                                        int g);  // M x K
std::vector<std::uint32_t> conv_weight_gemm(const ConvShape& s, const std::uint32_t* wgt,
                                            int g);  // K x N

// Accumulators of the convolution, NCHW, computed by direct loops over (c, r, s) in k order.
std::vector<AccValue> ref_conv2d(const RefDatapath& dp, const ConvShape& s, const std::uint32_t* in,
                                 const std::uint32_t* wgt);
std::vector<AccValue> ref_conv2d(const DatapathSpec& spec, const ConvShape& s,
                                 const std::uint32_t* in, const std::uint32_t* wgt);

// FP32 convolution (same layouts; products and sums in double, rounded to float once).
std::vector<float> fp32_conv2d(const ConvShape& s, const float* in, const float* wgt);

}  // namespace lpsim::ref
