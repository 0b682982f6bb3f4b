// ONNX import (onnx-ml protobuf, opsets 7..17 of the ops listed in onnx_import.hpp).
#include "sw/model/onnx_import.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <deque>
#include <fstream>
#include <limits>
#include <unordered_map>
#include <utility>

#include <onnx/onnx_pb.h>

#include "sw/common/error.hpp"

namespace lpsim::model {

namespace {

std::string dtype_name(int dt) {
  const std::string& n = onnx::TensorProto_DataType_Name(dt);
  return n.empty() ? "type " + std::to_string(dt) : n;
}

Shape dims_of(const onnx::TensorProto& t) {
  return Shape(t.dims().begin(), t.dims().end());
}

// The element count its dims declare (checked: never wraps, at most kMaxElements).
std::size_t count_of(const onnx::TensorProto& t) {
  try {
    return static_cast<std::size_t>(num_elements(dims_of(t)));
  } catch (const UserError& e) {
    throw UserError("tensor '" + t.name() + "': " + e.what());
  }
}

// The declared size is compared with the data actually in the file before anything is
// allocated: a few bytes of protobuf can declare a tensor of 2^31 values.
std::vector<float> read_floats(const onnx::TensorProto& t) {
  if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
    throw UserError("tensor '" + t.name() + "' uses external data, which is not supported");
  if (t.data_type() != onnx::TensorProto_DataType_FLOAT)
    throw UserError("tensor '" + t.name() + "' has data type " + dtype_name(t.data_type()) +
                    ", only FLOAT (float32) is supported");
  const std::size_t n = count_of(t);
  if (t.has_raw_data()) {
    if (t.raw_data().size() != n * sizeof(float))
      throw UserError("tensor '" + t.name() + "' has " + std::to_string(t.raw_data().size()) +
                      " bytes of raw data, shape " + shape_str(dims_of(t)) + " needs " +
                      std::to_string(n * sizeof(float)));
    std::vector<float> v(n);
    if (n) std::memcpy(v.data(), t.raw_data().data(), n * sizeof(float));  // ONNX: little-endian
    return v;
  }
  if (static_cast<std::size_t>(t.float_data_size()) != n)
    throw UserError("tensor '" + t.name() + "' has " + std::to_string(t.float_data_size()) +
                    " float values, shape " + shape_str(dims_of(t)) + " needs " +
                    std::to_string(n));
  return std::vector<float>(t.float_data().begin(), t.float_data().end());
}

std::vector<int64_t> read_ints(const onnx::TensorProto& t) {
  if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
    throw UserError("tensor '" + t.name() + "' uses external data, which is not supported");
  if (t.data_type() != onnx::TensorProto_DataType_INT64)
    throw UserError("tensor '" + t.name() + "' has data type " + dtype_name(t.data_type()) +
                    ", INT64 expected");
  const std::size_t n = count_of(t);
  if (t.has_raw_data()) {
    if (t.raw_data().size() != n * sizeof(int64_t))
      throw UserError("tensor '" + t.name() + "' has " + std::to_string(t.raw_data().size()) +
                      " bytes of raw data, shape " + shape_str(dims_of(t)) + " needs " +
                      std::to_string(n * sizeof(int64_t)));
    std::vector<int64_t> v(n);
    if (n) std::memcpy(v.data(), t.raw_data().data(), n * sizeof(int64_t));
    return v;
  }
  if (static_cast<std::size_t>(t.int64_data_size()) != n)
    throw UserError("tensor '" + t.name() + "' has " + std::to_string(t.int64_data_size()) +
                    " int64 values, shape " + shape_str(dims_of(t)) + " needs " +
                    std::to_string(n));
  return std::vector<int64_t>(t.int64_data().begin(), t.int64_data().end());
}

// The offset of the first byte of `s` that is not part of well-formed UTF-8 (shortest form,
// no surrogates, at most U+10FFFF), or npos when it is valid.
std::size_t invalid_utf8_at(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;  // range of the second byte
    if (b < 0x80) {
      len = 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return i;
    }
    i += len;
  }
  return std::string::npos;
}

// Names end up in summary.json, trace.json and report.html, which must be UTF-8: a name that
// is not (ONNX requires UTF-8; protobuf's proto2 strings do not enforce it) is refused here.
void require_utf8(const std::string& s, const std::string& what) {
  const std::size_t at = invalid_utf8_at(s);
  if (at == std::string::npos) return;
  static const char* hex = "0123456789abcdef";
  const auto b = static_cast<unsigned char>(s[at]);
  throw UserError(what + " is not valid UTF-8 (byte 0x" + hex[b >> 4] + hex[b & 15] +
                  " at offset " + std::to_string(at) + ")");
}

// Every name the importer reads, checked before any of them is used.
void check_names(const onnx::GraphProto& g) {
  require_utf8(g.name(), "the graph name");
  for (int i = 0; i < g.initializer_size(); ++i)
    require_utf8(g.initializer(i).name(), "initializer " + std::to_string(i) + "'s name");
  for (int i = 0; i < g.input_size(); ++i)
    require_utf8(g.input(i).name(), "graph input " + std::to_string(i) + "'s name");
  for (int i = 0; i < g.output_size(); ++i)
    require_utf8(g.output(i).name(), "graph output " + std::to_string(i) + "'s name");
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    const std::string node = "node " + std::to_string(i);
    require_utf8(n.name(), node + "'s name");
    require_utf8(n.op_type(), node + "'s op_type");
    require_utf8(n.domain(), node + "'s domain");
    for (int k = 0; k < n.input_size(); ++k)
      require_utf8(n.input(k), node + "'s input " + std::to_string(k));
    for (int k = 0; k < n.output_size(); ++k)
      require_utf8(n.output(k), node + "'s output " + std::to_string(k));
    for (const auto& a : n.attribute()) {
      require_utf8(a.name(), node + "'s attribute name");
      require_utf8(a.s(), node + "'s attribute '" + a.name() + "'");
      if (a.has_t()) require_utf8(a.t().name(), node + "'s attribute '" + a.name() + "' tensor name");
    }
  }
}

