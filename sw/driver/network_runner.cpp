// Network execution on the accelerator with per-layer reference checks (see network_runner.hpp).
#include "sw/driver/network_runner.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "hw/ctrl/ctrl_regs.hpp"
#include "sw/common/error.hpp"
#include "sw/common/parallel.hpp"
#include "sw/compiler/baseline_format.hpp"
#include "sw/compiler/layer_code.hpp"
#include "sw/compiler/lowering.hpp"
#include "sw/formats/format_parse.hpp"
#include "sw/formats/int_format.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/formats/packing.hpp"
#include "sw/ref/ref_conv.hpp"
#include "sw/ref/ref_datapath.hpp"
#include "sw/ref/ref_post.hpp"
#include "sw/driver/layer_check.hpp"
#include "sw/driver/quantize.hpp"

namespace lpsim::driver {
namespace {

CheckFormatHook& check_format_hook() {
  static CheckFormatHook hook;
  return hook;
}

CheckSpecHook& check_spec_hook() {
  static CheckSpecHook hook;
  return hook;
}

}  // namespace

void set_check_format_hook(CheckFormatHook hook) {
  check_format_hook() = std::move(hook);
}

void set_check_spec_hook(CheckSpecHook hook) {
  check_spec_hook() = std::move(hook);
}

// A tensor held as codes of one format (an accelerator layer's output).
struct NetworkRunner::QTensor {
  model::Shape shape;
  std::string text;
  fmt::FormatPtr format;
  std::vector<std::uint32_t> codes;
};

void place_layer(hw::LayerDescriptor& d, const compiler::DramRegions& regions,
                 const std::string& layer, const DeviceInfo& device) {
  const std::uint64_t top = compiler::place_regions(d, hw::kDramBase, regions);
  if (top > device.dram_bytes)
    throw UserError("layer '" + layer + "' needs " + std::to_string(top) +
                    " bytes of DRAM; the accelerator has " + std::to_string(device.dram_bytes));
}

LayerResult describe_layer(const model::Graph& graph, const compiler::ComputeStep& s,
                           const compiler::HwFormat& fa, const compiler::HwFormat& fw,
                           const compiler::HwFormat& fo) {
  LayerResult r;
  r.name = s.node->name;
  r.op = model::op_name(s.node->op);
  for (const std::string& f : s.fusion.nodes) {
    const model::Node& fn = graph.node(f);
    const std::string part = fn.op == model::OpKind::Add ? "add" : fn.op == model::OpKind::Relu ? "relu" : "relu6";
    r.fused += (r.fused.empty() ? "" : "+") + part;
  }
  r.view = s.view;
  r.act_format = fa.format->name();
  r.wgt_format = fw.format->name();
  r.out_format = fo.format->name();
  r.mode = s.mode;
  r.macs = static_cast<std::uint64_t>(s.view.macs());
  return r;
}

NetworkRunner::NetworkRunner(const model::Graph& graph, const compiler::Program& program,
                             const model::TensorValues& fp32, RunnerOptions opt)
    : m_graph(graph), m_program(program), m_fp32(fp32), m_opt(opt) {}

NetworkRunner::~NetworkRunner() {
  if (m_pending.valid()) m_pending.wait();
}

const model::FloatTensor& NetworkRunner::float_of(const std::string& tensor) {
  auto it = m_f.find(tensor);
  if (it != m_f.end()) return it->second;
  if (m_freed.count(tensor))
    throw std::logic_error("tensor '" + tensor + "' read after its last reader freed it");
  model::FloatTensor t;
  auto q = m_q.find(tensor);
  if (q != m_q.end()) {
    t.shape = q->second->shape;
    t.data.resize(q->second->codes.size());
    for (std::size_t i = 0; i < t.data.size(); ++i)
      t.data[i] = static_cast<float>(q->second->format->decode(q->second->codes[i]));
  } else {
    const model::TensorInfo& info = m_graph.tensor(tensor);
    if (info.kind == model::TensorKind::Constant) {
      t.shape = info.shape;
      t.data = info.data;
    } else {
      t = m_fp32.at(tensor);  // a graph input
    }
  }
  return m_f.emplace(tensor, std::move(t)).first->second;
}

std::vector<std::uint32_t> NetworkRunner::codes_of(const std::string& tensor, const compiler::HwFormat& f) {
  auto q = m_q.find(tensor);
  if (q != m_q.end() && q->second->text == f.text && q->second->format->name() == f.format->name())
    return q->second->codes;
  const model::FloatTensor& t = float_of(tensor);
  std::vector<std::uint32_t> codes(t.data.size());
  encode_floats(f.format, t.data.data(), codes.data(), codes.size());
  return codes;
}

void NetworkRunner::collect_check() {
  if (!m_pending.valid()) return;
  const std::string err = m_pending.get();
  LayerResult& l = m_result.layers[m_pending_layer];
  l.checked = true;
  l.verified = err.empty();
  l.mismatch = err;
  if (!err.empty() && m_result.verified) {
    m_result.verified = false;
    m_result.first_mismatch = "layer " + l.name + ": " + err;
  }
}

namespace {

// The tensors a step reads (one entry per read).
std::vector<std::string> reads_of(const compiler::Step& s) {
  if (!s.compute) return s.host->inputs;
  std::vector<std::string> r{s.layer.input};
  if (!s.layer.input_b.empty()) r.push_back(s.layer.input_b);
  if (!s.layer.fusion.residual.empty()) r.push_back(s.layer.fusion.residual);
  return r;
}

}  // namespace

const std::vector<float>& NetworkRunner::calib_of(const std::string& tensor) const {
  static const std::vector<float> none;  // a tensor no fitted format calibrates on
  auto it = m_fp32.find(tensor);
  return it == m_fp32.end() ? none : it->second.data;
}

void NetworkRunner::release(const compiler::Step& s) {
  auto drop = [&](const std::string& t) {
    const auto& outs = m_graph.outputs();
    if (std::find(outs.begin(), outs.end(), t) != outs.end()) return;  // read at the end
    m_q.erase(t);
    m_f.erase(t);
    if (m_graph.tensor(t).kind != model::TensorKind::Constant) m_freed.insert(t);
  };
  for (const std::string& t : reads_of(s))
    if (--m_reads[t] == 0) drop(t);
  const std::string& out = s.compute ? s.layer.output : s.host->outputs[0];
  if (m_reads[out] == 0) drop(out);  // nothing reads it
}

void NetworkRunner::run(Driver& d) {
  // Activations are freed after their last reader; the graph outputs stay for the result.
  for (const compiler::Step& s : m_program.steps)
    for (const std::string& t : reads_of(s)) ++m_reads[t];
  for (const compiler::Step& s : m_program.steps) {
    if (s.compute)
      run_compute(d, s.layer);
    else
      run_host(*s.host);
    release(s);
  }
  collect_check();
  // Every graph output, concatenated in graph order (a topology workload has one per layer).
  m_result.output_tensor = m_graph.outputs().at(0);
  for (const std::string& t : m_graph.outputs()) {
    const auto& q = float_of(t).data;
    const auto& f = m_fp32.at(t).data;
    m_result.output.insert(m_result.output.end(), q.begin(), q.end());
    m_result.fp32_output.insert(m_result.fp32_output.end(), f.begin(), f.end());
  }
}

void NetworkRunner::run_host(const model::Node& n) {
  std::vector<const model::FloatTensor*> in;
  for (const std::string& t : n.inputs) in.push_back(&float_of(t));
  m_f[n.outputs[0]] = model::eval_node_fp32(n, in);
}

void NetworkRunner::run_compute(Driver& d, const compiler::ComputeStep& s) {
  const model::Node& node = *s.node;
  const model::GemmView& v = s.view;
  const std::int64_t G = v.groups, M = v.m, K = v.k, N = v.n;

  // Formats; fitted ones (int, af) are calibrated on the FP32 reference values.
  // Operands narrower than the layer's MODE are stored and decoded at the MODE's width.
  const compiler::HwFormat fa = compiler::hw_format(s.act_format, calib_of(s.input), s.mode);
  const compiler::HwFormat fw = s.input_b.empty() ? compiler::hw_format(s.wgt_format, node.weights, s.mode)
                                        : compiler::hw_format(s.wgt_format, calib_of(s.input_b), s.mode);
  const compiler::HwFormat fo = compiler::hw_format(s.out_format, calib_of(s.output));

  // Operands in the grouped GEMM layouts.
  const std::vector<std::uint32_t> in_codes = codes_of(s.input, fa);
  const model::Shape& in_shape = m_graph.shape(s.input);
  std::vector<std::uint32_t> a, w, w_node;
  hw::LayerDescriptor desc = compiler::layer_descriptor(m_graph, s, fa, fw, fo, m_opt.dataflow);
  const bool on_chip = desc.op == hw::LayerOp::conv;  // the whole batch (NHWC images, on-chip im2col)
  if (on_chip) {
    a = compiler::to_nhwc(in_codes, in_shape);
  } else if (node.op == model::OpKind::Conv) {
    a = compiler::im2col(node, in_shape, in_codes, v);
  } else {
    a = in_codes;
  }
  std::vector<float> w_scales;  // per-channel INT weights: each output channel's scale
  if (s.input_b.empty() && fw.per_channel) {
    compiler::ChannelWeights cw = compiler::channel_int_weights(
        fw, compiler::hw_format(s.wgt_format, {}).op.n,  // the format's own n (fw.op.n: MODE)
        node.weights, static_cast<std::size_t>(G * N), node.name);
    w_node = std::move(cw.codes);
    w_scales = std::move(cw.scales);
    w = compiler::weights_to_gemm(node, w_node, v);
  } else if (s.input_b.empty()) {
    w_node.resize(node.weights.size());
    encode_floats(fw.format, node.weights.data(), w_node.data(), w_node.size());
    w = compiler::weights_to_gemm(node, w_node, v);
  } else {
    w = codes_of(s.input_b, fw);
  }

  // INT layers: accumulators count units of s_a * s_w; the PPU rescales (and the bias is
  // given in those units).
  // (layer_descriptor() checked that the unit fits the PPU's float scale register)
  // Per-channel INT weights: the PPU scales each column by s_a * s_w[c] first, so the bias is
  // given in real units; the scale vector follows it in the PPU parameter region.
  const bool ch_scale = fa.is_int && fw.per_channel;
  const double unit = fa.is_int && !ch_scale ? fa.scale * fw.scale : 1.0;
  std::vector<float> bias, scales;
  if (node.has_bias) {
    bias.resize(static_cast<std::size_t>(G * N));
    for (std::size_t i = 0; i < bias.size(); ++i) bias[i] = static_cast<float>(node.bias[i] / unit);
  }
  if (ch_scale) scales = compiler::channel_scale_vector(fa, w_scales, node.name);
  std::vector<std::uint32_t> residual;
  const model::Shape& out_shape = m_graph.shape(s.output);
  if (!s.fusion.residual.empty())
    residual = compiler::output_to_gemm(node, out_shape, codes_of(s.fusion.residual, fo), v);

  // DRAM layout of this layer (regions reused by every layer).
  const int abits = fa.op.storage_bits(), wbits = fw.op.storage_bits(), obits = fo.op.storage_bits();
  const std::vector<std::uint8_t> w_bytes = compiler::pack_rows(w, static_cast<std::size_t>(G * K), static_cast<std::size_t>(N), wbits);
  const std::vector<std::uint8_t> a_bytes =
      on_chip ? compiler::pack_rows(a, a.size() / in_shape[1], static_cast<std::size_t>(in_shape[1]), abits)
              : compiler::pack_rows(a, static_cast<std::size_t>(G * M), static_cast<std::size_t>(K), abits);
  const std::size_t o_row = fmt::packed_bytes(static_cast<std::size_t>(G * N), obits);
  const compiler::DramRegions regions = compiler::layer_regions(m_graph, s, fa, fw, fo);
  if (regions.weights != w_bytes.size() || regions.inputs != a_bytes.size() ||
      regions.bias != (bias.size() + scales.size()) * 4 || regions.residual != (residual.empty() ? 0 : M * o_row))
    throw std::logic_error("layer '" + node.name + "': DRAM regions differ from the tensors written");
  place_layer(desc, regions, node.name, m_opt.device);
  d.write(desc.w_addr, w_bytes.data(), w_bytes.size());
  d.write(desc.i_addr, a_bytes.data(), a_bytes.size());
  if (!bias.empty()) d.write(desc.b_addr, reinterpret_cast<const std::uint8_t*>(bias.data()), bias.size() * 4);
  if (!scales.empty())
    d.write(desc.b_addr + bias.size() * 4, reinterpret_cast<const std::uint8_t*>(scales.data()), scales.size() * 4);
  if (!residual.empty()) {
    const auto r_bytes = compiler::pack_rows(residual, static_cast<std::size_t>(M), static_cast<std::size_t>(G * N), obits);
    d.write(desc.r_addr, r_bytes.data(), r_bytes.size());
  }

  // One descriptor for the whole batch (a conv's images follow one another in every region).
  const LayerStatus sb = d.run_layer(desc);
  if (sb.error_code != 0)
    throw DeviceError("layer '" + node.name + "': the accelerator reported error " + std::to_string(sb.error_code),
                      sb.error_code);
  std::vector<std::uint8_t> o_bytes(static_cast<std::size_t>(M) * o_row);
  d.read(desc.o_addr, o_bytes.data(), o_bytes.size());
  std::vector<std::uint32_t> out(static_cast<std::size_t>(M * G * N));
  for (std::int64_t m = 0; m < M; ++m)
    fmt::unpack_codes(o_bytes.data() + m * o_row, static_cast<std::size_t>(G * N), obits, out.data() + m * G * N);

  auto q = std::make_unique<QTensor>();
  q->shape = out_shape;
  q->text = fo.text;
  q->format = fo.format;
  q->codes = compiler::output_from_gemm(node, out_shape, out, v);
  m_f.erase(s.output);
  m_q[s.output] = std::move(q);

  m_result.layers.push_back(describe_layer(m_graph, s, fa, fw, fo));

  if (!m_opt.check) return;
  // The check of this layer runs on the other core while the next layers simulate; at most
  // one is in flight, so results and their order do not depend on timing.
  collect_check();
  CheckJob j;
  j.spec.pe = fa.is_int ? ref::PeKind::integer : ref::PeKind::lp;
  j.spec.mode = s.mode;
  if (!fa.is_int) {
    j.spec.act = {fa.op.n, fa.op.es, fa.op.rs, fa.op.sf};
    j.spec.wgt = {fw.op.n, fw.op.es, fw.op.rs, fw.op.sf};
  }
  j.spec.lin_frac_bits = m_opt.device.lin_frac_bits;
  {  // the device's accumulator and K tiles (docs/datapath.md, "K tiles")
    const ref::DatapathSpec& dp = m_opt.device.datapath;
    j.spec.acc = dp.acc;
    j.spec.narrow_bits = dp.narrow_bits;
    j.spec.narrow_frac_bits = dp.narrow_frac_bits;
    j.spec.float_frac_bits = dp.float_frac_bits;
    j.spec.float_exp_bits = dp.float_exp_bits;
    j.spec.psum = dp.psum;
    j.spec.psum_frac_bits = dp.psum_frac_bits;
    const std::int64_t kt = m_opt.device.k_tile ? m_opt.device.k_tile(desc) : 0;
    j.spec.k_tile = kt > 0 && kt < K ? kt : 0;
    if (check_spec_hook()) check_spec_hook()(j.spec);
  }
  if (compiler::is_baseline_family(fa.op.family)) {  // posit, af, fp8, ant: sw/ref/ref_baseline
    j.base_act = fa.format;
    j.base_wgt = fw.format;
  }
  j.G = G;
  j.M = M;
  j.K = K;
  j.N = N;
  const auto& at = node.attrs;
  if (node.op == model::OpKind::Conv && at.dilation[0] == 1 && at.dilation[1] == 1 &&
      at.stride[0] == at.stride[1] && at.pads[0] == at.pads[1] && at.pads[1] == at.pads[2] &&
      at.pads[2] == at.pads[3]) {
    j.conv_direct = true;
    j.conv.batch = static_cast<int>(in_shape[0]);
    j.conv.in_c = static_cast<int>(in_shape[1]);
    j.conv.in_h = static_cast<int>(in_shape[2]);
    j.conv.in_w = static_cast<int>(in_shape[3]);
    j.conv.out_c = static_cast<int>(node.weight_shape[0]);
    j.conv.kh = static_cast<int>(node.weight_shape[2]);
    j.conv.kw = static_cast<int>(node.weight_shape[3]);
    j.conv.stride = static_cast<int>(at.stride[0]);
    j.conv.pad = static_cast<int>(at.pads[0]);
    j.conv.groups = static_cast<int>(at.groups);
    j.in_nchw = in_codes;
    j.w_oihw = std::move(w_node);
  } else {
    j.a = std::move(a);
    j.w = std::move(w);
  }
  j.ops.bias = !bias.empty();
  j.ops.residual = !residual.empty();
  j.ops.act = s.fusion.relu ? ref::PostAct::relu : s.fusion.relu6 ? ref::PostAct::relu6 : ref::PostAct::none;
  j.ops.requant = fa.is_int && !ch_scale;
  j.ops.scale = static_cast<double>(desc.pp_scale);
  j.ops.channel_scale = ch_scale;
  j.bias.assign(bias.begin(), bias.end());
  j.scales.assign(scales.begin(), scales.end());
  if (!residual.empty()) {
    j.residual.resize(residual.size());
    for (std::size_t i = 0; i < residual.size(); ++i) j.residual[i] = fo.format->decode(residual[i]);
  }
  j.out = check_format_hook() ? check_format_hook()(fo.format) : fo.format;
  j.got = std::move(out);
  m_pending_layer = m_result.layers.size() - 1;
  m_pending = std::async(std::launch::async, [job = std::move(j)] { return check_layer(job); });
}

}  // namespace lpsim::driver
