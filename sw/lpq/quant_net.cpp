// The fake-quantized float forward pass (see quant_net.hpp).
#include "sw/lpq/quant_net.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <tuple>
#include <unordered_map>

#include "sw/common/error.hpp"
#include "sw/formats/fast_quantizer.hpp"

namespace lpsim::lpq {
namespace {

// One table quantizer per <n, es, rs> (sf = 0), built on first use and kept for the process.
struct Table {
  std::unique_ptr<fmt::LpFormat> format;
  std::unique_ptr<fmt::FastQuantizer> quantizer;
};

const fmt::FastQuantizer& table(int n, int es, int rs) {
  static std::mutex mu;
  static std::map<std::tuple<int, int, int>, std::unique_ptr<Table>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& t = cache[{n, es, rs}];
  if (!t) {
    t = std::make_unique<Table>();
    t->format = std::make_unique<fmt::LpFormat>(fmt::LpParams{n, es, rs, 0});
    t->quantizer = std::make_unique<fmt::FastQuantizer>(*t->format);
  }
  return *t->quantizer;
}

}  // namespace

Quantizer Quantizer::of_lp(const fmt::LpParams& p) {
  p.validate();
  Quantizer q;
  q.kind = Kind::lp;
  q.lp = p;
  return q;
}

bool Quantizer::operator==(const Quantizer& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case Kind::none:
      return true;
    case Kind::lp:
      return lp == o.lp;
    case Kind::format:
      return format == o.format;
    case Kind::int_channel:
      return bits == o.bits && channel_scale == o.channel_scale;
  }
  return false;
}

void quantize_lp(const fmt::LpParams& p, float* x, std::size_t n) {
  const fmt::FastQuantizer& t = table(p.n, p.es, p.rs);
  const float up = std::ldexp(1.0f, p.sf), down = std::ldexp(1.0f, -p.sf);
  for (std::size_t i = 0; i < n; ++i) x[i] = t.value(t.encode(x[i] * up)) * down;
}

int best_sf(int n, int es, int rs, const std::vector<float>& x, std::size_t max_samples) {
  std::vector<float> s;
  const std::size_t stride =
      std::max<std::size_t>(1, x.size() / std::max<std::size_t>(1, max_samples));
  for (std::size_t i = 0; i < x.size(); i += stride) s.push_back(x[i]);
  const fmt::FastQuantizer& t = table(n, es, rs);
  double best = -1;
  int best_sf = 0;
  // Ties go to the sf of smallest magnitude (as fmt::best_lp_sf): scan 0, -1, 1, -2, 2, ...
  for (int m = 0; m <= 64; ++m)
    for (int sf : {-m, m}) {
      if (m == 0 && sf != 0) continue;
      const float up = std::ldexp(1.0f, sf), down = std::ldexp(1.0f, -sf);
      double sq = 0;
      for (float v : s) {
        const double d = static_cast<double>(t.value(t.encode(v * up)) * down) - v;
        sq += d * d;
      }
      if (best < 0 || sq < best) {
        best = sq;
        best_sf = sf;
      }
      if (m == 0) break;
    }
  return best_sf;
}

std::vector<float> int_channel_scales(const std::vector<float>& w, std::int64_t channels,
                                      int bits) {
  std::vector<float> s(static_cast<std::size_t>(channels), 1.0f);
  const std::size_t per = w.size() / static_cast<std::size_t>(channels);
  const float qmax = static_cast<float>((1 << (bits - 1)) - 1);
  for (std::size_t c = 0; c < s.size(); ++c) {
    float m = 0;
    for (std::size_t i = 0; i < per; ++i) m = std::max(m, std::fabs(w[c * per + i]));
    if (m > 0) s[c] = m / qmax;
  }
  return s;
}

void apply(const Quantizer& q, std::vector<float>& x) {
  switch (q.kind) {
    case Quantizer::Kind::none:
      return;
    case Quantizer::Kind::lp:
      quantize_lp(q.lp, x.data(), x.size());
      return;
    case Quantizer::Kind::format:
      for (float& v : x) v = static_cast<float>(q.format->decode(q.format->encode(v)));
      return;
    case Quantizer::Kind::int_channel: {
      const std::size_t per = x.size() / q.channel_scale.size();
      const float qmax = static_cast<float>((1 << (q.bits - 1)) - 1);
      for (std::size_t c = 0; c < q.channel_scale.size(); ++c)
        for (std::size_t i = 0; i < per; ++i) {
          float& v = x[c * per + i];
          v = std::clamp(std::nearbyint(v / q.channel_scale[c]), -qmax, qmax) * q.channel_scale[c];
        }
      return;
    }
  }
}

QuantNet::QuantNet(const model::Graph& graph)
    : m_graph(graph),
      m_program(compiler::plan_program(graph, "lp<8,2,3,0>", {},
                                       [](const std::string&) { return std::string("lpq"); })) {
  std::unordered_map<std::string, std::size_t> index;
  for (const compiler::Step& s : m_program.steps)
    if (s.compute) {
      index[s.layer.node->name] = m_steps.size();
      Step st;
      st.node = s.layer.node;
      st.c = s.layer;
      m_steps.push_back(st);
    }
  bool is_out = false;
  for (Step& st : m_steps) {
    is_out = std::find(graph.outputs().begin(), graph.outputs().end(), st.c.output) !=
             graph.outputs().end();
    st.all_compute = !is_out;
    for (const std::string& cn : graph.consumers(st.c.output)) {
      auto it = index.find(cn);
      if (it == index.end()) {
        st.all_compute = false;
        continue;
      }
      st.consumer_layers.push_back(it->second);
    }
    if (st.consumer_layers.empty()) st.all_compute = false;
  }
}

