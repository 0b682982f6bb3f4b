// Model zoo builders (torchvision layer names and shapes) and their synthetic weights.
#include "sw/model/zoo.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "sw/common/error.hpp"
#include "sw/model/normal_rng.hpp"

namespace lpsim::model {

namespace {

// Weight scales; docs/models.md explains the choice.
constexpr double kBnScaleSpread = 0.25;  // log-std of the per-filter folded-BN scale
constexpr double kConvBiasStd = 0.02;    // folded-BN bias: beta - mean * gamma / sigma
constexpr double kResidualGain = 0.5;    // last conv of a residual branch (x + 0.5 f(x))
constexpr double kVitStd = 0.02;         // ViT Linear weights, class token, position embedding
constexpr double kVitBiasStd = 0.01;

enum class Act { Relu, Linear, Residual };

class Builder {
 public:
  Builder(Graph& graph, const ZooOptions& o) : m_graph(graph), m_opt(o) {}

  int64_t width(int64_t full) const { return std::max<int64_t>(1, full / m_opt.width_divisor); }
  const Shape& shape(const std::string& t) const { return m_graph.shape(t); }
  int64_t blocks(int64_t full) const {
    return m_opt.max_blocks > 0 ? std::min(full, m_opt.max_blocks) : full;
  }

  // Conv with folded BN: Kaiming-normal filters scaled per filter by a log-normal BN factor.
  std::string conv(const std::string& x, const std::string& name, int64_t cout, int64_t k,
                   int64_t stride, int64_t pad, int64_t groups, Act act) {
    const int64_t cin = m_graph.shape(x).at(1);
    Node n = make(OpKind::Conv, name, {x});
    n.weight_shape = {cout, cin / groups, k, k};
    n.attrs.stride = {stride, stride};
    n.attrs.pads = {pad, pad, pad, pad};
    n.attrs.groups = groups;
    n.has_bias = true;
    if (m_opt.with_weights) {
      const int64_t fan_in = cin / groups * k * k;
      const double gain = act == Act::Relu ? 2.0 : 1.0;
      double std = std::sqrt(gain / static_cast<double>(fan_in));
      if (act == Act::Residual) std *= kResidualGain;
      n.weights = normal(name + ".weight", num_elements(n.weight_shape), std);
      NormalRng bn(m_opt.seed, name + ".bn_scale");
      const std::size_t per = n.weights.size() / static_cast<std::size_t>(cout);
      for (std::size_t f = 0; f < static_cast<std::size_t>(cout); ++f) {
        const auto s = static_cast<float>(std::exp(kBnScaleSpread * bn.normal()));
        for (std::size_t i = 0; i < per; ++i) n.weights[f * per + i] *= s;
      }
      n.bias = normal(name + ".bias", cout, kConvBiasStd);
    }
    return add(std::move(n));
  }

  std::string linear(const std::string& x, const std::string& name, int64_t out, double std,
                     double bias_std) {
    Node n = make(OpKind::Gemm, name, {x});
    n.weight_shape = {out, m_graph.shape(x).back()};
    n.has_bias = true;
    if (m_opt.with_weights) {
      n.weights = normal(name + ".weight", num_elements(n.weight_shape), std);
      n.bias = normal(name + ".bias", out, bias_std);
    }
    return add(std::move(n));
  }

  std::string layer_norm(const std::string& x, const std::string& name) {
    Node n = make(OpKind::LayerNorm, name, {x});
    const int64_t d = m_graph.shape(x).back();
    n.weight_shape = {d};
    n.attrs.epsilon = 1e-6f;
    n.has_bias = true;
    if (m_opt.with_weights) {
      n.weights = normal(name + ".weight", d, 0.05);
      for (float& g : n.weights) g += 1.0f;
      n.bias = normal(name + ".bias", d, kVitBiasStd);
    }
    return add(std::move(n));
  }

  std::string op(OpKind kind, const std::string& name, std::vector<std::string> inputs,
                 NodeAttrs attrs = {}) {
    Node n = make(kind, name, std::move(inputs));
    n.attrs = std::move(attrs);
    return add(std::move(n));
  }

  std::string relu(const std::string& x, const std::string& name) {
    return op(OpKind::Relu, name, {x});
  }

  std::string relu6(const std::string& x, const std::string& name) {
    NodeAttrs a;
    a.clip_min = 0.0f;
    a.clip_max = 6.0f;
    return op(OpKind::Clip, name, {x}, a);
  }

