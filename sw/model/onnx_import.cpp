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
#include <unordered_set>
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

// A constant of the shape subgraphs folded at import: any numeric dtype as doubles (exact for
// every int64 a shape holds and every float32), integer or floating.
struct CVal {
  Shape dims;
  bool is_int = false;
  std::vector<double> v;
};

bool is_int_dtype(int dt) {
  using T = onnx::TensorProto;
  return dt == T::INT64 || dt == T::INT32 || dt == T::INT16 || dt == T::INT8 || dt == T::UINT8 ||
         dt == T::UINT16 || dt == T::UINT32 || dt == T::UINT64 || dt == T::BOOL;
}

CVal cval_of(const onnx::TensorProto& t) {
  using T = onnx::TensorProto;
  CVal c;
  c.dims = dims_of(t);
  const int dt = t.data_type();
  if (dt == T::FLOAT) {
    const std::vector<float> f = read_floats(t);
    c.v.assign(f.begin(), f.end());
    return c;
  }
  if (dt == T::INT64) {
    const std::vector<int64_t> i = read_ints(t);
    c.is_int = true;
    c.v.assign(i.begin(), i.end());
    return c;
  }
  if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
    throw UserError("tensor '" + t.name() + "' uses external data, which is not supported");
  const std::size_t n = count_of(t);
  c.is_int = is_int_dtype(dt);
  std::size_t width = 0;
  if (dt == T::DOUBLE) width = 8;
  if (dt == T::INT32 || dt == T::UINT32) width = 4;
  if (dt == T::INT8 || dt == T::UINT8 || dt == T::BOOL) width = 1;
  if (dt == T::INT16 || dt == T::UINT16) width = 2;
  if (width == 0)
    throw UserError("tensor '" + t.name() + "' has data type " + dtype_name(dt) +
                    ", which a constant cannot have here");
  c.v.resize(n);
  if (t.has_raw_data()) {
    if (t.raw_data().size() != n * width)
      throw UserError("tensor '" + t.name() + "' has " + std::to_string(t.raw_data().size()) +
                      " bytes of raw data, shape " + shape_str(c.dims) + " needs " +
                      std::to_string(n * width));
    const char* p = t.raw_data().data();
    for (std::size_t i = 0; i < n; ++i) {
      const char* q = p + i * width;
      if (dt == T::DOUBLE) {
        double d;
        std::memcpy(&d, q, 8);
        c.v[i] = d;
      } else if (dt == T::INT32) {
        int32_t d;
        std::memcpy(&d, q, 4);
        c.v[i] = d;
      } else if (dt == T::UINT32) {
        uint32_t d;
        std::memcpy(&d, q, 4);
        c.v[i] = d;
      } else if (dt == T::INT16) {
        int16_t d;
        std::memcpy(&d, q, 2);
        c.v[i] = d;
      } else if (dt == T::UINT16) {
        uint16_t d;
        std::memcpy(&d, q, 2);
        c.v[i] = d;
      } else if (dt == T::INT8) {
        c.v[i] = static_cast<int8_t>(*q);
      } else {
        c.v[i] = static_cast<uint8_t>(*q);
      }
    }
    return c;
  }
  const std::size_t have = dt == T::DOUBLE ? static_cast<std::size_t>(t.double_data_size())
                                           : static_cast<std::size_t>(t.int32_data_size());
  if (have != n)
    throw UserError("tensor '" + t.name() + "' has " + std::to_string(have) + " values, shape " +
                    shape_str(c.dims) + " needs " + std::to_string(n));
  for (std::size_t i = 0; i < n; ++i)
    c.v[i] = dt == T::DOUBLE ? t.double_data(static_cast<int>(i))
                             : static_cast<double>(t.int32_data(static_cast<int>(i)));
  return c;
}

onnx::TensorProto proto_of(const std::string& name, const CVal& c) {
  onnx::TensorProto t;
  t.set_name(name);
  for (int64_t d : c.dims) t.add_dims(d);
  if (c.is_int) {
    t.set_data_type(onnx::TensorProto_DataType_INT64);
    for (double x : c.v) t.add_int64_data(static_cast<int64_t>(x));
  } else {
    t.set_data_type(onnx::TensorProto_DataType_FLOAT);
    for (double x : c.v) t.add_float_data(static_cast<float>(x));
  }
  return t;
}

// Row-major strides of `s`.
std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (std::size_t d = s.size(); d-- > 1;) st[d - 1] = st[d] * s[d];
  return st;
}