std::int64_t QuantNet::weight_count(std::size_t i) const {
  return static_cast<std::int64_t>(m_steps[i].node->weights.size());
}

QuantNet::Output QuantNet::run(const model::FloatTensor& input, const std::vector<LayerQuant>* q,
                               const std::vector<std::size_t>& feature_layers,
                               std::vector<std::vector<float>>* inputs_fp32,
                               std::vector<std::vector<float>>* outputs_fp32) const {
  if (q && q->size() != m_steps.size())
    throw UserError("lpq: " + std::to_string(q->size()) + " layer formats for " +
                    std::to_string(m_steps.size()) + " accelerator layers");
  if (m_graph.inputs().size() != 1) throw UserError("lpq: the model must have exactly one input");
  model::TensorValues v;
  v[m_graph.inputs()[0]] = input;
  if (inputs_fp32) inputs_fp32->assign(m_steps.size(), {});
  if (outputs_fp32) outputs_fp32->assign(m_steps.size(), {});
  std::vector<std::vector<float>> feats(m_steps.size());
  std::vector<bool> want(m_steps.size(), false);
  for (std::size_t l : feature_layers) want.at(l) = true;
  std::size_t layer = 0;
  for (const compiler::Step& s : m_program.steps) {
    if (!s.compute) {
      std::vector<const model::FloatTensor*> in;
      for (const std::string& t : s.host->inputs) {
        auto it = v.find(t);
        if (it == v.end()) {
          const model::TensorInfo& info = m_graph.tensor(t);
          v[t] = model::FloatTensor{info.shape, info.data};
          it = v.find(t);
        }
        in.push_back(&it->second);
      }
      v[s.host->outputs[0]] = model::eval_node_fp32(*s.host, in);
      continue;
    }
    const Step& st = m_steps[layer];
    const compiler::ComputeStep& c = st.c;
    const Quantizer* qa = q ? &(*q)[layer].a : nullptr;
    // The output format: the consumers' activation format when they all agree (the PPU
    // encodes straight into it), else this layer's own (program.cpp's rule).
    const Quantizer* qo = q && (*q)[layer].o.kind != Quantizer::Kind::none ? &(*q)[layer].o : qa;
    if (q && st.all_compute) {
      const Quantizer* common = &(*q)[st.consumer_layers[0]].a;
      bool same = true;
      for (std::size_t cl : st.consumer_layers) same = same && (*q)[cl].a == *common;
      if (same) qo = common;
    }
    model::FloatTensor a = v.at(c.input);
    if (inputs_fp32) (*inputs_fp32)[layer] = a.data;
    if (qa) apply(*qa, a.data);
    model::Node node = *c.node;
    std::vector<const model::FloatTensor*> in{&a};
    model::FloatTensor b;
    if (!c.input_b.empty()) {
      b = v.at(c.input_b);
      if (qa) apply(*qa, b.data);
      in.push_back(&b);
    } else if (q) {
      apply((*q)[layer].w, node.weights);
    }
    model::FloatTensor y = model::eval_node_fp32(node, in);
    if (!c.fusion.residual.empty()) {
      model::FloatTensor r = v.at(c.fusion.residual);
      if (qo) apply(*qo, r.data);
      for (std::size_t i = 0; i < y.data.size(); ++i) y.data[i] += r.data[i];
    }
    if (c.fusion.relu)
      for (float& x : y.data) x = std::max(x, 0.0f);
    if (c.fusion.relu6)
      for (float& x : y.data) x = std::min(std::max(x, 0.0f), 6.0f);
    if (outputs_fp32) (*outputs_fp32)[layer] = y.data;
    if (qo) apply(*qo, y.data);
    if (want[layer]) feats[layer] = y.data;
    v[c.output] = std::move(y);
    ++layer;
  }
  Output o;
  const model::FloatTensor& out = v.at(m_graph.outputs()[0]);
  o.out = out.data;
  o.batch = out.shape.empty() ? 1 : out.shape[0];
  o.classes = o.batch ? static_cast<std::int64_t>(out.data.size()) / o.batch : 0;
  std::int64_t dim = 0;
  for (std::size_t l = 0; l < feats.size(); ++l)
    if (want[l]) dim += static_cast<std::int64_t>(feats[l].size()) / o.batch;
  o.feature_dim = dim;
  if (dim > 0) {
    o.features.resize(static_cast<std::size_t>(dim * o.batch));
    std::int64_t off = 0;
    for (std::size_t l = 0; l < feats.size(); ++l) {
      if (!want[l]) continue;
      const std::int64_t per = static_cast<std::int64_t>(feats[l].size()) / o.batch;
      for (std::int64_t b = 0; b < o.batch; ++b)
        std::copy_n(feats[l].begin() + b * per, per, o.features.begin() + b * dim + off);
      off += per;
    }
  }
  return o;
}

}  // namespace lpsim::lpq
