// Network IR: tensor/node bookkeeping, topological order, shape inference and GEMM views.
#include "sw/model/graph.hpp"

#include <algorithm>
#include <functional>
#include <numeric>
#include <queue>
#include <sstream>
#include <utility>

#include "sw/common/checked_math.hpp"
#include "sw/common/error.hpp"

namespace lpsim::model {

int64_t num_elements(const Shape& shape) {
  bool empty = false;
  for (int64_t d : shape) {
    if (d < 0) throw UserError("shape " + shape_str(shape) + " has a negative dimension");
    if (d > kMaxElements)
      throw UserError("shape " + shape_str(shape) + " has a dimension larger than " +
                      std::to_string(kMaxElements));
    empty = empty || d == 0;
  }
  if (empty) return 0;
  int64_t n = 1;
  for (int64_t d : shape) {
    const auto p = mul_no_overflow(n, d);
    if (!p || *p > kMaxElements)
      throw UserError("shape " + shape_str(shape) + " has more than " +
                      std::to_string(kMaxElements) + " elements");
    n = *p;
  }
  return n;
}

int64_t GemmView::macs() const {
  const int64_t mk = checked_mul(m, k, "GEMM MACs");
  return checked_mul(checked_mul(groups, mk, "GEMM MACs"), n, "GEMM MACs");
}

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

const char* op_name(OpKind op) {
  switch (op) {
    case OpKind::Conv:
      return "Conv";
    case OpKind::Gemm:
      return "Gemm";
    case OpKind::MatMul:
      return "MatMul";
    case OpKind::Add:
      return "Add";
    case OpKind::Relu:
      return "Relu";
    case OpKind::Clip:
      return "Clip";
    case OpKind::MaxPool:
      return "MaxPool";
    case OpKind::AveragePool:
      return "AveragePool";
    case OpKind::GlobalAveragePool:
      return "GlobalAveragePool";
    case OpKind::Flatten:
      return "Flatten";
    case OpKind::Reshape:
      return "Reshape";
    case OpKind::Transpose:
      return "Transpose";
    case OpKind::Slice:
      return "Slice";
    case OpKind::Concat:
      return "Concat";
    case OpKind::Softmax:
      return "Softmax";
    case OpKind::LayerNorm:
      return "LayerNorm";
    case OpKind::Gelu:
      return "Gelu";
    case OpKind::Mul:
      return "Mul";
    case OpKind::Sub:
      return "Sub";
    case OpKind::Div:
      return "Div";
    case OpKind::Sigmoid:
      return "Sigmoid";
    case OpKind::HardSigmoid:
      return "HardSigmoid";
    case OpKind::HardSwish:
      return "HardSwish";
    case OpKind::Erf:
      return "Erf";
    case OpKind::ReduceMean:
      return "ReduceMean";
    case OpKind::Pad:
      return "Pad";
    case OpKind::Sqrt:
      return "Sqrt";
    case OpKind::Pow:
      return "Pow";
  }
  return "?";
}

bool is_compute(OpKind op) {
  return op == OpKind::Conv || op == OpKind::Gemm || op == OpKind::MatMul;
}

bool is_host_fp32(OpKind op) {
  switch (op) {
    case OpKind::Softmax:
    case OpKind::LayerNorm:
    case OpKind::Gelu:
    case OpKind::Mul:
    case OpKind::Sub:
    case OpKind::Div:
    case OpKind::Sigmoid:
    case OpKind::HardSigmoid:
    case OpKind::HardSwish:
    case OpKind::Erf:
    case OpKind::ReduceMean:
    case OpKind::Sqrt:
    case OpKind::Pow:
      return true;
    default:
      return false;
  }
}

namespace {

UserError node_error(const Node& node, const std::string& what) {
  return UserError("node '" + node.name + "' (" + op_name(node.op) + "): " + what);
}

void expect_inputs(const Node& node, const std::vector<Shape>& in, std::size_t n) {
  if (in.size() != n)
    throw node_error(
        node, "expects " + std::to_string(n) + " input(s), has " + std::to_string(in.size()));
}

void expect_rank(const Node& node, const Shape& s, std::size_t rank, const char* what) {
  if (s.size() != rank)
    throw node_error(node, std::string(what) + " must have rank " + std::to_string(rank) +
                               ", has shape " + shape_str(s));
}

// The element count of `s`, or a node error naming `what` when it is negative or too large.
int64_t elements_of(const Node& node, const Shape& s, const char* what) {
  try {
    return num_elements(s);
  } catch (const UserError& e) {
    throw node_error(node, std::string(what) + " " + e.what());
  }
}

// The weight shape: every dimension >= 1 (a layer with 0 filters or 0 inputs computes nothing
// and would divide by zero when folded or lowered), at most kMaxElements values.
void check_weight_shape(const Node& node) {
  for (int64_t d : node.weight_shape)
    if (d < 1)
      throw node_error(node, "weight shape " + shape_str(node.weight_shape) +
                                 " has a dimension < 1");
  elements_of(node, node.weight_shape, "weight");
}

void check_params(const Node& node, int64_t bias_len) {
  check_weight_shape(node);
  const int64_t need = num_elements(node.weight_shape);
  if (!node.weights.empty() && static_cast<int64_t>(node.weights.size()) != need)
    throw node_error(node, "has " + std::to_string(node.weights.size()) +
                               " weight values, weight shape " + shape_str(node.weight_shape) +
                               " needs " + std::to_string(need));
  if (!node.bias.empty() && static_cast<int64_t>(node.bias.size()) != bias_len)
    throw node_error(node, "has " + std::to_string(node.bias.size()) + " bias values, needs " +
                               std::to_string(bias_len));
  if (!node.bias.empty() && !node.has_bias) throw node_error(node, "has bias values but !has_bias");
}

// Output length of a sliding window (PyTorch's ceil_mode rule: the last window must start
// inside the input or the leading padding).
// Every window attribute is at most kMaxElements and so is the padded extent: then no sum or
// product below (nor the lowering's and the reference's index arithmetic) can overflow.
int64_t window_out(const Node& node, int64_t in, int64_t k, int64_t stride, int64_t dil,
                   int64_t pad_begin, int64_t pad_end, bool ceil_mode) {
  if (k < 1 || stride < 1 || dil < 1 || pad_begin < 0 || pad_end < 0)
    throw node_error(node, "kernel, stride and dilation must be >= 1 and pads >= 0");
  if (k > kMaxElements || stride > kMaxElements || dil > kMaxElements ||
      pad_begin > kMaxElements || pad_end > kMaxElements ||
      in + pad_begin + pad_end > kMaxElements)
    throw node_error(node, "kernel " + std::to_string(k) + ", stride " + std::to_string(stride) +
                               ", dilation " + std::to_string(dil) + " or pads " +
                               std::to_string(pad_begin) + "+" + std::to_string(pad_end) +
                               " on extent " + std::to_string(in) + ": larger than " +
                               std::to_string(kMaxElements));
  const int64_t span = in + pad_begin + pad_end - dil * (k - 1) - 1;
  if (span < 0)
    throw node_error(node, "window " + std::to_string(k) + " does not fit input extent " +
                               std::to_string(in) + " with its padding");
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad_begin) --out;
  return out;
}

Shape broadcast(const Node& node, const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (da != db && da != 1 && db != 1)
      throw node_error(node,
                       "shapes " + shape_str(a) + " and " + shape_str(b) + " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape infer_conv(const Node& node, const std::vector<Shape>& in) {
  expect_inputs(node, in, 1);
  const Shape& x = in[0];
  expect_rank(node, x, 4, "input");
  expect_rank(node, node.weight_shape, 4, "weight");
  const auto& a = node.attrs;
  check_params(node, node.weight_shape[0]);
  const int64_t f = node.weight_shape[0], cg = node.weight_shape[1];
  if (a.groups < 1 || f % a.groups != 0)  // so groups <= f and cg * groups cannot overflow
    throw node_error(node, std::to_string(f) + " filters do not split into " +
                               std::to_string(a.groups) + " groups");
  if (x[1] != cg * a.groups)
    throw node_error(node, "input has " + std::to_string(x[1]) + " channels, weights " +
                               shape_str(node.weight_shape) + " with " + std::to_string(a.groups) +
                               " group(s) expect " + std::to_string(cg * a.groups));
  const int64_t oh = window_out(node, x[2], node.weight_shape[2], a.stride[0], a.dilation[0],
                                a.pads[0], a.pads[2], false);
  const int64_t ow = window_out(node, x[3], node.weight_shape[3], a.stride[1], a.dilation[1],
                                a.pads[1], a.pads[3], false);
  return {x[0], f, oh, ow};
}

Shape infer_pool(const Node& node, const std::vector<Shape>& in) {
  expect_inputs(node, in, 1);
  const Shape& x = in[0];
  expect_rank(node, x, 4, "input");
  const auto& a = node.attrs;
  if (a.dilation[0] != 1 || a.dilation[1] != 1) throw node_error(node, "dilation must be 1");
  if (a.pads[0] >= a.kernel[0] || a.pads[2] >= a.kernel[0] || a.pads[1] >= a.kernel[1] ||
      a.pads[3] >= a.kernel[1])
    throw node_error(node, "padding must be smaller than the kernel");
  return {x[0], x[1],
          window_out(node, x[2], a.kernel[0], a.stride[0], 1, a.pads[0], a.pads[2], a.ceil_mode),
          window_out(node, x[3], a.kernel[1], a.stride[1], 1, a.pads[1], a.pads[3], a.ceil_mode)};
}

Shape infer_reshape(const Node& node, const Shape& x) {
  Shape out = node.attrs.shape;
  int64_t infer_at = -1, known = 1;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == 0) {
      if (i >= x.size()) throw node_error(node, "0 in target shape beyond the input rank");
      out[i] = x[i];
    }
    if (out[i] == -1) {
      if (infer_at >= 0) throw node_error(node, "more than one -1 in target shape");
      infer_at = static_cast<int64_t>(i);
    } else if (out[i] < 1) {
      throw node_error(node, "bad target shape " + shape_str(node.attrs.shape));
    } else {
      known = checked_mul(known, out[i], "node '" + node.name + "' (Reshape): target shape");
    }
  }
  const int64_t total = num_elements(x);
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0)
      throw node_error(node,
                       "cannot reshape " + shape_str(x) + " to " + shape_str(node.attrs.shape));
    out[static_cast<std::size_t>(infer_at)] = total / known;
  }
  if (num_elements(out) != total)
    throw node_error(node, "cannot reshape " + shape_str(x) + " (" + std::to_string(total) +
                               " elements) to " + shape_str(out));
  return out;
}

}  // namespace

