// Reference post-processing: the PPU's order of operations on doubles, then one encode.
#include "sw/ref/ref_post.hpp"

#include <string>

namespace lpsim::ref {

double post_value(const PostOps& ops, double acc, double bias, double residual,
                  double ch_scale) {
  double y = acc;
  if (ops.channel_scale) y = y * ch_scale;
  if (ops.bias) y = y + bias;
  // A per-tensor INT accumulator (and its bias) counts units of s_a * s_w: it becomes a real
  // value here, so the real-valued residual and the ReLU6 cap (6.0) below apply to real values.
  if (ops.requant) y = y * ops.scale;
  if (ops.residual) y = y + residual;
  if (ops.act != PostAct::none) {
    // Comparisons are false for NaN, so NaR survives the activation (no std::max/min).
    if (y < 0.0) y = 0.0;
    if (ops.act == PostAct::relu6 && y > ops.relu6_cap) y = ops.relu6_cap;
  }
  return y;
}

std::vector<fmt::Code> post_process(const PostOps& ops, const std::vector<AccValue>& acc, int m,
                                    int n, const double* bias, const double* residual,
                                    const fmt::NumberFormat& out_fmt, std::vector<double>* values) {
  return post_process(ops, acc, m, n, bias, residual, nullptr, out_fmt, values);
}

std::vector<fmt::Code> post_process(const PostOps& ops, const std::vector<AccValue>& acc, int m,
                                    int n, const double* bias, const double* residual,
                                    const double* ch_scale, const fmt::NumberFormat& out_fmt,
                                    std::vector<double>* values) {
  const std::size_t total = static_cast<std::size_t>(m) * static_cast<std::size_t>(n);
  if (acc.size() != total)
    throw RefError("ref: post_process: " + std::to_string(acc.size()) + " accumulators for an " +
                   std::to_string(m) + " x " + std::to_string(n) + " output");
  if (ops.bias && !bias) throw RefError("ref: post_process: bias enabled but no bias given");
  if (ops.residual && !residual)
    throw RefError("ref: post_process: residual enabled but no residual given");
  if (ops.channel_scale && !ch_scale)
    throw RefError("ref: post_process: per-channel scales enabled but none given");
  std::vector<fmt::Code> codes(total);
  if (values) values->resize(total);
  for (std::size_t i = 0; i < total; ++i) {
    const double b = ops.bias ? bias[i % static_cast<std::size_t>(n)] : 0.0;
    const double r = ops.residual ? residual[i] : 0.0;
    const double c = ops.channel_scale ? ch_scale[i % static_cast<std::size_t>(n)] : 1.0;
    const double y = post_value(ops, acc[i].to_double(), b, r, c);
    if (values) (*values)[i] = y;
    codes[i] = out_fmt.encode(y);
  }
  return codes;
}

}  // namespace lpsim::ref
