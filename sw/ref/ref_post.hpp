// Reference post-processing (bias, requantize, residual, ReLU/ReLU6, encode) with the PPU's
// order of operations and the same double arithmetic (hw/ppu/ppu.hpp), independent of hw/.
#pragma once

#include <cstddef>
#include <vector>

#include "sw/formats/number_format.hpp"
#include "sw/ref/ref_datapath.hpp"

namespace lpsim::ref {

enum class PostAct { none, relu, relu6 };

struct PostOps {
  bool bias = false;
  bool residual = false;
  PostAct act = PostAct::none;
  bool requant = false;
  double scale = 1.0;      // used when requant
  double relu6_cap = 6.0;  // the PPU's configured ReLU6 clamp
  // Per-output-channel scales (INT weights with one scale per output channel): the accumulator
  // is multiplied by its column's scale first; bias and residual are then real values.
  bool channel_scale = false;
};

// One element, in this order (each step a single double operation):
//   y = acc; y *= ch_scale (channel_scale); y += bias; y *= scale (requant: accumulator units,
//   bias included, to real units); y += residual; ReLU: y < 0 -> 0; ReLU6: then y > cap -> cap.
//   Residual and activation always see real values (the cap is 6.0 in real units). NaN (a NaR
//   accumulator) passes through every step unchanged.
double post_value(const PostOps& ops, double acc, double bias, double residual,
                  double ch_scale = 1.0);

// A whole M x N GEMM output (row-major). bias: N values (one per column) or null; residual:
// M x N decoded skip values or null. Returns the output codes in out_fmt (the next layer's
// format; encode() is the only rounding step); `values`, when given, receives the doubles
// before encoding.
std::vector<fmt::Code> post_process(const PostOps& ops, const std::vector<AccValue>& acc, int m,
                                    int n, const double* bias, const double* residual,
                                    const fmt::NumberFormat& out_fmt,
                                    std::vector<double>* values = nullptr);
// The same with per-channel scales: ch_scale holds N values (one per column), required when
// ops.channel_scale.
std::vector<fmt::Code> post_process(const PostOps& ops, const std::vector<AccValue>& acc, int m,
                                    int n, const double* bias, const double* residual,
                                    const double* ch_scale, const fmt::NumberFormat& out_fmt,
                                    std::vector<double>* values = nullptr);

}  // namespace lpsim::ref