// Numpy broadcast of shapes; throws `what` when they do not broadcast.
Shape bcast_shape(const Shape& a, const Shape& b, const std::string& what) {
  Shape out(std::max(a.size(), b.size()));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (da != db && da != 1 && db != 1)
      throw UserError(what + ": shapes " + shape_str(a) + " and " + shape_str(b) +
                      " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// The value of `c` broadcast to `out` (numpy rules; `out` from bcast_shape).
std::vector<double> bcast_to(const CVal& c, const Shape& out) {
  const int64_t total = num_elements(out);
  std::vector<double> r(static_cast<std::size_t>(total));
  const std::size_t lead = out.size() - c.dims.size();
  const std::vector<int64_t> ist = strides_of(c.dims), ost = strides_of(out);
  for (int64_t i = 0; i < total; ++i) {
    int64_t off = 0;
    for (std::size_t d = 0; d < out.size(); ++d) {
      const int64_t idx = (i / ost[d]) % out[d];
      if (d >= lead && c.dims[d - lead] != 1) off += idx * ist[d - lead];
    }
    r[static_cast<std::size_t>(i)] = c.v.empty() ? 0.0 : c.v[static_cast<std::size_t>(off)];
  }
  return r;
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
      if (a.has_t())
        require_utf8(a.t().name(), node + "'s attribute '" + a.name() + "' tensor name");
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
    check_supported();
    for (const auto& t : m_gp.initializer()) {
      m_consts[t.name()] = &t;
      m_initializers.insert(&t);
    }
    for (const auto& n : m_gp.node()) {
      for (const auto& in : n.input()) ++m_uses[in];
      // An Identity/Dropout output names the same tensor: its readers count as readers of the
      // input, so such an input is never released early (take_floats).
      if (n.op_type() == "Identity" || n.op_type() == "Dropout")
        for (const auto& in : n.input()) m_aliased.insert(in);
    }
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
        s.push_back(m_opt.data_batch > 0 ? m_opt.data_batch : m_opt.batch);
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

  // The float values of `t`. An initializer that exactly one node input reads gives its
  // payload back to the allocator at once (the graph now holds the values), so a large model
  // is not held twice, as protobuf and as floats, while it is imported (ViT-B/16: 330 MB).
  // `import_onnx` owns the (non-const) model, so releasing through const_cast is legal.
  std::vector<float> take_floats(const onnx::TensorProto& t) const {
    std::vector<float> v = read_floats(t);
    const auto use = m_uses.find(t.name());
    if (use != m_uses.end() && use->second == 1 && m_initializers.count(&t) &&
        !m_aliased.count(t.name())) {
      auto& owned = const_cast<onnx::TensorProto&>(t);
      std::string().swap(*owned.mutable_raw_data());
      owned.clear_raw_data();
      google::protobuf::RepeatedField<float>().Swap(owned.mutable_float_data());
    }
    return v;
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
      // A scalar (rank 0) becomes shape [1]: the graph's empty shape means "not inferred yet",
      // and broadcasting [1] against an activation of rank >= 1 gives the same result.
      Shape dims = dims_of(*c);
      if (dims.empty()) dims = {1};
      m_graph.add_constant(t, dims, take_floats(*c));
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

  // Every op type the importer handles, as a tensor op or folded into constants.
  static bool supported(const std::string& op) {
    static const char* const kOps[] = {"Identity",
                                       "Dropout",
                                       "Constant",
                                       "BatchNormalization",
                                       "Conv",
                                       "Gemm",
                                       "MatMul",
                                       "Add",
                                       "Relu",
                                       "Clip",
                                       "MaxPool",
                                       "AveragePool",
                                       "GlobalAveragePool",
                                       "Flatten",
                                       "Reshape",
                                       "Transpose",
                                       "Softmax",
                                       "Concat",
                                       "Pad",
                                       "ReduceMean",
                                       "Sigmoid",
                                       "HardSigmoid",
                                       "HardSwish",
                                       "Mul",
                                       "Div",
                                       "Sub",
                                       "Erf",
                                       "Gelu",
                                       "LayerNormalization",
                                       "Split",
                                       "Slice",
                                       "Gather",
                                       "Unsqueeze",
                                       "Squeeze",
                                       "Shape",
                                       "Size",
                                       "ConstantOfShape",
                                       "Expand",
                                       "Where",
                                       "Range",
                                       "Cast",
                                       "Equal",
                                       "Less",
                                       "Greater",
                                       "Neg",
                                       "Sqrt",
                                       "Abs",
                                       "Floor",
                                       "Ceil",
                                       "Not",
                                       "Pow",
                                       "Min",
                                       "Max"};
    for (const char* k : kOps)
      if (op == k) return true;
    return false;
  }

  // One error listing every unsupported op type (in order of first appearance) with its count
  // and its first node: "unsupported ops: Foo ×3 (first '/a/Foo'), Bar ×1 ('/b/Bar')".
  void check_supported() const {
    std::vector<std::string> order;
    std::unordered_map<std::string, std::pair<int, std::string>> seen;
    for (int i = 0; i < m_gp.node_size(); ++i) {
      const auto& n = m_gp.node(i);
      const bool std_domain = n.domain().empty() || n.domain() == "ai.onnx";
      if (std_domain && supported(n.op_type())) continue;
      const std::string type = std_domain ? n.op_type() : n.domain() + "." + n.op_type();
      const std::string name = n.name().empty() ? n.op_type() + "_" + std::to_string(i) : n.name();
      auto it = seen.find(type);
      if (it == seen.end()) {
        order.push_back(type);
        seen.emplace(type, std::make_pair(1, name));
      } else {
        ++it->second.first;
      }
    }
    if (order.empty()) return;
    std::string msg = "unsupported ops: ";
    for (std::size_t i = 0; i < order.size(); ++i) {
      const auto& e = seen.at(order[i]);
      msg += (i ? ", " : "") + order[i] + " \u00d7" + std::to_string(e.first) + " (" +
             (e.first > 1 ? "first '" : "'") + e.second + "')";
    }
    throw UserError(msg);
  }

  void set_const(const std::string& out, const CVal& c) {
    m_const_store.push_back(proto_of(out, c));
    m_consts[out] = &m_const_store.back();
  }

  static std::vector<int64_t> ints_of(const CVal& c) {
    std::vector<int64_t> r;
    for (double d : c.v) r.push_back(static_cast<int64_t>(d));
    return r;
  }

  // The shape of a tensor input (constant or activation).
  Shape shape_of_input(const onnx::NodeProto& n, const std::string& name, int i) const {
    if (i >= n.input_size() || n.input(i).empty())
      throw UserError(describe(n, name) + ": missing input " + std::to_string(i));
    if (const auto* c = find_const(n.input(i))) return dims_of(*c);
    const std::string t = resolve(n.input(i));
    if (m_graph.has_tensor(t)) return m_graph.shape(t);
    throw UserError(describe(n, name) + ": input '" + n.input(i) +
                    "' is not an initializer, graph input or node output (missing initializer)");
  }

  // Axes from the attribute (older opsets) or the optional input `i` (newer), normalised.
  std::vector<int64_t> axes_of(const onnx::NodeProto& n, const std::string& name, int i,
                               std::size_t rank) const {
    std::vector<int64_t> ax = attr_ints(n, "axes");
    if (i < n.input_size() && !n.input(i).empty()) {
      const auto* c = find_const(n.input(i));
      if (!c) throw UserError(describe(n, name) + ": axes must be a constant");
      ax = ints_of(cval_of(*c));
    }
    for (int64_t& a : ax) {
      if (a < 0) a += static_cast<int64_t>(rank);
      if (a < 0 || a >= static_cast<int64_t>(rank))
        throw UserError(describe(n, name) + ": axis out of range for rank " + std::to_string(rank));
    }
    return ax;
  }

  // Slice parameters (starts, ends, axes, steps) clamped to `dims` per ONNX: for each axis
  // {axis, start, end, step}.
  std::vector<std::array<int64_t, 4>> slice_params(const onnx::NodeProto& n,
                                                   const std::string& name,
                                                   const Shape& dims) const {
    std::vector<int64_t> starts, ends, axes, steps;
    if (m_opset < 10) {
      starts = attr_ints(n, "starts");
      ends = attr_ints(n, "ends");
      axes = attr_ints(n, "axes");
    } else {
      auto in = [&](int i) {
        if (i >= n.input_size() || n.input(i).empty()) return std::vector<int64_t>{};
        const auto* c = find_const(n.input(i));
        if (!c) throw UserError(describe(n, name) + ": starts/ends/axes/steps must be constants");
        return ints_of(cval_of(*c));
      };
      starts = in(1);
      ends = in(2);
      axes = in(3);
      steps = in(4);
    }
    if (axes.empty())
      for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size())
      throw UserError(describe(n, name) + ": starts, ends, axes and steps differ in length");
    std::vector<std::array<int64_t, 4>> r;
    const auto rank = static_cast<int64_t>(dims.size());
    for (std::size_t i = 0; i < starts.size(); ++i) {
      int64_t ax = axes[i] < 0 ? axes[i] + rank : axes[i];
      if (ax < 0 || ax >= rank) throw UserError(describe(n, name) + ": axis out of range");
      const int64_t d = dims[static_cast<std::size_t>(ax)], st = steps[i];
      if (st == 0) throw UserError(describe(n, name) + ": step 0");
      auto clampi = [](int64_t v, int64_t lo, int64_t hi) { return std::min(std::max(v, lo), hi); };
      int64_t b = starts[i] < 0 ? starts[i] + d : starts[i];
      int64_t e = ends[i] < 0 ? ends[i] + d : ends[i];
      if (st > 0) {
        b = clampi(b, 0, d);
        e = clampi(e, 0, d);
      } else {
        b = clampi(b, 0, d - 1);
        e = clampi(e, -1, d - 1);
      }
      r.push_back({ax, b, e, st});
    }
    return r;
  }

  // Folded constants are shape data: at most 2^24 values (a corrupt file could ask for more).
  static void fold_limit(const onnx::NodeProto& n, const std::string& name, const Shape& dims) {
    const int64_t count = num_elements(dims);
    if (count > (int64_t{1} << 24))
      throw UserError(describe(n, name) + ": a folded constant of shape " + shape_str(dims) +
                      " is larger than 16777216 values");
  }

  // Constant-folds a node whose inputs are all constants (and Shape/Size of any tensor, whose
  // shape is static after import): the shape subgraphs exporters emit. False: not folded.
  bool try_fold(const onnx::NodeProto& n, const std::string& name) {
    const std::string& op = n.op_type();
    if (n.output_size() < 1 || n.output(0).empty()) return false;
    const std::string out = n.output(0);
    auto err = [&](const std::string& w) { return UserError(describe(n, name) + ": " + w); };
    if (op == "Shape" || op == "Size") {
      const Shape s = shape_of_input(n, name, 0);
      CVal c;
      c.is_int = true;
      if (op == "Size") {
        c.v = {static_cast<double>(num_elements(s))};
      } else {
        const auto r = static_cast<int64_t>(s.size());
        int64_t b = attr_int(n, "start", 0), e = attr_int(n, "end", r);
        if (b < 0) b += r;
        if (e < 0) e += r;
        b = std::min(std::max<int64_t>(b, 0), r);
        e = std::min(std::max<int64_t>(e, b), r);
        for (int64_t i = b; i < e; ++i)
          c.v.push_back(static_cast<double>(s[static_cast<std::size_t>(i)]));
        c.dims = {e - b};
      }
      set_const(out, c);
      return true;
    }
    bool any = false;
    for (const auto& in : n.input()) {
      if (in.empty()) continue;
      if (!find_const(in)) return false;
      any = true;
    }
    if (!any && op != "ConstantOfShape") return false;
    auto in = [&](int i) {
      if (i >= n.input_size() || n.input(i).empty())
        throw err("missing input " + std::to_string(i));
      return cval_of(*find_const(n.input(i)));
    };
    auto has_in = [&](int i) { return i < n.input_size() && !n.input(i).empty(); };
    CVal r;
    if (op == "Gather") {
      const CVal d = in(0), idx = in(1);
      if (d.dims.empty()) throw err("data must have rank >= 1");
      const int64_t rank = static_cast<int64_t>(d.dims.size());
      int64_t ax = attr_int(n, "axis", 0);
      if (ax < 0) ax += rank;
      if (ax < 0 || ax >= rank) throw err("axis out of range");
      const auto au = static_cast<std::size_t>(ax);
      int64_t outer = 1, inner = 1;
      for (std::size_t i = 0; i < d.dims.size(); ++i)
        (i < au ? outer : inner) *= i == au ? 1 : d.dims[i];
      const int64_t len = d.dims[au];
      r.is_int = d.is_int;
      r.dims.assign(d.dims.begin(), d.dims.begin() + ax);
      r.dims.insert(r.dims.end(), idx.dims.begin(), idx.dims.end());
      r.dims.insert(r.dims.end(), d.dims.begin() + ax + 1, d.dims.end());
      fold_limit(n, name, r.dims);
      for (int64_t o = 0; o < outer; ++o)
        for (double iv : idx.v) {
          int64_t k = static_cast<int64_t>(iv);
          if (k < 0) k += len;
          if (k < 0 || k >= len)
            throw err("index " + std::to_string(static_cast<int64_t>(iv)) + " out of range");
          for (int64_t i = 0; i < inner; ++i)
            r.v.push_back(d.v[static_cast<std::size_t>((o * len + k) * inner + i)]);
        }
    } else if (op == "Unsqueeze" || op == "Squeeze") {
      r = in(0);
      if (op == "Unsqueeze") {
        const std::size_t rank =
            r.dims.size() + (has_in(1) ? static_cast<std::size_t>(num_elements(in(1).dims))
                                       : attr_ints(n, "axes").size());
        std::vector<int64_t> ax = axes_of(n, name, 1, rank);
        std::sort(ax.begin(), ax.end());
        for (int64_t a : ax)
          r.dims.insert(r.dims.begin() + std::min<int64_t>(a, static_cast<int64_t>(r.dims.size())),
                        1);
      } else {
        std::vector<int64_t> ax = axes_of(n, name, 1, r.dims.size());
        Shape d;
        for (std::size_t i = 0; i < r.dims.size(); ++i) {
          const bool listed = std::find(ax.begin(), ax.end(), static_cast<int64_t>(i)) != ax.end();
          if (ax.empty() ? r.dims[i] == 1 : listed) {
            if (r.dims[i] != 1)
              throw err("squeezes an axis of extent " + std::to_string(r.dims[i]));
            continue;
          }
          d.push_back(r.dims[i]);
        }
        r.dims = d;
      }
    } else if (op == "Concat") {
      const CVal first = in(0);
      const int64_t rank = static_cast<int64_t>(first.dims.size());
      int64_t ax = attr_int(n, "axis", 0);
      if (ax < 0) ax += rank;
      if (ax < 0 || ax >= rank) throw err("axis out of range");
      const auto au = static_cast<std::size_t>(ax);
      std::vector<CVal> parts;
      for (int i = 0; i < n.input_size(); ++i)
        if (has_in(i)) parts.push_back(in(i));
      r.dims = first.dims;
      r.dims[au] = 0;
      r.is_int = first.is_int;
      int64_t outer = 1;
      for (std::size_t i = 0; i < au; ++i) outer *= first.dims[i];
      for (const CVal& c : parts) {
        if (c.dims.size() != first.dims.size()) throw err("inputs differ in rank");
        r.dims[au] += c.dims[au];
      }
      for (int64_t o = 0; o < outer; ++o)
        for (const CVal& c : parts) {
          const std::size_t chunk =
              c.v.size() / static_cast<std::size_t>(std::max<int64_t>(outer, 1));
          r.v.insert(
              r.v.end(), c.v.begin() + static_cast<std::ptrdiff_t>(o * static_cast<int64_t>(chunk)),
              c.v.begin() + static_cast<std::ptrdiff_t>((o + 1) * static_cast<int64_t>(chunk)));
        }
    } else if (op == "ConstantOfShape") {
      r.dims = has_in(0) ? ints_of(in(0)) : Shape{};
      double fill = 0;
      if (const auto* a = attr(n, "value"); a && a->has_t()) {
        const CVal v = cval_of(a->t());
        if (v.v.size() != 1) throw err("value must hold one element");
        fill = v.v[0];
        r.is_int = v.is_int;
      }
      fold_limit(n, name, r.dims);
      r.v.assign(static_cast<std::size_t>(num_elements(r.dims)), fill);
    } else if (op == "Expand") {
      const CVal d = in(0);
      const Shape target = ints_of(in(1));
      r.dims = bcast_shape(d.dims, target, describe(n, name));
      fold_limit(n, name, r.dims);
      r.is_int = d.is_int;
      r.v = bcast_to(d, r.dims);
    } else if (op == "Where") {
      const CVal c = in(0), x = in(1), y = in(2);
      r.dims =
          bcast_shape(bcast_shape(c.dims, x.dims, describe(n, name)), y.dims, describe(n, name));
      r.is_int = x.is_int && y.is_int;
      fold_limit(n, name, r.dims);
      const auto cv = bcast_to(c, r.dims), xv = bcast_to(x, r.dims), yv = bcast_to(y, r.dims);
      r.v.resize(cv.size());
      for (std::size_t i = 0; i < cv.size(); ++i) r.v[i] = cv[i] != 0 ? xv[i] : yv[i];
    } else if (op == "Slice") {
      const CVal d = in(0);
      r.is_int = d.is_int;
      Shape dims = d.dims;
      // Per axis: the kept indices.
      std::vector<std::vector<int64_t>> keep(dims.size());
      for (std::size_t a = 0; a < dims.size(); ++a)
        for (int64_t i = 0; i < dims[a]; ++i) keep[a].push_back(i);
      for (const auto& p : slice_params(n, name, dims)) {
        auto& k = keep[static_cast<std::size_t>(p[0])];
        k.clear();
        for (int64_t i = p[1]; p[3] > 0 ? i < p[2] : i > p[2]; i += p[3]) k.push_back(i);
      }
      for (std::size_t a = 0; a < dims.size(); ++a)
        r.dims.push_back(static_cast<int64_t>(keep[a].size()));
      const int64_t total = num_elements(r.dims);
      const std::vector<int64_t> ist = strides_of(dims), ost = strides_of(r.dims);
      for (int64_t i = 0; i < total; ++i) {
        int64_t off = 0;
        for (std::size_t a = 0; a < dims.size(); ++a)
          off += keep[a][static_cast<std::size_t>((i / ost[a]) % r.dims[a])] * ist[a];
        r.v.push_back(d.v[static_cast<std::size_t>(off)]);
      }
    } else if (op == "Range") {
      const CVal a = in(0), b = in(1), c = in(2);
      if (a.v.size() != 1 || b.v.size() != 1 || c.v.size() != 1)
        throw err("inputs must be scalars");
      if (c.v[0] == 0) throw err("delta 0");
      const double cnt = std::max(0.0, std::ceil((b.v[0] - a.v[0]) / c.v[0]));
      if (!(cnt <= static_cast<double>(int64_t{1} << 24))) throw err("more than 16777216 values");
      r.is_int = a.is_int;
      for (int64_t i = 0; i < static_cast<int64_t>(cnt); ++i)
        r.v.push_back(a.v[0] + static_cast<double>(i) * c.v[0]);
      r.dims = {static_cast<int64_t>(r.v.size())};
    } else if (op == "Cast") {
      r = in(0);
      const auto to = static_cast<int>(attr_int(n, "to", onnx::TensorProto_DataType_FLOAT));
      r.is_int = is_int_dtype(to);
      if (r.is_int)
        for (double& x : r.v) x = to == onnx::TensorProto_DataType_BOOL ? (x != 0) : std::trunc(x);
      else
        for (double& x : r.v) x = static_cast<float>(x);
    } else if (op == "Reshape") {
      r = in(0);
      Node tmp;
      tmp.name = name;
      tmp.op = OpKind::Reshape;
      tmp.attrs.shape = ints_of(in(1));
      r.dims = infer_output_shapes(tmp, {r.dims.empty() ? Shape{1} : r.dims}).at(0);
    } else if (op == "Transpose") {
      const CVal d = in(0);
      std::vector<int64_t> perm = attr_ints(n, "perm");
      if (perm.empty())
        for (int64_t i = static_cast<int64_t>(d.dims.size()) - 1; i >= 0; --i) perm.push_back(i);
      std::vector<int64_t> sorted = perm;
      std::sort(sorted.begin(), sorted.end());
      for (std::size_t i = 0; i < sorted.size(); ++i)
        if (sorted[i] != static_cast<int64_t>(i) || perm.size() != d.dims.size())
          throw err("perm is not a permutation of the input axes");
      if (perm.size() != d.dims.size()) throw err("perm does not fit the input rank");
      r.is_int = d.is_int;
      for (int64_t p : perm) {
        if (p < 0 || p >= static_cast<int64_t>(d.dims.size())) throw err("bad perm");
        r.dims.push_back(d.dims[static_cast<std::size_t>(p)]);
      }
      const std::vector<int64_t> ist = strides_of(d.dims), ost = strides_of(r.dims);
      const int64_t total = num_elements(r.dims);
      for (int64_t i = 0; i < total; ++i) {
        int64_t off = 0;
        for (std::size_t a = 0; a < r.dims.size(); ++a)
          off += ((i / ost[a]) % r.dims[a]) * ist[static_cast<std::size_t>(perm[a])];
        r.v.push_back(d.v[static_cast<std::size_t>(off)]);
      }
    } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow" ||
               op == "Equal" || op == "Less" || op == "Greater" || op == "Min" || op == "Max") {
      if (n.input_size() != 2) throw err("needs two inputs");
      const CVal a = in(0), b = in(1);
      r.dims = bcast_shape(a.dims, b.dims, describe(n, name));
      fold_limit(n, name, r.dims);
      const bool cmp = op == "Equal" || op == "Less" || op == "Greater";
      r.is_int = cmp || (a.is_int && b.is_int);
      const auto av = bcast_to(a, r.dims), bv = bcast_to(b, r.dims);
      r.v.resize(av.size());
      for (std::size_t i = 0; i < av.size(); ++i) {
        const double x = av[i], y = bv[i];
        double z = 0;
        if (op == "Add") z = x + y;
        if (op == "Sub") z = x - y;
        if (op == "Mul") z = x * y;
        if (op == "Div") {
          if (r.is_int && y == 0) throw err("integer division by zero");
          z = r.is_int ? std::trunc(x / y) : x / y;
        }
        if (op == "Pow") z = std::pow(x, y);
        if (op == "Equal") z = x == y;
        if (op == "Less") z = x < y;
        if (op == "Greater") z = x > y;
        if (op == "Min") z = std::min(x, y);
        if (op == "Max") z = std::max(x, y);
        if (!r.is_int) z = static_cast<float>(z);
        r.v[i] = z;
      }
    } else if (op == "Neg" || op == "Sqrt" || op == "Abs" || op == "Floor" || op == "Ceil" ||
               op == "Not" || op == "Relu" || op == "Sigmoid" || op == "Erf") {
      r = in(0);
      for (double& x : r.v) {
        if (op == "Neg") x = -x;
        if (op == "Sqrt") x = std::sqrt(x);
        if (op == "Abs") x = std::fabs(x);
        if (op == "Floor") x = std::floor(x);
        if (op == "Ceil") x = std::ceil(x);
        if (op == "Not") x = x == 0;
        if (op == "Relu") x = std::max(x, 0.0);
        if (op == "Sigmoid") x = 1.0 / (1.0 + std::exp(-x));
        if (op == "Erf") x = std::erf(x);
        if (!r.is_int) x = static_cast<float>(x);
      }
    } else {
      return false;
    }
    if (static_cast<int64_t>(r.v.size()) != num_elements(r.dims))
      throw err("folded value has " + std::to_string(r.v.size()) + " elements for shape " +
                shape_str(r.dims));
    set_const(out, r);
    return true;
  }

  // Adds a node with an explicit output tensor (the intermediate nodes of a decomposed op).
  std::string add_as(Node node, const std::string& out) {
    node.outputs = {out};
    m_graph.add_node(std::move(node));
    return out;
  }

  // A Reshape of `x` to the static `shape`.
  std::string reshape_to(const std::string& node_name, const std::string& x, const Shape& shape,
                         const std::string& out) {
    Node r;
    r.name = node_name;
    r.op = OpKind::Reshape;
    r.attrs.shape = shape;
    r.inputs = {x};
    return add_as(std::move(r), out);
  }

  // The tensor ops of imported models beyond the first set (docs/models.md). False: not one.
  bool convert_more(const onnx::NodeProto& n, const std::string& name) {
    const std::string& op = n.op_type();
    auto err = [&](const std::string& w) { return UserError(describe(n, name) + ": " + w); };
    Node node;
    node.name = name;
    static const std::pair<const char*, OpKind> kUnary[] = {{"Sigmoid", OpKind::Sigmoid},
                                                            {"HardSigmoid", OpKind::HardSigmoid},
                                                            {"HardSwish", OpKind::HardSwish},
                                                            {"Erf", OpKind::Erf},
                                                            {"Sqrt", OpKind::Sqrt}};
    for (const auto& u : kUnary)
      if (op == u.first) {
        node.op = u.second;
        node.attrs.alpha = attr_float(n, "alpha", 0.2f);
        node.attrs.beta = attr_float(n, "beta", 0.5f);
        node.inputs = {activation(n, name, 0)};
        add(std::move(node), n);
        return true;
      }
    if (op == "Mul" || op == "Sub" || op == "Div") {
      node.op = op == "Mul" ? OpKind::Mul : op == "Sub" ? OpKind::Sub : OpKind::Div;
      if (n.input_size() != 2) throw err("needs two inputs");
      node.inputs = {activation(n, name, 0), activation(n, name, 1)};
      add(std::move(node), n);
      return true;
    }
    if (op == "Pow") {
      const auto* e = n.input_size() > 1 ? find_const(n.input(1)) : nullptr;
      if (!e) throw err("the exponent must be a constant");
      const CVal ev = cval_of(*e);
      if (ev.v.size() != 1) throw err("the exponent must be a scalar");
      node.op = OpKind::Pow;
      node.attrs.exponent = static_cast<float>(ev.v[0]);
      node.inputs = {activation(n, name, 0)};
      add(std::move(node), n);
      return true;
    }
    if (op == "Gelu") {
      const auto* a = attr(n, "approximate");
      if (a && a->s() != "none") throw err("approximate='" + a->s() + "' is not supported");
      node.op = OpKind::Gelu;
      node.inputs = {activation(n, name, 0)};
      add(std::move(node), n);
      return true;
    }
    if (op == "Concat") {
      node.op = OpKind::Concat;
      node.attrs.axis = attr_int(n, "axis", 1);
      for (int i = 0; i < n.input_size(); ++i)
        if (!n.input(i).empty()) node.inputs.push_back(activation(n, name, i));
      add(std::move(node), n);
      return true;
    }
    if (op == "Pad") {
      const auto* m = attr(n, "mode");
      if (m && m->s() != "constant")
        throw err("mode '" + m->s() + "' is not supported (constant only)");
      node.op = OpKind::Pad;
      node.inputs = {activation(n, name, 0)};
      if (n.input_size() > 3 && !n.input(3).empty()) throw err("the axes input is not supported");
      if (m_opset >= 11) {
        const auto& p = param(n, name, 1, "pads");
        node.attrs.pads_nd = ints_of(cval_of(p));
        if (n.input_size() > 2 && !n.input(2).empty()) {
          const CVal v = cval_of(param(n, name, 2, "constant_value"));
          if (v.v.size() != 1) throw err("constant_value must be a scalar");
          node.attrs.pad_value = static_cast<float>(v.v[0]);
        }
      } else {
        node.attrs.pads_nd = attr_ints(n, "pads");
        node.attrs.pad_value = attr_float(n, "value", 0.0f);
      }
      add(std::move(node), n);
      return true;
    }
    if (op == "ReduceMean") {
      node.op = OpKind::ReduceMean;
      node.inputs = {activation(n, name, 0)};
      const std::size_t rank = m_graph.shape(node.inputs[0]).size();
      std::vector<int64_t> ax = axes_of(n, name, m_opset >= 18 ? 1 : 99, rank);
      if (ax.empty()) {
        if (attr_int(n, "noop_with_empty_axes", 0) != 0) {
          m_alias[n.output(0)] = node.inputs[0];
          return true;
        }
        for (std::size_t i = 0; i < rank; ++i) ax.push_back(static_cast<int64_t>(i));
      }
      std::sort(ax.begin(), ax.end());
      ax.erase(std::unique(ax.begin(), ax.end()), ax.end());
      node.attrs.axes = ax;
      node.attrs.keepdims = attr_int(n, "keepdims", 1) != 0;
      add(std::move(node), n);
      return true;
    }
    if (op == "LayerNormalization") {
      node.op = OpKind::LayerNorm;
      node.inputs = {activation(n, name, 0)};
      const auto rank = static_cast<int64_t>(m_graph.shape(node.inputs[0]).size());
      const int64_t ax = attr_int(n, "axis", -1);
      if (ax != -1 && ax != rank - 1)
        throw err("only the last axis is supported (axis " + std::to_string(ax) + ")");
      for (int k = 1; k < n.output_size(); ++k)
        if (!n.output(k).empty() && m_uses[n.output(k)] > 0)
          throw err("the Mean/InvStdDev outputs are not supported");
      const auto& sc = param(n, name, 1, "scale");
      node.weights = take_floats(sc);
      node.weight_shape = {static_cast<int64_t>(node.weights.size())};
      if (n.input_size() > 2 && !n.input(2).empty()) {
        node.has_bias = true;
        node.bias = take_floats(param(n, name, 2, "bias"));
      }
      node.attrs.epsilon = attr_float(n, "epsilon", 1e-5f);
      add(std::move(node), n);
      return true;
    }
    if (op == "Cast") {
      const auto to = attr_int(n, "to", 0);
      if (to != onnx::TensorProto_DataType_FLOAT)
        throw err("casting an activation to " + dtype_name(static_cast<int>(to)) +
                  " is not supported");
      m_alias[n.output(0)] = activation(n, name, 0);
      return true;
    }
    if (op == "Unsqueeze" || op == "Squeeze") {
      const std::string x = activation(n, name, 0);
      const Shape s = m_graph.shape(x);
      Shape t;
      if (op == "Unsqueeze") {
        const std::size_t cnt = n.input_size() > 1 && !n.input(1).empty()
                                    ? static_cast<std::size_t>(count_of(param(n, name, 1, "axes")))
                                    : attr_ints(n, "axes").size();
        std::vector<int64_t> ax = axes_of(n, name, 1, s.size() + cnt);
        std::sort(ax.begin(), ax.end());
        t = s;
        for (int64_t a : ax)
          t.insert(t.begin() + std::min<int64_t>(a, static_cast<int64_t>(t.size())), 1);
      } else {
        std::vector<int64_t> ax = axes_of(n, name, 1, s.size());
        for (std::size_t i = 0; i < s.size(); ++i) {
          const bool listed = std::find(ax.begin(), ax.end(), static_cast<int64_t>(i)) != ax.end();
          if (ax.empty() ? s[i] == 1 : listed) {
            if (s[i] != 1) throw err("squeezes an axis of extent " + std::to_string(s[i]));
            continue;
          }
          t.push_back(s[i]);
        }
      }
      reshape_to(name, x, t, n.output(0));
      return true;
    }
    if (op == "Slice") {
      std::string x = activation(n, name, 0);
      const auto ps = slice_params(n, name, m_graph.shape(x));
      std::vector<std::array<int64_t, 4>> real;
      for (const auto& p : ps) {
        if (p[3] != 1) throw err("steps other than 1 are not supported on activations");
        if (p[1] == 0 && p[2] == m_graph.shape(x)[static_cast<std::size_t>(p[0])]) continue;
        real.push_back(p);
      }
      if (real.empty()) {
        m_alias[n.output(0)] = x;
        return true;
      }
      for (std::size_t k = 0; k < real.size(); ++k) {
        Node sl;
        sl.name = k + 1 == real.size() ? name : name + "#" + std::to_string(k);
        sl.op = OpKind::Slice;
        sl.attrs.axis = real[k][0];
        sl.attrs.start = real[k][1];
        sl.attrs.end = real[k][2];
        sl.inputs = {x};
        x = add_as(std::move(sl), k + 1 == real.size() ? n.output(0) : sl.name);
      }
      return true;
    }
    if (op == "Gather") {
      // x[..., i, ...] with a constant index: a Slice and a Reshape that drops the axis.
      const std::string x = activation(n, name, 0);
      const Shape s = m_graph.shape(x);
      const auto* ic = n.input_size() > 1 ? find_const(n.input(1)) : nullptr;
      if (!ic) throw err("indices must be a constant");
      const CVal idx = cval_of(*ic);
      if (!idx.dims.empty() || idx.v.size() != 1)
        throw err("only a scalar index is supported on activations");
      const int64_t ax = normalize_axis(node, attr_int(n, "axis", 0), s.size());
      const int64_t len = s[static_cast<std::size_t>(ax)];
      int64_t k = static_cast<int64_t>(idx.v[0]);
      if (k < 0) k += len;
      if (k < 0 || k >= len) throw err("index out of range");
      Node sl;
      sl.name = name + "#slice";
      sl.op = OpKind::Slice;
      sl.attrs.axis = ax;
      sl.attrs.start = k;
      sl.attrs.end = k + 1;
      sl.inputs = {x};
      const std::string mid = add_as(std::move(sl), name + "#slice");
      Shape t = s;
      t.erase(t.begin() + ax);
      if (t.empty()) t.push_back(1);
      reshape_to(name, mid, t, n.output(0));
      return true;
    }
    if (op == "Split") {
      const std::string x = activation(n, name, 0);
      const Shape s = m_graph.shape(x);
      const int64_t ax = normalize_axis(node, attr_int(n, "axis", 0), s.size());
      const int64_t len = s[static_cast<std::size_t>(ax)];
      std::vector<int64_t> parts = attr_ints(n, "split");
      if (n.input_size() > 1 && !n.input(1).empty())
        parts = ints_of(cval_of(param(n, name, 1, "split")));
      const int64_t outs = n.output_size();
      if (parts.empty()) {
        if (outs < 1) throw err("has no outputs");
        const int64_t each = (len + outs - 1) / outs;
        for (int64_t i = 0, left = len; i < outs; ++i, left -= each)
          parts.push_back(std::min(each, left));
      }
      if (static_cast<int64_t>(parts.size()) != outs)
        throw err("split sizes do not match the outputs");
      int64_t pos = 0;
      for (int64_t i = 0; i < outs; ++i) {
        const int64_t p = parts[static_cast<std::size_t>(i)];
        if (p < 1 || pos + p > len)
          throw err("split sizes do not fit extent " + std::to_string(len));
        if (!n.output(static_cast<int>(i)).empty()) {
          Node sl;
          sl.name = name + "#" + std::to_string(i);
          sl.op = OpKind::Slice;
          sl.attrs.axis = ax;
          sl.attrs.start = pos;
          sl.attrs.end = pos + p;
          sl.inputs = {x};
          add_as(std::move(sl), n.output(static_cast<int>(i)));
        }
        pos += p;
      }
      if (pos != len) throw err("split sizes do not add up to extent " + std::to_string(len));
      return true;
    }
    if (op == "Expand" || op == "Where" || op == "Range" || op == "ConstantOfShape" ||
        op == "Equal" || op == "Less" || op == "Greater" || op == "Neg" || op == "Abs" ||
        op == "Floor" || op == "Ceil" || op == "Not" || op == "Min" || op == "Max")
      throw err("supported only on constants (shape computations), not on activations");
    return false;
  }

  void add(Node node, const onnx::NodeProto& n) {
    if (n.output_size() < 1 || n.output(0).empty())
      throw UserError(describe(n, node.name) + ": has no output");
    node.outputs = {n.output(0)};
    m_graph.add_node(std::move(node));
  }

  // A BatchNormalization that cannot be folded into a Conv/Gemm (its input comes from
  // elsewhere, e.g. densenet's BN after a Concat, or the conv output has another reader): a
  // per-channel affine y = x * s + t on the host, s = gamma / sqrt(var + eps),
  // t = beta - mean * s (two nodes, Mul and Add, with constants of shape [1, C, 1, ...]).
  void batch_norm_on_host(const onnx::NodeProto& n, const std::string& name) {
    const std::string x = activation(n, name, 0);
    const Shape xs = m_graph.shape(x);
    if (xs.size() < 2)
      throw UserError(describe(n, name) + ": input '" + n.input(0) + "' of shape " +
                      shape_str(xs) + " has no channel axis");
    const std::vector<float> gamma = take_floats(param(n, name, 1, "scale"));
    const std::vector<float> beta = take_floats(param(n, name, 2, "bias"));
    const std::vector<float> mean = take_floats(param(n, name, 3, "mean"));
    const std::vector<float> var = take_floats(param(n, name, 4, "variance"));
    const float eps = attr_float(n, "epsilon", 1e-5f);
    const auto f = static_cast<std::size_t>(xs[1]);
    if (gamma.size() != f || beta.size() != f || mean.size() != f || var.size() != f)
      throw UserError(describe(n, name) + ": parameters do not have the " + std::to_string(f) +
                      " channels of input '" + n.input(0) + "'");
    std::vector<float> s(f), t(f);
    for (std::size_t c = 0; c < f; ++c) {
      const double sc = static_cast<double>(gamma[c]) / std::sqrt(static_cast<double>(var[c]) + eps);
      s[c] = static_cast<float>(sc);
      t[c] = static_cast<float>(beta[c] - mean[c] * sc);
    }
    Shape cs(xs.size(), 1);
    cs[1] = xs[1];
    const std::string sn = name + ".bn_scale", tn = name + ".bn_shift", mid = name + ".bn_scaled";
    for (const std::string& t_name : {sn, tn, mid})
      if (m_graph.has_tensor(t_name) || find_const(t_name))
        throw UserError(describe(n, name) + ": tensor name '" + t_name + "' is already used");
    m_graph.add_constant(sn, cs, s);
    m_graph.add_constant(tn, cs, t);
    Node mul;
    mul.name = name + ".scale";
    mul.op = OpKind::Mul;
    mul.inputs = {x, sn};
    mul.outputs = {mid};
    m_graph.add_node(std::move(mul));
    Node add_node;
    add_node.name = name;
    add_node.op = OpKind::Add;
    add_node.inputs = {mid, tn};
    add(std::move(add_node), n);
  }

  void fold_batch_norm(const onnx::NodeProto& n, const std::string& name) {
    if (attr_int(n, "training_mode", 0) != 0 || n.output_size() > 1)
      throw UserError(describe(n, name) + ": training-mode BatchNormalization is not supported");
    const std::string x = resolve(n.input_size() > 0 ? n.input(0) : std::string());
    const TensorInfo* src = m_graph.has_tensor(x) ? &m_graph.tensor(x) : nullptr;
    if (!src || src->kind != TensorKind::Activation ||
        (m_graph.node(src->producer).op != OpKind::Conv &&
         m_graph.node(src->producer).op != OpKind::Gemm) ||
        m_uses[n.input(0)] != 1)
      return batch_norm_on_host(n, name);
    Node& conv = m_graph.mutable_node(src->producer);
    const std::vector<float> gamma = take_floats(param(n, name, 1, "scale"));
    const std::vector<float> beta = take_floats(param(n, name, 2, "bias"));
    const std::vector<float> mean = take_floats(param(n, name, 3, "mean"));
    const std::vector<float> var = take_floats(param(n, name, 4, "variance"));
    const float eps = attr_float(n, "epsilon", 1e-5f);
    const auto f = static_cast<std::size_t>(conv.weight_shape[0]);  // >= 1 (checked by add_node)
    if (f == 0 || conv.weights.size() % f != 0)
      throw UserError(describe(n, name) + ": cannot fold into '" + conv.name +
                      "' with weight shape " + shape_str(conv.weight_shape));
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
      if (n.output_size() >= 1 && !v) {
        CVal c;
        if (const auto* a = attr(n, "value_int")) {
          c.is_int = true;
          c.v = {static_cast<double>(a->i())};
        } else if (const auto* b = attr(n, "value_ints")) {
          c.is_int = true;
          for (int64_t x : b->ints()) c.v.push_back(static_cast<double>(x));
          c.dims = {b->ints_size()};
        } else if (const auto* f = attr(n, "value_float")) {
          c.v = {f->f()};
        } else if (const auto* fs = attr(n, "value_floats")) {
          for (float x : fs->floats()) c.v.push_back(x);
          c.dims = {fs->floats_size()};
        } else {
          throw UserError(describe(n, name) +
                          ": only the value, value_int(s) and value_float(s) forms are supported");
        }
        set_const(n.output(0), c);
        return;
      }
      if (!v || !v->has_t() || n.output_size() < 1)
        throw UserError(describe(n, name) + ": only the 'value' tensor form is supported");
      m_const_store.push_back(v->t());
      m_const_store.back().set_name(n.output(0));
      m_consts[n.output(0)] = &m_const_store.back();
      return;
    }
    if (op == "BatchNormalization") return fold_batch_norm(n, name);
    if (try_fold(n, name)) return;
    if (convert_more(n, name)) return;
    if (op == "Conv") {
      node.op = OpKind::Conv;
      const std::string x = activation(n, name, 0);
      const auto& w = param(n, name, 1, "weight");
      node.weight_shape = dims_of(w);
      if (node.weight_shape.size() != 4)
        throw UserError(describe(n, name) + ": only 2-D convolutions are supported, weight '" +
                        w.name() + "' has shape " + shape_str(node.weight_shape));
      node.weights = take_floats(w);
      const std::vector<int64_t> ks = attr_ints(n, "kernel_shape");
      if (!ks.empty() &&
          (ks.size() != 2 || ks[0] != node.weight_shape[2] || ks[1] != node.weight_shape[3]))
        throw UserError(describe(n, name) + ": kernel_shape does not match weight '" + w.name() +
                        "' " + shape_str(node.weight_shape));
      window(n, name, node, x, {node.weight_shape[2], node.weight_shape[3]});
      node.attrs.groups = attr_int(n, "group", 1);
      if (n.input_size() > 2 && !n.input(2).empty()) {
        node.has_bias = true;
        node.bias = take_floats(param(n, name, 2, "bias"));
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
      std::vector<float> bw = take_floats(b);
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
        const std::vector<float> cv = take_floats(c);
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
        const std::vector<float> bw = take_floats(*b);
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
        const std::vector<float> v = take_floats(param(n, name, i, i == 1 ? "min" : "max"));
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
  std::unordered_set<const onnx::TensorProto*> m_initializers;  // the graph's own tensors
  std::unordered_set<std::string> m_aliased;  // inputs of Identity/Dropout nodes
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