class Importer {
 public:
  Importer(const onnx::ModelProto& model, const OnnxImportOptions& opt)
      : m_model(model),
        m_gp(model.graph()),
        m_opt(opt),
        m_graph(model.graph().name().empty() ? "onnx" : model.graph().name()) {}

  Graph run() {
    check_names(m_gp);
    for (const auto& op : m_model.opset_import())
      if (op.domain().empty() || op.domain() == "ai.onnx") m_opset = op.version();
    for (const auto& t : m_gp.initializer()) m_consts[t.name()] = &t;
    for (const auto& n : m_gp.node())
      for (const auto& in : n.input()) ++m_uses[in];
    for (const auto& o : m_gp.output()) ++m_uses[o.name()];
    for (const auto& vi : m_gp.input())
      if (!m_consts.count(vi.name())) add_input(vi);
    if (m_graph.inputs().empty()) throw UserError("the graph has no (non-initializer) input");
    for (int i = 0; i < m_gp.node_size(); ++i) convert(m_gp.node(i), i);
    for (const auto& o : m_gp.output()) {
      const std::string name = resolve(o.name());
      if (!m_graph.has_tensor(name))
        throw UserError("graph output '" + o.name() + "' is not produced by any node");
      m_graph.add_output(name);
    }
    m_graph.finalize();
    return std::move(m_graph);
  }

 private:
  void add_input(const onnx::ValueInfoProto& vi) {
    const auto& tt = vi.type().tensor_type();
    if (!vi.type().has_tensor_type() || tt.elem_type() != onnx::TensorProto_DataType_FLOAT)
      throw UserError("graph input '" + vi.name() + "' is not a float32 tensor");
    if (!tt.has_shape()) throw UserError("graph input '" + vi.name() + "' has no shape");
    Shape s;
    for (int d = 0; d < tt.shape().dim_size(); ++d) {
      const auto& dim = tt.shape().dim(d);
      if (dim.has_dim_value() && dim.dim_value() > 0) {
        s.push_back(dim.dim_value());
      } else if (d == 0) {
        s.push_back(m_opt.batch);
      } else {
        throw UserError("graph input '" + vi.name() + "' has a dynamic dimension " +
                        std::to_string(d) + " (only the batch dimension may be dynamic)");
      }
    }
    m_graph.add_input(vi.name(), s);
  }