int64_t normalize_axis(const Node& node, int64_t axis, std::size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  const int64_t a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r)
    throw node_error(
        node, "axis " + std::to_string(axis) + " out of range for rank " + std::to_string(r));
  return a;
}

namespace {

std::vector<Shape> infer_unchecked(const Node& node, const std::vector<Shape>& in) {
  const auto& a = node.attrs;
  switch (node.op) {
    case OpKind::Conv:
      return {infer_conv(node, in)};
    case OpKind::Gemm: {
      expect_inputs(node, in, 1);
      expect_rank(node, node.weight_shape, 2, "weight");
      if (in[0].size() < 2)
        throw node_error(node, "input must have rank >= 2, has shape " + shape_str(in[0]));
      if (in[0].back() != node.weight_shape[1])
        throw node_error(node, "input " + shape_str(in[0]) + " has " +
                                   std::to_string(in[0].back()) + " features, weights " +
                                   shape_str(node.weight_shape) + " expect " +
                                   std::to_string(node.weight_shape[1]));
      check_params(node, node.weight_shape[0]);
      Shape out = in[0];
      out.back() = node.weight_shape[0];
      return {out};
    }
    case OpKind::MatMul: {
      expect_inputs(node, in, 2);
      const Shape &x = in[0], &y = in[1];
      if (x.size() < 2 || y.size() < 2)
        throw node_error(
            node, "operands must have rank >= 2, have " + shape_str(x) + " and " + shape_str(y));
      if (x.back() != y[y.size() - 2])
        throw node_error(node, "inner dimensions differ: " + shape_str(x) + " x " + shape_str(y));
      Shape out = broadcast(node, Shape(x.begin(), x.end() - 2), Shape(y.begin(), y.end() - 2));
      out.push_back(x[x.size() - 2]);
      out.push_back(y.back());
      return {out};
    }
    case OpKind::Add:
    case OpKind::Mul:
    case OpKind::Sub:
    case OpKind::Div:
      expect_inputs(node, in, 2);
      return {broadcast(node, in[0], in[1])};
    case OpKind::Relu:
    case OpKind::Gelu:
    case OpKind::Sigmoid:
    case OpKind::HardSigmoid:
    case OpKind::HardSwish:
    case OpKind::Erf:
    case OpKind::Sqrt:
    case OpKind::Pow:
      expect_inputs(node, in, 1);
      return {in[0]};
    case OpKind::ReduceMean: {
      expect_inputs(node, in, 1);
      if (a.axes.empty()) throw node_error(node, "has no axes");
      Shape out;
      for (std::size_t i = 0, k = 0; i < in[0].size(); ++i) {
        const bool reduced = k < a.axes.size() && a.axes[k] == static_cast<int64_t>(i);
        if (reduced) ++k;
        if (!reduced)
          out.push_back(in[0][i]);
        else if (a.keepdims)
          out.push_back(1);
      }
      for (std::size_t k = 0; k < a.axes.size(); ++k)
        if (a.axes[k] < 0 || a.axes[k] >= static_cast<int64_t>(in[0].size()) ||
            (k > 0 && a.axes[k] <= a.axes[k - 1]))
          throw node_error(node, "axes are not ascending axes of " + shape_str(in[0]));
      if (out.empty()) out.push_back(1);
      return {out};
    }
    case OpKind::Pad: {
      expect_inputs(node, in, 1);
      if (a.pads_nd.size() != 2 * in[0].size())
        throw node_error(node, "has " + std::to_string(a.pads_nd.size()) + " pads for rank " +
                                   std::to_string(in[0].size()));
      Shape out = in[0];
      for (std::size_t i = 0; i < out.size(); ++i) {
        const int64_t b = a.pads_nd[i], e = a.pads_nd[i + out.size()];
        if (b < 0 || e < 0 || b > kMaxElements || e > kMaxElements)
          throw node_error(node, "pads must be in 0.." + std::to_string(kMaxElements));
        out[i] = checked_add(checked_add(out[i], b, "Pad"), e, "Pad");
      }
      return {out};
    }
    case OpKind::Clip:
      expect_inputs(node, in, 1);
      if (!(a.clip_min <= a.clip_max)) throw node_error(node, "clip min exceeds max");
      return {in[0]};
    case OpKind::Softmax:
      expect_inputs(node, in, 1);
      normalize_axis(node, a.axis, in[0].size());
      return {in[0]};
    case OpKind::LayerNorm: {
      expect_inputs(node, in, 1);
      expect_rank(node, node.weight_shape, 1, "weight");
      if (in[0].empty() || in[0].back() != node.weight_shape[0])
        throw node_error(node, "normalises the last axis of " + shape_str(in[0]) +
                                   " but gamma has shape " + shape_str(node.weight_shape));
      check_params(node, node.weight_shape[0]);
      return {in[0]};
    }
    case OpKind::MaxPool:
    case OpKind::AveragePool:
      return {infer_pool(node, in)};
    case OpKind::GlobalAveragePool:
      expect_inputs(node, in, 1);
      expect_rank(node, in[0], 4, "input");
      return {{in[0][0], in[0][1], 1, 1}};
    case OpKind::Flatten: {
      expect_inputs(node, in, 1);
      const int64_t r = static_cast<int64_t>(in[0].size());
      const int64_t ax = a.axis < 0 ? a.axis + r : a.axis;
      if (ax < 0 || ax > r)
        throw node_error(node, "axis " + std::to_string(a.axis) + " out of range");
      int64_t outer = 1, inner = 1;  // both at most the input's element count
      for (int64_t i = 0; i < r; ++i) {
        int64_t& part = i < ax ? outer : inner;
        part = checked_mul(part, in[0][static_cast<std::size_t>(i)], "Flatten");
      }
      return {{outer, inner}};
    }
    case OpKind::Reshape:
      expect_inputs(node, in, 1);
      return {infer_reshape(node, in[0])};
    case OpKind::Transpose: {
      expect_inputs(node, in, 1);
      std::vector<int64_t> sorted = a.perm;
      std::sort(sorted.begin(), sorted.end());
      std::vector<int64_t> iota(in[0].size());
      std::iota(iota.begin(), iota.end(), 0);
      if (sorted != iota)
        throw node_error(node, "perm is not a permutation of the " + std::to_string(in[0].size()) +
                                   " input axes");
      Shape out(in[0].size());
      for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = in[0][static_cast<std::size_t>(a.perm[i])];
      return {out};
    }
    case OpKind::Slice: {
      expect_inputs(node, in, 1);
      const auto ax = static_cast<std::size_t>(normalize_axis(node, a.axis, in[0].size()));
      if (a.start < 0 || a.end <= a.start || a.end > in[0][ax])
        throw node_error(node, "slice [" + std::to_string(a.start) + "," + std::to_string(a.end) +
                                   ") out of range for extent " + std::to_string(in[0][ax]));
      Shape out = in[0];
      out[ax] = a.end - a.start;
      return {out};
    }
    case OpKind::Concat: {
      if (in.empty()) throw node_error(node, "needs at least one input");
      const auto ax = static_cast<std::size_t>(normalize_axis(node, a.axis, in[0].size()));
      Shape out = in[0];
      out[ax] = 0;
      for (const Shape& s : in)
        if (s.size() == out.size() && s[0] != 1) out[0] = s[0];
      for (const Shape& s : in) {
        bool ok = s.size() == out.size();
        for (std::size_t i = 0; ok && i < s.size(); ++i)
          ok = i == ax || s[i] == out[i] || (i == 0 && s[0] == 1);
        if (!ok)
          throw node_error(node, "input " + shape_str(s) + " does not fit " + shape_str(in[0]) +
                                     " on axis " + std::to_string(ax));
        out[ax] = checked_add(out[ax], s[ax], "node '" + node.name + "' (Concat): axis extent");
      }
      return {out};
    }
  }
  throw node_error(node, "unknown op kind");
}

}  // namespace

