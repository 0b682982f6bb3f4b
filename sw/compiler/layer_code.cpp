// Code generation for one accelerator layer (see layer_code.hpp).
#include "sw/compiler/layer_code.hpp"

#include <cmath>
#include <limits>

#include "sw/common/error.hpp"
#include "sw/compiler/baseline_format.hpp"
#include "sw/formats/format_parse.hpp"
#include "sw/formats/int_format.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/formats/packing.hpp"

namespace lpsim::compiler {
namespace {

std::uint64_t align(std::uint64_t v) {
  return (v + 4095) & ~std::uint64_t{4095};
}

// A narrow format run at a wider MODE: rounds in the narrow format, codes of the wide format
// (which represents every narrow value exactly).
class WidenedFormat final : public fmt::NumberFormat {
 public:
  WidenedFormat(fmt::FormatPtr narrow, fmt::FormatPtr wide)
      : m_narrow(std::move(narrow)), m_wide(std::move(wide)) {}
  std::string name() const override { return m_narrow->name() + "@" + std::to_string(m_wide->bits()); }
  int bits() const override { return m_wide->bits(); }
  fmt::Code encode(double x) const override { return m_wide->encode(m_narrow->decode(m_narrow->encode(x))); }
  double decode(fmt::Code c) const override { return m_wide->decode(c); }
  bool is_nan_code(fmt::Code c) const override { return m_wide->is_nan_code(c); }
  fmt::Code negate(fmt::Code c) const override { return m_wide->negate(c); }
  bool twos_complement() const override { return m_wide->twos_complement(); }

 private:
  fmt::FormatPtr m_narrow, m_wide;
};

// INT weights with per-channel scales as one tensor's format: the integer codes (scale 1), named
// "int<N,channel>" (the scales are the PPU's, per output channel).
class ChannelIntFormat final : public fmt::NumberFormat {
 public:
  explicit ChannelIntFormat(int n) : m_int(fmt::IntParams{n, 1.0}) {}
  std::string name() const override { return "int<" + std::to_string(m_int.bits()) + ",channel>"; }
  int bits() const override { return m_int.bits(); }
  fmt::Code encode(double x) const override { return m_int.encode(x); }
  double decode(fmt::Code c) const override { return m_int.decode(c); }
  bool is_nan_code(fmt::Code c) const override { return m_int.is_nan_code(c); }
  fmt::Code negate(fmt::Code c) const override { return m_int.negate(c); }
  bool twos_complement() const override { return true; }

 private:
  fmt::IntFormat m_int;
};

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
    // The batch's images in one descriptor (M = 0 keeps a single image's register image).
    if (in[0] > 1) d.m = static_cast<std::uint32_t>(in[0]) * d.out_h() * d.out_w();
  } else {
    d.op = hw::LayerOp::gemm;
    d.m = static_cast<std::uint32_t>(s.view.m);
    d.k = static_cast<std::uint32_t>(s.view.k);
    d.n = static_cast<std::uint32_t>(s.view.n);
    d.groups = static_cast<std::uint32_t>(s.view.groups);
  }
  return d;
}

ChannelWeights channel_int_weights(const HwFormat& fw, int n, const std::vector<float>& weights,
                                   std::size_t channels, const std::string& layer) {
  ChannelWeights cw;
  const std::vector<double> fitted =
      fmt::IntFormat::fit_channel_scales(n, weights.data(), weights.size(), channels);
  cw.scales.resize(channels);
  const fmt::IntFormat store(fmt::IntParams{fw.op.n, 1.0});
  cw.codes.resize(weights.size());
  const std::size_t per = channels ? weights.size() / channels : 0;
  for (std::size_t c = 0; c < channels; ++c) {
    const float s = static_cast<float>(fitted[c]);
    if (!(std::isnormal(s) && s > 0))
      throw UserError("layer '" + layer + "': the INT weight scale of output channel " +
                      std::to_string(c) + " (" + std::to_string(fitted[c]) +
                      ") is outside float32's normal range");
    cw.scales[c] = s;
    const fmt::IntFormat q(fmt::IntParams{n, static_cast<double>(s)});
    for (std::size_t i = c * per; i < (c + 1) * per; ++i)
      cw.codes[i] = store.encode(q.decode(q.encode(weights[i])) / static_cast<double>(s));
  }
  return cw;
}

std::vector<float> channel_scale_vector(const HwFormat& fa, const std::vector<float>& w_scales,
                                        const std::string& layer) {
  std::vector<float> v(w_scales.size());
  for (std::size_t c = 0; c < v.size(); ++c) {
    const double u = fa.scale * static_cast<double>(w_scales[c]);
    if (!(u >= static_cast<double>(std::numeric_limits<float>::min()) &&
          u <= static_cast<double>(std::numeric_limits<float>::max())))
      throw UserError("layer '" + layer + "': the INT scales of its activations and output channel " +
                      std::to_string(c) + "'s weights multiply to 2^" +
                      std::to_string(std::lround(std::log2(u))) +
                      ", outside the PPU's float scale registers (2^-126 .. 2^127)");
    v[c] = static_cast<float>(u);
  }
  return v;
}