  std::string resolve(const std::string& name) const {
    auto it = m_alias.find(name);
    return it == m_alias.end() ? name : it->second;
  }

  const onnx::TensorProto* find_const(const std::string& name) const {
    auto it = m_consts.find(resolve(name));
    return it == m_consts.end() ? nullptr : it->second;
  }

  static std::string describe(const onnx::NodeProto& n, const std::string& name) {
    return "node '" + name + "' (" + n.op_type() + ")";
  }

  // A parameter input that must be an initializer (or a Constant node's value).
  const onnx::TensorProto& param(const onnx::NodeProto& n, const std::string& name, int i,
                                 const char* role) const {
    if (i >= n.input_size() || n.input(i).empty())
      throw UserError(describe(n, name) + ": missing " + role + " input");
    if (const auto* t = find_const(n.input(i))) return *t;
    if (m_graph.has_tensor(resolve(n.input(i))))
      throw UserError(describe(n, name) + ": " + role + " '" + n.input(i) +
                      "' must be an initializer");
    throw UserError(describe(n, name) + ": " + role + " '" + n.input(i) +
                    "' is not an initializer, graph input or node output (missing initializer)");
  }

  // An activation input: a graph tensor, or an initializer turned into a graph constant.
  std::string activation(const onnx::NodeProto& n, const std::string& name, int i) {
    if (i >= n.input_size() || n.input(i).empty())
      throw UserError(describe(n, name) + ": missing input " + std::to_string(i));
    const std::string t = resolve(n.input(i));
    if (m_graph.has_tensor(t)) return t;
    if (const auto* c = find_const(t)) {
      m_graph.add_constant(t, dims_of(*c), read_floats(*c));
      return t;
    }
    throw UserError(describe(n, name) + ": input '" + n.input(i) +
                    "' is not an initializer, graph input or node output (missing initializer)");
  }