std::vector<Shape> infer_output_shapes(const Node& node, const std::vector<Shape>& in) {
  for (const Shape& s : in) elements_of(node, s, "input");
  std::vector<Shape> out = infer_unchecked(node, in);
  for (const Shape& s : out)
    if (elements_of(node, s, "output") == 0)
      throw node_error(node, "output shape " + shape_str(s) + " is empty");
  return out;
}

Graph::Graph(std::string name) : m_name(std::move(name)) {}

void Graph::add_tensor(TensorInfo info) {
  if (info.name.empty()) throw UserError("graph '" + m_name + "': empty tensor name");
  if (m_tensor_index.count(info.name))
    throw UserError("graph '" + m_name + "': tensor '" + info.name + "' defined twice");
  m_tensor_index.emplace(info.name, m_tensors.size());
  m_tensors.push_back(std::move(info));
}

void Graph::add_input(const std::string& name, Shape shape) {
  for (int64_t d : shape)
    if (d < 1)
      throw UserError("graph '" + m_name + "': input '" + name + "' has bad shape " +
                      shape_str(shape));
  try {
    num_elements(shape);
  } catch (const UserError& e) {
    throw UserError("graph '" + m_name + "': input '" + name + "': " + e.what());
  }
  TensorInfo t;
  t.name = name;
  t.kind = TensorKind::Input;
  t.shape = std::move(shape);
  add_tensor(std::move(t));
  m_inputs.push_back(name);
}