HwFormat hw_format(const std::string& text, const std::vector<float>& calib, int mode) {
  HwFormat h = hw_format(with_sf(text, 0), calib);
  h.text = text;
  if (mode <= h.op.n) return h;
  if (widen_baseline(h, mode)) return h;
  fmt::FormatPtr wide;
  if (h.is_int) {
    wide = std::make_shared<fmt::IntFormat>(fmt::IntParams{mode, h.scale});
  } else {
    wide = std::make_shared<fmt::LpFormat>(fmt::LpParams{mode, h.op.es, h.op.rs, h.op.sf});
  }
  h.format = std::make_shared<WidenedFormat>(h.format, wide);
  h.op.n = mode;
  return h;
}

HwFormat hw_format(const std::string& text, const std::vector<float>& calib) {
  HwFormat h;
  h.text = text;
  h.format = fmt::parse_format(text, calib.data(), calib.size());
  if (baseline_hw_format(h)) return h;  // posit, af, fp8, ant (int/flint): sw/compiler/baseline_format
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
    if (is_channel_int(text)) {  // integer codes; the scales are per channel (channel_int_weights)
      h.per_channel = true;
      h.scale = 1.0;
      h.format = std::make_shared<ChannelIntFormat>(fitted.n);
      h.op.sf = 0;
    }
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

DramRegions layer_regions(const model::Graph& graph, const ComputeStep& s, const HwFormat& fa,
                          const HwFormat& fw, const HwFormat& fo) {
  const model::GemmView& v = s.view;
  const auto G = static_cast<std::uint64_t>(v.groups), M = static_cast<std::uint64_t>(v.m),
             K = static_cast<std::uint64_t>(v.k), N = static_cast<std::uint64_t>(v.n);
  const int abits = fa.op.storage_bits(), wbits = fw.op.storage_bits(), obits = fo.op.storage_bits();
  const std::uint64_t o_row = fmt::packed_bytes(static_cast<std::size_t>(G * N), obits);
  DramRegions r;
  r.weights = G * K * fmt::packed_bytes(static_cast<std::size_t>(N), wbits);
  if (conv_on_chip(*s.node)) {
    const model::Shape& in = graph.shape(s.input);  // NCHW: B H W pixel rows of C codes
    const auto pixels = static_cast<std::uint64_t>(in[0] * in[2] * in[3]);
    r.inputs = pixels * fmt::packed_bytes(static_cast<std::size_t>(in[1]), abits);
  } else {
    r.inputs = G * M * fmt::packed_bytes(static_cast<std::size_t>(K), abits);
  }
  r.bias = ((s.node->has_bias ? 1 : 0) + (fa.is_int && fw.per_channel ? 1 : 0)) * G * N * 4;
  r.residual = s.fusion.residual.empty() ? 0 : M * o_row;
  r.outputs = M * o_row;
  return r;
}

hw::LayerDescriptor layer_descriptor(const model::Graph& graph, const ComputeStep& s,
                                     const HwFormat& fa, const HwFormat& fw, const HwFormat& fo,
                                     hw::Dataflow dataflow) {
  hw::LayerDescriptor d = layer_shape(graph, s);
  d.fmt_a = fa.op;
  d.fmt_w = fw.op;
  d.fmt_o = fo.op;
  d.mode = static_cast<std::uint32_t>(s.mode);
  d.dataflow = dataflow;
  if (s.node->has_bias) d.pp_flags |= hw::pp::BIAS;
  if (fa.is_int && fw.per_channel) {
    // Per-channel INT weights: the PPU scales each column by s_a * s_w[c] first (the vector
    // follows the bias in DRAM; the bias is then given in real units).
    d.pp_flags |= hw::pp::CHSCALE;
  } else if (fa.is_int) {
    // INT layers: accumulators count units of s_a * s_w; the PPU rescales (and the bias is
    // given in those units).
    const double unit = fa.scale * fw.scale;
    if (!(unit >= static_cast<double>(std::numeric_limits<float>::min()) &&
          unit <= static_cast<double>(std::numeric_limits<float>::max())))
      throw UserError("layer '" + s.node->name + "': the INT scales of its activations (" +
                      s.act_format + ") and weights (" + s.wgt_format + ") multiply to 2^" +
                      std::to_string(std::lround(std::log2(unit))) +
                      ", outside the PPU's float scale register (2^-126 .. 2^127)");
    d.pp_flags |= hw::pp::REQUANT;
    d.pp_scale = static_cast<float>(unit);
  }
  if (s.fusion.relu) d.pp_flags |= hw::pp::RELU;
  if (s.fusion.relu6) d.pp_flags |= hw::pp::RELU6;
  if (!s.fusion.residual.empty()) d.pp_flags |= hw::pp::RESIDUAL;
  return d;
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
