// Code generation for one accelerator layer (see layer_code.hpp).
#include "sw/compiler/layer_code.hpp"

#include <cmath>

#include "sw/common/error.hpp"
#include "sw/formats/format_parse.hpp"
#include "sw/formats/int_format.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/formats/packing.hpp"

namespace lpsim::compiler {
namespace {

std::uint64_t align(std::uint64_t v) {
  return (v + 4095) & ~std::uint64_t{4095};
}

}  // namespace

std::vector<std::uint8_t> pack_rows(const std::vector<std::uint32_t>& codes, std::size_t rows,
                                    std::size_t cols, int bits) {
  const std::size_t rb = fmt::packed_bytes(cols, bits);
  std::vector<std::uint8_t> out(rows * rb);
  for (std::size_t r = 0; r < rows; ++r)
    fmt::pack_codes(codes.data() + r * cols, cols, bits, out.data() + r * rb);
  return out;
}

bool conv_on_chip(const model::Node& node) {
  if (node.op != model::OpKind::Conv) return false;
  const auto& at = node.attrs;
  return at.dilation[0] == 1 && at.dilation[1] == 1 && at.stride[0] == at.stride[1] &&
         at.pads[0] == at.pads[1] && at.pads[1] == at.pads[2] && at.pads[2] == at.pads[3] &&
         at.pads[0] < node.weight_shape[2] && at.pads[0] < node.weight_shape[3] &&
         at.stride[0] <= node.weight_shape[2] && at.stride[0] <= node.weight_shape[3];
}

hw::LayerDescriptor layer_shape(const model::Graph& graph, const compiler::ComputeStep& s) {
  const model::Node& node = *s.node;
  hw::LayerDescriptor d;
  if (conv_on_chip(node)) {
    const model::Shape& in = graph.shape(s.input);  // NCHW
    d.op = hw::LayerOp::conv;
    d.c = static_cast<std::uint32_t>(in[1]);
    d.h = static_cast<std::uint32_t>(in[2]);
    d.w = static_cast<std::uint32_t>(in[3]);
    d.n = static_cast<std::uint32_t>(node.weight_shape[0]);
    d.r = static_cast<std::uint32_t>(node.weight_shape[2]);
    d.s = static_cast<std::uint32_t>(node.weight_shape[3]);
    d.stride = static_cast<std::uint32_t>(node.attrs.stride[0]);
    d.pad = static_cast<std::uint32_t>(node.attrs.pads[0]);
    d.groups = static_cast<std::uint32_t>(node.attrs.groups);
  } else {
    d.op = hw::LayerOp::gemm;
    d.m = static_cast<std::uint32_t>(s.view.m);
    d.k = static_cast<std::uint32_t>(s.view.k);
    d.n = static_cast<std::uint32_t>(s.view.n);
    d.groups = static_cast<std::uint32_t>(s.view.groups);
  }
  return d;
}

HwFormat hw_format(const std::string& text, const std::vector<float>& calib) {
  HwFormat h;
  h.text = text;
  h.format = fmt::parse_format(text, calib.data(), calib.size());
  if (const auto* lp = dynamic_cast<const fmt::LpFormat*>(h.format.get())) {
    const fmt::LpParams& p = lp->params();
    h.op = hw::OperandFormat{hw::FormatFamily::lp, p.n, p.es, p.rs, p.sf};
  } else if (const auto* in = dynamic_cast<const fmt::IntFormat*>(h.format.get())) {
    // The INT PE's scales are powers of two (the register carries sf, scale = 2^-sf):
    // round the fitted scale up so nothing that fitted saturates.
    // Copy the parameters first: assigning h.format below frees the object `in` points to.
    const fmt::IntParams fitted = in->params();
    // The register holds sf as a signed byte: scales 2^-127 .. 2^127 (int:8,1e-30 needs 2^-99,
    // int:8,1e30 2^100: refused by name instead of wrapping into another scale).
    const double e = std::ceil(std::log2(fitted.scale));
    if (!std::isfinite(e) || e < -127 || e > 127)
      throw UserError("format '" + text +
                      "': the INT scale must lie in 2^-127 .. 2^127 (the PE's scale register)");
    const int sf = -static_cast<int>(e);
    h.scale = std::ldexp(1.0, -sf);
    h.format = std::make_shared<fmt::IntFormat>(fmt::IntParams{fitted.n, h.scale});
    h.op = hw::OperandFormat{hw::FormatFamily::int_, fitted.n, 0, 0, sf};
    h.is_int = true;
  } else {
    throw UserError("format '" + text + "' has no PE type on this accelerator");
  }
  return h;
}

std::vector<std::uint32_t> to_nhwc(const std::vector<std::uint32_t>& nchw,
                                   const model::Shape& shape) {
  const std::int64_t B = shape[0], C = shape[1], HW = shape[2] * shape[3];
  std::vector<std::uint32_t> a(nchw.size());
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t p = 0; p < HW; ++p)
        a[static_cast<std::size_t>((b * HW + p) * C + c)] =
            nchw[static_cast<std::size_t>((b * C + c) * HW + p)];
  return a;
}

std::uint64_t place_regions(hw::LayerDescriptor& d, std::uint64_t base, const DramRegions& r) {
  d.w_addr = base;
  d.i_addr = align(d.w_addr + r.weights);
  d.b_addr = align(d.i_addr + r.inputs);
  d.r_addr = align(d.b_addr + r.bias);
  d.o_addr = align(d.r_addr + r.residual);
  return d.o_addr + r.outputs;
}

}  // namespace lpsim::compiler