void Graph::add_constant(const std::string& name, Shape shape, std::vector<float> data) {
  int64_t need = 0;
  try {
    need = num_elements(shape);
  } catch (const UserError& e) {
    throw UserError("graph '" + m_name + "': constant '" + name + "': " + e.what());
  }
  if (static_cast<int64_t>(data.size()) != need)
    throw UserError("graph '" + m_name + "': constant '" + name + "' has " +
                    std::to_string(data.size()) + " values for shape " + shape_str(shape));
  TensorInfo t;
  t.name = name;
  t.kind = TensorKind::Constant;
  t.shape = std::move(shape);
  t.data = std::move(data);
  add_tensor(std::move(t));
}

const Node& Graph::add_node(Node node) {
  if (node.name.empty()) throw UserError("graph '" + m_name + "': node with an empty name");
  if (m_node_index.count(node.name))
    throw UserError("graph '" + m_name + "': node name '" + node.name + "' used twice");
  if (node.outputs.size() != 1)
    throw node_error(node,
                     "must have exactly one output, has " + std::to_string(node.outputs.size()));
  for (const auto& out : node.outputs)
    if (has_tensor(out))
      throw UserError("graph '" + m_name + "': tensor '" + out + "' defined twice (by node '" +
                      node.name + "')");
  // Infer first so that a misfit leaves the graph unchanged.
  std::vector<Shape> out_shapes;
  bool known = true;
  std::vector<Shape> in_shapes;
  for (const auto& in : node.inputs) {
    known = known && has_tensor(in) && !tensor(in).shape.empty();
    if (known) in_shapes.push_back(tensor(in).shape);
  }
  if (known) out_shapes = infer_output_shapes(node, in_shapes);
  for (std::size_t i = 0; i < node.outputs.size(); ++i) {
    TensorInfo t;
    t.name = node.outputs[i];
    t.kind = TensorKind::Activation;
    t.producer = node.name;
    if (known) t.shape = std::move(out_shapes[i]);
    add_tensor(std::move(t));
  }
  m_node_index.emplace(node.name, m_nodes.size());
  m_nodes.push_back(std::move(node));
  return m_nodes.back();
}