  std::string constant(const std::string& name, Shape shape, double std) {
    std::vector<float> data =
        m_opt.with_weights
            ? normal(name, num_elements(shape), std)
            : std::vector<float>(static_cast<std::size_t>(num_elements(shape)), 0.0f);
    m_graph.add_constant(name, std::move(shape), std::move(data));
    return name;
  }

  std::vector<float> normal(const std::string& stream, int64_t count, double std) const {
    NormalRng rng(m_opt.seed, stream);
    std::vector<float> v(static_cast<std::size_t>(count));
    for (float& x : v) x = static_cast<float>(std * rng.normal());
    return v;
  }

 private:
  static Node make(OpKind kind, const std::string& name, std::vector<std::string> inputs) {
    Node n;
    n.name = name;
    n.op = kind;
    n.inputs = std::move(inputs);
    n.outputs = {name};
    return n;
  }

  std::string add(Node n) { return m_graph.add_node(std::move(n)).outputs[0]; }

  Graph& m_graph;
  const ZooOptions& m_opt;
};

NodeAttrs pool_attrs(int64_t k, int64_t stride, int64_t pad) {
  NodeAttrs a;
  a.kernel = {k, k};
  a.stride = {stride, stride};
  a.pads = {pad, pad, pad, pad};
  return a;
}

// Global average pool, flatten, classifier: the common ResNet/MobileNetV2 tail.
std::string classifier_tail(Builder& b, const std::string& x, const std::string& fc_name,
                            int64_t classes) {
  std::string y = b.op(OpKind::GlobalAveragePool, "avgpool", {x});
  NodeAttrs fl;
  fl.axis = 1;
  y = b.op(OpKind::Flatten, "flatten", {y}, fl);
  // Classifier: LeCun-normal (gain 1, no ReLU after it), small bias.
  const double fan_in = static_cast<double>(b.shape(y).back());
  return b.linear(y, fc_name, classes, std::sqrt(1.0 / fan_in), kConvBiasStd);
}

void build_resnet(Graph& g, Builder& b, const ZooOptions& o, bool bottleneck) {
  const std::vector<int64_t> depth =
      bottleneck ? std::vector<int64_t>{3, 4, 6, 3} : std::vector<int64_t>{2, 2, 2, 2};
  std::string x = b.conv("input", "conv1", b.width(64), 7, 2, 3, 1, Act::Relu);
  x = b.relu(x, "relu");
  x = b.op(OpKind::MaxPool, "maxpool", {x}, pool_attrs(3, 2, 1));
  for (int64_t stage = 0; stage < 4; ++stage) {
    const int64_t w = b.width(64 << stage);
    const int64_t out = bottleneck ? 4 * w : w;
    for (int64_t blk = 0; blk < b.blocks(depth[static_cast<std::size_t>(stage)]); ++blk) {
      const std::string p = "layer" + std::to_string(stage + 1) + "." + std::to_string(blk) + ".";
      const int64_t stride = stage > 0 && blk == 0 ? 2 : 1;
      const int64_t cin = g.shape(x)[1];
      std::string y;
      if (bottleneck) {
        y = b.relu(b.conv(x, p + "conv1", w, 1, 1, 0, 1, Act::Relu), p + "relu1");
        y = b.relu(b.conv(y, p + "conv2", w, 3, stride, 1, 1, Act::Relu), p + "relu2");
        y = b.conv(y, p + "conv3", out, 1, 1, 0, 1, Act::Residual);
      } else {
        y = b.relu(b.conv(x, p + "conv1", w, 3, stride, 1, 1, Act::Relu), p + "relu1");
        y = b.conv(y, p + "conv2", out, 3, 1, 1, 1, Act::Residual);
      }
      std::string identity = x;
      if (stride != 1 || cin != out)
        identity = b.conv(x, p + "downsample.0", out, 1, stride, 0, 1, Act::Linear);
      x = b.relu(b.op(OpKind::Add, p + "add", {y, identity}), p + "relu");
    }
  }
  const std::string logits = classifier_tail(b, x, "fc", o.num_classes);
  g.add_output(logits);
}

void build_mobilenetv2(Graph& g, Builder& b, const ZooOptions& o) {
  // (expansion t, channels c, repeats n, stride s) from the MobileNetV2 paper, Table 2.
  const int64_t settings[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                  {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  std::string x = b.conv("input", "features.0.0", b.width(32), 3, 2, 1, 1, Act::Relu);
  x = b.relu6(x, "features.0.2");
  int64_t idx = 1;
  for (const auto& s : settings) {
    const int64_t out = b.width(s[1]);
    for (int64_t i = 0; i < b.blocks(s[2]); ++i, ++idx) {
      const std::string p = "features." + std::to_string(idx) + ".conv.";
      const int64_t stride = i == 0 ? s[3] : 1;
      const int64_t cin = g.shape(x)[1];
      const int64_t hidden = cin * s[0];
      std::string y = x;
      int64_t li = 0;
      if (s[0] != 1) {
        y = b.conv(y, p + "0.0", hidden, 1, 1, 0, 1, Act::Relu);
        y = b.relu6(y, p + "0.2");
        li = 1;
      }
      const std::string dw = p + std::to_string(li);
      y = b.relu6(b.conv(y, dw + ".0", hidden, 3, stride, 1, hidden, Act::Relu), dw + ".2");
      const bool residual = stride == 1 && cin == out;
      y = b.conv(y, p + std::to_string(li + 1), out, 1, 1, 0, 1,
                 residual ? Act::Residual : Act::Linear);
      if (residual) y = b.op(OpKind::Add, "features." + std::to_string(idx) + ".add", {x, y});
      x = y;
    }
  }
  x = b.conv(x, "features." + std::to_string(idx) + ".0", b.width(1280), 1, 1, 0, 1, Act::Relu);
  x = b.relu6(x, "features." + std::to_string(idx) + ".2");
  g.add_output(classifier_tail(b, x, "classifier.1", o.num_classes));
}

void build_vit_b16(Graph& g, Builder& b, const ZooOptions& o) {
  const int64_t dim = b.width(768), heads = std::max<int64_t>(1, 12 / o.width_divisor);
  const int64_t mlp = b.width(3072), depth = b.blocks(12), patch = 16;
  if (dim % heads != 0)
    throw UserError("vit_b16: width " + std::to_string(dim) + " does not split into " +
                    std::to_string(heads) + " heads (width_divisor " +
                    std::to_string(o.width_divisor) + ")");
  const int64_t hd = dim / heads;
  std::string x = b.conv("input", "conv_proj", dim, patch, patch, 0, 1, Act::Linear);
  NodeAttrs r;
  r.shape = {0, dim, -1};
  x = b.op(OpKind::Reshape, "patches.reshape", {x}, r);
  NodeAttrs t;
  t.perm = {0, 2, 1};
  x = b.op(OpKind::Transpose, "patches.transpose", {x}, t);
  const int64_t tokens = g.shape(x)[1] + 1;
  NodeAttrs cat;
  cat.axis = 1;
  x = b.op(OpKind::Concat, "class_token.concat",
           {b.constant("class_token", {1, 1, dim}, kVitStd), x}, cat);
  x = b.op(OpKind::Add, "encoder.pos_embedding.add",
           {x, b.constant("encoder.pos_embedding", {1, tokens, dim}, kVitStd)});
  auto slice = [&](const std::string& in, const std::string& name, int64_t axis, int64_t start,
                   int64_t end) {
    NodeAttrs a;
    a.axis = axis;
    a.start = start;
    a.end = end;
    return b.op(OpKind::Slice, name, {in}, a);
  };
  auto heads_of = [&](const std::string& in, const std::string& name, std::vector<int64_t> perm) {
    NodeAttrs rs;
    rs.shape = {0, 0, heads, hd};
    NodeAttrs tp;
    tp.perm = std::move(perm);
    return b.op(OpKind::Transpose, name + ".transpose",
                {b.op(OpKind::Reshape, name + ".reshape", {in}, rs)}, tp);
  };
  for (int64_t l = 0; l < depth; ++l) {
    const std::string p = "encoder.layers.encoder_layer_" + std::to_string(l) + ".";
    const std::string sa = p + "self_attention.";
    std::string y = b.layer_norm(x, p + "ln_1");
    const std::string qkv = b.linear(y, sa + "in_proj", 3 * dim, kVitStd, kVitBiasStd);
    const std::string q = heads_of(slice(qkv, sa + "q", -1, 0, dim), sa + "q", {0, 2, 1, 3});
    const std::string k = heads_of(slice(qkv, sa + "k", -1, dim, 2 * dim), sa + "k", {0, 2, 3, 1});
    const std::string v =
        heads_of(slice(qkv, sa + "v", -1, 2 * dim, 3 * dim), sa + "v", {0, 2, 1, 3});
    std::string s = b.op(OpKind::MatMul, sa + "qk", {q, k});
    NodeAttrs sm;
    sm.axis = -1;
    sm.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));
    s = b.op(OpKind::Softmax, sa + "softmax", {s}, sm);
    y = b.op(OpKind::MatMul, sa + "av", {s, v});
    NodeAttrs tp;
    tp.perm = {0, 2, 1, 3};
    y = b.op(OpKind::Transpose, sa + "merge.transpose", {y}, tp);
    NodeAttrs rs;
    rs.shape = {0, 0, dim};
    y = b.op(OpKind::Reshape, sa + "merge.reshape", {y}, rs);
    y = b.linear(y, sa + "out_proj", dim, kVitStd, kVitBiasStd);
    x = b.op(OpKind::Add, p + "add_1", {x, y});
    y = b.layer_norm(x, p + "ln_2");
    y = b.linear(y, p + "mlp.0", mlp, kVitStd, kVitBiasStd);
    y = b.op(OpKind::Gelu, p + "mlp.1", {y});
    y = b.linear(y, p + "mlp.3", dim, kVitStd, kVitBiasStd);
    x = b.op(OpKind::Add, p + "add_2", {x, y});
  }
  x = b.layer_norm(x, "encoder.ln");
  x = slice(x, "class_token.out", 1, 0, 1);
  NodeAttrs fl;
  fl.axis = 1;
  x = b.op(OpKind::Flatten, "flatten", {x}, fl);
  g.add_output(b.linear(x, "heads.head", o.num_classes, kVitStd, kVitBiasStd));
}

}  // namespace

void ZooOptions::validate() const {
  if (batch < 1) throw UserError("zoo: batch must be >= 1, got " + std::to_string(batch));
  if (input_size < 0 || (input_size > 0 && input_size < 16))
    throw UserError("zoo: input_size must be 0 (default) or >= 16, got " +
                    std::to_string(input_size));
  if (num_classes < 1)
    throw UserError("zoo: num_classes must be >= 1, got " + std::to_string(num_classes));
  if (width_divisor < 1)
    throw UserError("zoo: width_divisor must be >= 1, got " + std::to_string(width_divisor));
  if (max_blocks < 0)
    throw UserError("zoo: max_blocks must be >= 0, got " + std::to_string(max_blocks));
}

std::vector<std::string> list_zoo_models() {
  return {"resnet18", "resnet50", "mobilenetv2", "vit_b16"};
}

Graph build_zoo_model(const std::string& name, const ZooOptions& options) {
  options.validate();
  const int64_t size = options.input_size > 0 ? options.input_size : 224;
  if (name == "vit_b16" && size % 16 != 0)
    throw UserError("zoo: vit_b16 needs an input size divisible by the patch size 16, got " +
                    std::to_string(size));
  Graph g(name);
  g.add_input("input", {options.batch, 3, size, size});
  Builder b(g, options);
  if (name == "resnet18") {
    build_resnet(g, b, options, false);
  } else if (name == "resnet50") {
    build_resnet(g, b, options, true);
  } else if (name == "mobilenetv2") {
    build_mobilenetv2(g, b, options);
  } else if (name == "vit_b16") {
    build_vit_b16(g, b, options);
  } else {
    std::string known;
    for (const auto& m : list_zoo_models()) known += (known.empty() ? "" : ", ") + m;
    throw UserError("zoo: unknown model '" + name + "' (known: " + known + ")");
  }
  g.finalize();
  return g;
}

FloatTensor make_input(const Graph& graph, uint64_t seed) {
  if (graph.inputs().size() != 1)
    throw UserError("graph '" + graph.name() + "': make_input needs exactly one input");
  FloatTensor t;
  t.shape = graph.shape(graph.inputs()[0]);
  NormalRng rng(seed, "input");
  t.data.resize(static_cast<std::size_t>(num_elements(t.shape)));
  for (float& v : t.data) v = static_cast<float>(rng.normal());
  return t;
}

}  // namespace lpsim::model