  static const onnx::AttributeProto* attr(const onnx::NodeProto& n, const char* key) {
    for (const auto& a : n.attribute())
      if (a.name() == key) return &a;
    return nullptr;
  }
  static int64_t attr_int(const onnx::NodeProto& n, const char* key, int64_t dflt) {
    const auto* a = attr(n, key);
    return a ? a->i() : dflt;
  }
  static float attr_float(const onnx::NodeProto& n, const char* key, float dflt) {
    const auto* a = attr(n, key);
    return a ? a->f() : dflt;
  }
  static std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const char* key) {
    const auto* a = attr(n, key);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : std::vector<int64_t>{};
  }

  // Window attributes shared by Conv and the pools: kernel, strides, pads, dilations, auto_pad.
  void window(const onnx::NodeProto& n, const std::string& name, Node& node, const std::string& x,
              std::array<int64_t, 2> kernel) {
    auto two = [&](const char* key, int64_t dflt) {
      std::vector<int64_t> v = attr_ints(n, key);
      if (v.empty()) return std::array<int64_t, 2>{dflt, dflt};
      if (v.size() != 2)
        throw UserError(describe(n, name) + ": attribute '" + key +
                        "' must have 2 values (2-D only)");
      return std::array<int64_t, 2>{v[0], v[1]};
    };
    node.attrs.stride = two("strides", 1);
    node.attrs.dilation = two("dilations", 1);
    const std::vector<int64_t> pads = attr_ints(n, "pads");
    if (!pads.empty()) {
      if (pads.size() != 4)
        throw UserError(describe(n, name) + ": attribute 'pads' must have 4 values");
      // ONNX order [x1_begin, x2_begin, x1_end, x2_end] = top, left, bottom, right.
      node.attrs.pads = {pads[0], pads[1], pads[2], pads[3]};
    }
    const auto* ap = attr(n, "auto_pad");
    const std::string auto_pad = ap ? ap->s() : "NOTSET";
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const Shape& in = m_graph.shape(x);
      if (in.size() != 4) throw UserError(describe(n, name) + ": input must be 4-D");
      // In range first, so that the pad arithmetic below cannot divide by 0 or overflow.
      auto in_range = [&](const char* key, int64_t v) {
        if (v < 1 || v > kMaxElements)
          throw UserError(describe(n, name) + ": " + key + " " + std::to_string(v) +
                          " is not in 1.." + std::to_string(kMaxElements));
      };
      for (std::size_t d = 0; d < 2; ++d) {
        in_range("strides", node.attrs.stride[d]);
        in_range("dilations", node.attrs.dilation[d]);
        in_range("kernel", kernel[d]);
      }
      for (int d = 0; d < 2; ++d) {
        const int64_t s = node.attrs.stride[static_cast<std::size_t>(d)];
        const int64_t ext = in[static_cast<std::size_t>(2 + d)];
        const int64_t out = (ext + s - 1) / s;
        const int64_t total =
            std::max<int64_t>(0, (out - 1) * s +
                                     (kernel[static_cast<std::size_t>(d)] - 1) *
                                         node.attrs.dilation[static_cast<std::size_t>(d)] +
                                     1 - ext);
        const int64_t small = total / 2, large = total - small;
        node.attrs.pads[static_cast<std::size_t>(d)] = auto_pad == "SAME_UPPER" ? small : large;
        node.attrs.pads[static_cast<std::size_t>(d + 2)] = auto_pad == "SAME_UPPER" ? large : small;
      }
    } else if (auto_pad == "VALID") {
      node.attrs.pads = {0, 0, 0, 0};
    } else if (auto_pad != "NOTSET" && !auto_pad.empty()) {
      throw UserError(describe(n, name) + ": unknown auto_pad '" + auto_pad + "'");
    }
  }

  void add(Node node, const onnx::NodeProto& n) {
    if (n.output_size() < 1 || n.output(0).empty())
      throw UserError(describe(n, node.name) + ": has no output");
    node.outputs = {n.output(0)};
    m_graph.add_node(std::move(node));
  }

  void fold_batch_norm(const onnx::NodeProto& n, const std::string& name) {
    if (attr_int(n, "training_mode", 0) != 0 || n.output_size() > 1)
      throw UserError(describe(n, name) + ": training-mode BatchNormalization is not supported");
    const std::string x = resolve(n.input_size() > 0 ? n.input(0) : std::string());
    const TensorInfo* src = m_graph.has_tensor(x) ? &m_graph.tensor(x) : nullptr;
    if (!src || src->kind != TensorKind::Activation ||
        (m_graph.node(src->producer).op != OpKind::Conv &&
         m_graph.node(src->producer).op != OpKind::Gemm))
      throw UserError(describe(n, name) + ": cannot be folded: its input '" +
                      (n.input_size() > 0 ? n.input(0) : std::string()) +
                      "' is not the output of a Conv or Gemm");
    if (m_uses[n.input(0)] != 1)
      throw UserError(describe(n, name) + ": cannot be folded: the output of '" + src->producer +
                      "' is also used elsewhere");
    Node& conv = m_graph.mutable_node(src->producer);
    const std::vector<float> gamma = read_floats(param(n, name, 1, "scale"));
    const std::vector<float> beta = read_floats(param(n, name, 2, "bias"));
    const std::vector<float> mean = read_floats(param(n, name, 3, "mean"));
    const std::vector<float> var = read_floats(param(n, name, 4, "variance"));
    const float eps = attr_float(n, "epsilon", 1e-5f);
    const auto f = static_cast<std::size_t>(conv.weight_shape[0]);  // >= 1 (checked by add_node)
    if (f == 0 || conv.weights.size() % f != 0)
      throw UserError(describe(n, name) + ": cannot fold into '" + conv.name + "' with weight shape " +
                      shape_str(conv.weight_shape));
    if (gamma.size() != f || beta.size() != f || mean.size() != f || var.size() != f)
      throw UserError(describe(n, name) + ": parameters do not have " + std::to_string(f) +
                      " channels like '" + conv.name + "'");
    // y = gamma * (conv(x) + b - mean) / sqrt(var + eps) + beta, folded per output channel.
    const std::size_t per = conv.weights.size() / f;
    if (!conv.has_bias) conv.bias.assign(f, 0.0f);
    conv.has_bias = true;
    for (std::size_t c = 0; c < f; ++c) {
      const double s = static_cast<double>(gamma[c]) / std::sqrt(static_cast<double>(var[c]) + eps);
      for (std::size_t i = 0; i < per; ++i)
        conv.weights[c * per + i] = static_cast<float>(conv.weights[c * per + i] * s);
      conv.bias[c] =
          static_cast<float>((static_cast<double>(conv.bias[c]) - mean[c]) * s + beta[c]);
    }
    if (n.output_size() < 1) throw UserError(describe(n, name) + ": has no output");
    m_alias[n.output(0)] = x;
  }

  void convert(const onnx::NodeProto& n, int index) {
    const std::string& op = n.op_type();
    const std::string name = n.name().empty() ? op + "_" + std::to_string(index) : n.name();
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      throw UserError("node '" + name + "' has unsupported op type '" + n.domain() + "." + op +
                      "'");
    Node node;
    node.name = name;
    if (op == "Identity" || op == "Dropout") {
      if (n.input_size() < 1 || n.output_size() < 1)
        throw UserError(describe(n, name) + ": needs one input and one output");
      m_alias[n.output(0)] = resolve(n.input(0));
      return;
    }
    if (op == "Constant") {
      const auto* v = attr(n, "value");
      if (!v || !v->has_t() || n.output_size() < 1)
        throw UserError(describe(n, name) + ": only the 'value' tensor form is supported");
      m_const_store.push_back(v->t());
      m_const_store.back().set_name(n.output(0));
      m_consts[n.output(0)] = &m_const_store.back();
      return;
    }
    if (op == "BatchNormalization") return fold_batch_norm(n, name);
    if (op == "Conv") {
      node.op = OpKind::Conv;
      const std::string x = activation(n, name, 0);
      const auto& w = param(n, name, 1, "weight");
      node.weight_shape = dims_of(w);
      if (node.weight_shape.size() != 4)
        throw UserError(describe(n, name) + ": only 2-D convolutions are supported, weight '" +
                        w.name() + "' has shape " + shape_str(node.weight_shape));
      node.weights = read_floats(w);
      const std::vector<int64_t> ks = attr_ints(n, "kernel_shape");
      if (!ks.empty() &&
          (ks.size() != 2 || ks[0] != node.weight_shape[2] || ks[1] != node.weight_shape[3]))
        throw UserError(describe(n, name) + ": kernel_shape does not match weight '" + w.name() +
                        "' " + shape_str(node.weight_shape));
      window(n, name, node, x, {node.weight_shape[2], node.weight_shape[3]});
      node.attrs.groups = attr_int(n, "group", 1);
      if (n.input_size() > 2 && !n.input(2).empty()) {
        node.has_bias = true;
        node.bias = read_floats(param(n, name, 2, "bias"));
      }
      node.inputs = {x};
      return add(std::move(node), n);
    }
    if (op == "Gemm") {
      node.op = OpKind::Gemm;
      if (attr_int(n, "transA", 0) != 0)
        throw UserError(describe(n, name) + ": transA=1 is not supported");
      const std::string x = activation(n, name, 0);
      const auto& b = param(n, name, 1, "weight");
      const Shape bs = dims_of(b);
      if (bs.size() != 2)
        throw UserError(describe(n, name) + ": weight '" + b.name() + "' must be 2-D");
      std::vector<float> bw = read_floats(b);
      if (bw.empty())
        throw UserError(describe(n, name) + ": weight '" + b.name() + "' of shape " +
                        shape_str(bs) + " has no values");
      const float alpha = attr_float(n, "alpha", 1.0f), beta = attr_float(n, "beta", 1.0f);
      const bool trans_b = attr_int(n, "transB", 0) != 0;
      const int64_t nout = trans_b ? bs[0] : bs[1], nin = trans_b ? bs[1] : bs[0];
      node.weight_shape = {nout, nin};
      node.weights.resize(bw.size());
      for (int64_t o = 0; o < nout; ++o)
        for (int64_t i = 0; i < nin; ++i)
          node.weights[static_cast<std::size_t>(o * nin + i)] =
              alpha * bw[static_cast<std::size_t>(trans_b ? o * nin + i : i * nout + o)];
      if (n.input_size() > 2 && !n.input(2).empty()) {
        const auto& c = param(n, name, 2, "bias");
        const std::vector<float> cv = read_floats(c);
        if (cv.size() != 1 && static_cast<int64_t>(cv.size()) != nout)
          throw UserError(describe(n, name) + ": bias '" + c.name() + "' of shape " +
                          shape_str(dims_of(c)) + " is not a per-output vector");
        node.has_bias = true;
        node.bias.resize(static_cast<std::size_t>(nout));
        for (std::size_t o = 0; o < node.bias.size(); ++o)
          node.bias[o] = beta * cv[cv.size() == 1 ? 0 : o];
      }
      node.inputs = {x};
      return add(std::move(node), n);
    }
    if (op == "MatMul") {
      if (find_const(n.input_size() > 0 ? n.input(0) : std::string()))
        throw UserError(describe(n, name) + ": a constant left operand is not supported");
      const std::string x = activation(n, name, 0);
      if (const auto* b = (n.input_size() > 1 ? find_const(n.input(1)) : nullptr)) {
        // x * W with W [in, out]: a Linear layer without bias.
        const Shape bs = dims_of(*b);
        if (bs.size() != 2)
          throw UserError(describe(n, name) + ": constant operand '" + b->name() + "' must be 2-D");
        const std::vector<float> bw = read_floats(*b);
        if (bw.empty())
          throw UserError(describe(n, name) + ": constant operand '" + b->name() + "' of shape " +
                          shape_str(bs) + " has no values");
        node.op = OpKind::Gemm;
        node.weight_shape = {bs[1], bs[0]};
        node.weights.resize(bw.size());
        for (int64_t o = 0; o < bs[1]; ++o)
          for (int64_t i = 0; i < bs[0]; ++i)
            node.weights[static_cast<std::size_t>(o * bs[0] + i)] =
                bw[static_cast<std::size_t>(i * bs[1] + o)];
        node.inputs = {x};
      } else {
        node.op = OpKind::MatMul;
        node.inputs = {x, activation(n, name, 1)};
      }
      return add(std::move(node), n);
    }
    if (op == "Add") {
      node.op = OpKind::Add;
      if (n.input_size() != 2) throw UserError(describe(n, name) + ": needs two inputs");
      if (find_const(n.input(0)) && find_const(n.input(1)))
        throw UserError(describe(n, name) + ": both operands are constants");
      node.inputs = {activation(n, name, 0), activation(n, name, 1)};
      return add(std::move(node), n);
    }
    if (op == "Relu") {
      node.op = OpKind::Relu;
      node.inputs = {activation(n, name, 0)};
      return add(std::move(node), n);
    }
    if (op == "Clip") {
      node.op = OpKind::Clip;
      node.inputs = {activation(n, name, 0)};
      const float inf = std::numeric_limits<float>::infinity();
      node.attrs.clip_min = attr_float(n, "min", -inf);
      node.attrs.clip_max = attr_float(n, "max", inf);
      for (int i = 1; i <= 2 && i < n.input_size(); ++i) {
        if (n.input(i).empty()) continue;
        const std::vector<float> v = read_floats(param(n, name, i, i == 1 ? "min" : "max"));
        if (v.size() != 1) throw UserError(describe(n, name) + ": min/max must be scalars");
        (i == 1 ? node.attrs.clip_min : node.attrs.clip_max) = v[0];
      }
      return add(std::move(node), n);
    }
    if (op == "MaxPool" || op == "AveragePool") {
      node.op = op == "MaxPool" ? OpKind::MaxPool : OpKind::AveragePool;
      const std::string x = activation(n, name, 0);
      if (n.output_size() > 1 && !n.output(1).empty())
        throw UserError(describe(n, name) + ": the Indices output is not supported");
      if (attr_int(n, "storage_order", 0) != 0)
        throw UserError(describe(n, name) + ": storage_order=1 is not supported");
      const std::vector<int64_t> ks = attr_ints(n, "kernel_shape");
      if (ks.size() != 2)
        throw UserError(describe(n, name) + ": kernel_shape must have 2 values (2-D only)");
      node.attrs.kernel = {ks[0], ks[1]};
      window(n, name, node, x, node.attrs.kernel);
      node.attrs.ceil_mode = attr_int(n, "ceil_mode", 0) != 0;
      node.attrs.count_include_pad = attr_int(n, "count_include_pad", 0) != 0;
      node.inputs = {x};
      return add(std::move(node), n);
    }
    if (op == "GlobalAveragePool") {
      node.op = OpKind::GlobalAveragePool;
      node.inputs = {activation(n, name, 0)};
      return add(std::move(node), n);
    }
    if (op == "Flatten") {
      node.op = OpKind::Flatten;
      node.attrs.axis = attr_int(n, "axis", 1);
      node.inputs = {activation(n, name, 0)};
      return add(std::move(node), n);
    }
    if (op == "Reshape") {
      node.op = OpKind::Reshape;
      node.inputs = {activation(n, name, 0)};
      node.attrs.shape = read_ints(param(n, name, 1, "shape"));
      if (attr_int(n, "allowzero", 0) != 0)
        for (int64_t d : node.attrs.shape)
          if (d == 0) throw UserError(describe(n, name) + ": allowzero=1 with a 0 dimension");
      return add(std::move(node), n);
    }
    if (op == "Transpose") {
      node.op = OpKind::Transpose;
      node.inputs = {activation(n, name, 0)};
      node.attrs.perm = attr_ints(n, "perm");
      if (node.attrs.perm.empty()) {
        const auto rank = static_cast<int64_t>(m_graph.shape(node.inputs[0]).size());
        for (int64_t d = rank - 1; d >= 0; --d) node.attrs.perm.push_back(d);
      }
      return add(std::move(node), n);
    }
    if (op == "Softmax") {
      node.op = OpKind::Softmax;
      node.inputs = {activation(n, name, 0)};
      const auto rank = static_cast<int64_t>(m_graph.shape(node.inputs[0]).size());
      node.attrs.axis = attr_int(n, "axis", m_opset >= 13 ? -1 : 1);
      // Before opset 13 Softmax flattens from `axis`; that equals ours on the last axis only.
      if (m_opset < 13 && node.attrs.axis != -1 && node.attrs.axis != rank - 1)
        throw UserError(describe(n, name) + ": opset " + std::to_string(m_opset) +
                        " Softmax is supported on the last axis only");
      return add(std::move(node), n);
    }
    throw UserError("node '" + name + "' has unsupported op type '" + op + "'");
  }

  const onnx::ModelProto& m_model;
  const onnx::GraphProto& m_gp;
  const OnnxImportOptions& m_opt;
  Graph m_graph;
  int64_t m_opset = 13;
  std::unordered_map<std::string, const onnx::TensorProto*> m_consts;
  std::deque<onnx::TensorProto> m_const_store;  // Constant node values (stable addresses)
  std::unordered_map<std::string, std::string> m_alias;
  std::unordered_map<std::string, int> m_uses;
};

}  // namespace

Graph import_onnx(const std::string& path, const OnnxImportOptions& options) {
  if (options.batch < 1) throw file_error(path, 0, "batch must be >= 1");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path, 0, "cannot open ONNX model");
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in))
    throw file_error(path, 0, "not a valid ONNX model (protobuf parse failed)");
  if (!model.has_graph() || model.graph().node_size() == 0)
    throw file_error(path, 0, "not a valid ONNX model (no graph nodes)");
  try {
    return Importer(model, options).run();
  } catch (const UserError& e) {
    throw file_error(path, 0, e.what());
  }
}

}  // namespace lpsim::model