void Graph::add_output(const std::string& tensor_name) {
  if (!has_tensor(tensor_name))
    throw UserError("graph '" + m_name + "': output '" + tensor_name + "' is not a tensor");
  m_outputs.push_back(tensor_name);
}

void Graph::infer_node(std::size_t index) {
  const Node& n = m_nodes[index];
  std::vector<Shape> in;
  for (const auto& name : n.inputs) in.push_back(tensor(name).shape);
  std::vector<Shape> out = infer_output_shapes(n, in);
  for (std::size_t i = 0; i < out.size(); ++i)
    m_tensors[m_tensor_index.at(n.outputs[i])].shape = std::move(out[i]);
}

void Graph::reindex_nodes() {
  m_node_index.clear();
  for (std::size_t i = 0; i < m_nodes.size(); ++i) m_node_index.emplace(m_nodes[i].name, i);
}

void Graph::finalize() {
  // References: every input must be a known tensor.
  for (const Node& n : m_nodes) {
    if (n.inputs.empty()) throw node_error(n, "has no inputs");
    for (const auto& in : n.inputs)
      if (!has_tensor(in))
        throw node_error(
            n, "input '" + in + "' is neither a graph input, a constant nor a node output");
  }
  // Kahn's algorithm, stable in insertion order.
  std::vector<int> pending(m_nodes.size(), 0);
  std::unordered_map<std::string, std::vector<std::size_t>> readers;
  for (std::size_t i = 0; i < m_nodes.size(); ++i)
    for (const auto& in : m_nodes[i].inputs)
      if (tensor(in).kind == TensorKind::Activation) {
        ++pending[i];
        readers[in].push_back(i);
      }
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < m_nodes.size(); ++i)
    if (pending[i] == 0) ready.push(i);
  std::vector<std::size_t> order;
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (std::size_t r : readers[m_nodes[i].outputs[0]])
      if (--pending[r] == 0) ready.push(r);
  }
  if (order.size() != m_nodes.size())
    for (std::size_t i = 0; i < m_nodes.size(); ++i)
      if (pending[i] != 0) throw node_error(m_nodes[i], "is part of a cycle");
  std::vector<Node> sorted;
  sorted.reserve(m_nodes.size());
  for (std::size_t i : order) sorted.push_back(std::move(m_nodes[i]));
  m_nodes = std::move(sorted);
  reindex_nodes();
  for (auto& t : m_tensors)
    if (t.kind == TensorKind::Activation) t.shape.clear();
  for (std::size_t i = 0; i < m_nodes.size(); ++i) infer_node(i);
  if (m_inputs.empty()) throw UserError("graph '" + m_name + "': no input");
  if (m_outputs.empty()) throw UserError("graph '" + m_name + "': no output");
}

