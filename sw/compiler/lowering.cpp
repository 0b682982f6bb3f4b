// Lowering to grouped GEMM layouts (see lowering.hpp).
#include "sw/compiler/lowering.hpp"

#include <string>

#include "sw/common/checked_math.hpp"
#include "sw/common/error.hpp"

namespace lpsim::compiler {

namespace {

// G * M * K codes of a lowered operand: checked (every factor is at most model::kMaxElements,
// the graph's bound, but their product need not be), and at most kMaxElements codes like any
// tensor, which is also what the 32-bit descriptor registers and the DRAM can hold.
std::size_t operand_size(const model::Node& node, int64_t g, int64_t m, int64_t k) {
  const std::string what = "node '" + node.name + "': lowered operand";
  const int64_t n = checked_mul(checked_mul(g, m, what), k, what);
  if (n > model::kMaxElements)
    throw UserError(what + " of " + std::to_string(g) + " x " + std::to_string(m) + " x " +
                    std::to_string(k) + " codes is larger than " +
                    std::to_string(model::kMaxElements));
  return static_cast<std::size_t>(n);
}

}  // namespace

std::vector<std::uint32_t> im2col(const model::Node& conv, const model::Shape& in_shape,
                                  const std::vector<std::uint32_t>& in, const model::GemmView& v) {
  const int64_t B = in_shape[0], C = in_shape[1], H = in_shape[2], W = in_shape[3];
  const int64_t KH = conv.weight_shape[2], KW = conv.weight_shape[3];
  const auto& a = conv.attrs;
  const int64_t G = v.groups, Cg = C / G;
  const int64_t OH = (H + a.pads[0] + a.pads[2] - a.dilation[0] * (KH - 1) - 1) / a.stride[0] + 1;
  const int64_t OW = (W + a.pads[1] + a.pads[3] - a.dilation[1] * (KW - 1) - 1) / a.stride[1] + 1;
  const int64_t M = v.m, K = v.k;
  std::vector<std::uint32_t> out(operand_size(conv, G, M, K), 0u);
  for (int64_t g = 0; g < G; ++g)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t y = 0; y < OH; ++y)
        for (int64_t x = 0; x < OW; ++x) {
          std::uint32_t* row = &out[static_cast<std::size_t>((g * M + (b * OH + y) * OW + x) * K)];
          for (int64_t c = 0; c < Cg; ++c) {
            const std::uint32_t* plane = &in[static_cast<std::size_t>(((b * C) + g * Cg + c) * H * W)];
            for (int64_t r = 0; r < KH; ++r) {
              const int64_t iy = y * a.stride[0] - a.pads[0] + r * a.dilation[0];
              for (int64_t s = 0; s < KW; ++s) {
                const int64_t ix = x * a.stride[1] - a.pads[1] + s * a.dilation[1];
                if (iy >= 0 && iy < H && ix >= 0 && ix < W) row[(c * KH + r) * KW + s] = plane[iy * W + ix];
              }
            }
          }
        }
  return out;
}

std::vector<std::uint32_t> weights_to_gemm(const model::Node& node,
                                           const std::vector<std::uint32_t>& w,
                                           const model::GemmView& v) {
  const int64_t G = v.groups, K = v.k, N = v.n;
  std::vector<std::uint32_t> out(operand_size(node, G, K, N));
  // Conv: w[f][k] with f = g*N + n and k over (c, r, s); Gemm: w[n][k] (one group).
  for (int64_t g = 0; g < G; ++g)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k)
        out[static_cast<std::size_t>((g * K + k) * N + n)] = w[static_cast<std::size_t>((g * N + n) * K + k)];
  return out;
}

std::vector<std::uint32_t> output_from_gemm(const model::Node& node, const model::Shape& out_shape,
                                            const std::vector<std::uint32_t>& out,
                                            const model::GemmView& v) {
  const int64_t G = v.groups, M = v.m, N = v.n;
  std::vector<std::uint32_t> t(out.size());
  if (node.op == model::OpKind::Conv) {
    const int64_t B = out_shape[0], F = out_shape[1], HW = out_shape[2] * out_shape[3];
    for (int64_t b = 0; b < B; ++b)
      for (int64_t f = 0; f < F; ++f)
        for (int64_t p = 0; p < HW; ++p)
          t[static_cast<std::size_t>((b * F + f) * HW + p)] = out[static_cast<std::size_t>((b * HW + p) * F + f)];
  } else if (node.op == model::OpKind::MatMul) {
    for (int64_t g = 0; g < G; ++g)
      for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < N; ++n)
          t[static_cast<std::size_t>((g * M + m) * N + n)] = out[static_cast<std::size_t>(m * G * N + g * N + n)];
  } else {
    t = out;
  }
  return t;
}

std::vector<std::uint32_t> output_to_gemm(const model::Node& node, const model::Shape& out_shape,
                                          const std::vector<std::uint32_t>& t,
                                          const model::GemmView& v) {
  const int64_t G = v.groups, M = v.m, N = v.n;
  std::vector<std::uint32_t> out(t.size());
  if (node.op == model::OpKind::Conv) {
    const int64_t B = out_shape[0], F = out_shape[1], HW = out_shape[2] * out_shape[3];
    for (int64_t b = 0; b < B; ++b)
      for (int64_t f = 0; f < F; ++f)
        for (int64_t p = 0; p < HW; ++p)
          out[static_cast<std::size_t>((b * HW + p) * F + f)] = t[static_cast<std::size_t>((b * F + f) * HW + p)];
  } else if (node.op == model::OpKind::MatMul) {
    for (int64_t g = 0; g < G; ++g)
      for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < N; ++n)
          out[static_cast<std::size_t>(m * G * N + g * N + n)] = t[static_cast<std::size_t>((g * M + m) * N + n)];
  } else {
    out = t;
  }
  return out;
}

}  // namespace lpsim::compiler