const Node& Graph::node(const std::string& name) const {
  auto it = m_node_index.find(name);
  if (it == m_node_index.end())
    throw UserError("graph '" + m_name + "': no node named '" + name + "'");
  return m_nodes[it->second];
}

Node& Graph::mutable_node(const std::string& name) {
  return const_cast<Node&>(static_cast<const Graph*>(this)->node(name));
}

const TensorInfo& Graph::tensor(const std::string& name) const {
  auto it = m_tensor_index.find(name);
  if (it == m_tensor_index.end())
    throw UserError("graph '" + m_name + "': no tensor named '" + name + "'");
  return m_tensors[it->second];
}

std::vector<std::string> Graph::consumers(const std::string& tensor_name) const {
  std::vector<std::string> out;
  for (const Node& n : m_nodes)
    if (std::find(n.inputs.begin(), n.inputs.end(), tensor_name) != n.inputs.end())
      out.push_back(n.name);
  return out;
}

std::size_t Graph::count(OpKind op) const {
  return static_cast<std::size_t>(
      std::count_if(m_nodes.begin(), m_nodes.end(), [op](const Node& n) { return n.op == op; }));
}

int64_t Graph::total_macs() const {
  int64_t macs = 0;
  for (const Node& n : m_nodes)
    if (auto v = gemm_view(*this, n)) macs = checked_add(macs, v->macs(), "total MACs");
  return macs;
}

int64_t Graph::num_parameters() const {
  int64_t p = 0;
  for (const Node& n : m_nodes)
    if (!n.weight_shape.empty())
      p += num_elements(n.weight_shape) + (n.has_bias ? n.weight_shape[0] : 0);
  for (const auto& t : m_tensors)
    if (t.kind == TensorKind::Constant) p += static_cast<int64_t>(t.data.size());
  return p;
}

bool Graph::has_weights() const {
  for (const Node& n : m_nodes)
    if (!n.weight_shape.empty() && n.weights.empty()) return false;
  return true;
}

std::optional<GemmView> gemm_view(const Graph& graph, const Node& node) {
  if (!is_compute(node.op)) return std::nullopt;
  const Shape& out = graph.shape(node.outputs.at(0));
  if (out.empty()) throw node_error(node, "shapes not inferred yet");
  GemmView v;
  v.has_bias = node.has_bias;
  switch (node.op) {
    case OpKind::Conv: {
      const Shape& w = node.weight_shape;
      v.groups = node.attrs.groups;
      v.m = out[0] * out[2] * out[3];
      v.k = w[1] * w[2] * w[3];
      v.n = w[0] / v.groups;
      break;
    }
    case OpKind::Gemm:
      v.m = num_elements(out) / out.back();
      v.k = node.weight_shape[1];
      v.n = node.weight_shape[0];
      break;
    default: {  // MatMul
      const Shape& a = graph.shape(node.inputs[0]);
      v.b_is_weight = false;
      v.m = out[out.size() - 2];
      v.n = out.back();
      v.k = a.back();
      v.groups = num_elements(out) / (v.m * v.n);
      break;
    }
  }
  return v;
}

}  // namespace lpsim::model
