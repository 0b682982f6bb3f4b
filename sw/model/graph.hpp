// Network IR of the host flow: a small DAG of named tensors and nodes, with shape inference
// and the GEMM view that the lowering uses for every compute node (Conv, Gemm, MatMul).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace lpsim::model {

// Tensor shape: NCHW for images (batch N first), [N, tokens, features] for transformers,
// [N, heads, tokens, head_dim] inside attention.
using Shape = std::vector<int64_t>;

// The largest element count of one tensor, and so of any one dimension, kernel, stride, pad or
// padded extent: 2^31 - 1. Larger sizes cannot be simulated anyway (the accelerator's descriptor
// registers are 32 bits, the DRAM at most 3.75 GiB, the reference indexes with int); with every
// size below it, no product of two sizes overflows int64_t.
constexpr int64_t kMaxElements = 2147483647;

// Element count of `shape`, computed without overflow. Throws lpsim::UserError
// "shape [..] has a negative dimension" / "... a dimension larger than 2147483647" / "... more
// than 2147483647 elements" (also when another dimension is 0).
int64_t num_elements(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[1,3,224,224]"

enum class OpKind {
  Conv,               // 2-D convolution, weights [F, C/groups, R, S], optional bias [F]
  Gemm,               // Linear on the last axis: weights [out, in], optional bias [out]
  MatMul,             // activation x activation, numpy batch broadcast (QK^T, AV)
  Add,                // elementwise, numpy broadcast (residuals, position embedding)
  Relu,               //
  Clip,               // clamp to [clip_min, clip_max] (ReLU6 = Clip(0, 6))
  MaxPool,            //
  AveragePool,        //
  GlobalAveragePool,  // [N,C,H,W] -> [N,C,1,1]
  Flatten,            // [prod(d < axis), prod(d >= axis)]
  Reshape,            // ONNX rules: 0 copies the input dim, one -1 is inferred
  Transpose,          // perm
  Slice,              // [start, end) along axis
  Concat,             // along axis; a dim 0 of 1 broadcasts over the batch (class token)
  Softmax,            // host FP32: softmax(scale * x) along axis
  LayerNorm,          // host FP32: over the last axis, gamma = weights, beta = bias
  Gelu,               // host FP32: exact erf form
  // Host-side FP32 ops of imported models (docs/models.md, "ONNX import").
  Mul,          // elementwise, numpy broadcast (squeeze-excitation scale, SiLU)
  Sub,          // elementwise, numpy broadcast
  Div,          // elementwise, numpy broadcast
  Sigmoid,      //
  HardSigmoid,  // max(0, min(1, alpha * x + beta))
  HardSwish,    // x * HardSigmoid(x) with alpha 1/6, beta 1/2
  Erf,          //
  ReduceMean,   // mean over `axes` (keepdims)
  Pad,          // constant padding: pads_nd = begin of every axis, then end of every axis
  Sqrt,         //
  Pow,          // x ^ exponent (a constant scalar exponent; LayerNorm's opset-13 decomposition)
};

const char* op_name(OpKind op);
// Conv, Gemm and MatMul: lowered to GEMMs and run on the accelerator.
bool is_compute(OpKind op);
// Softmax, LayerNorm, Gelu and the elementwise/reduction ops of imported models (Mul, Sub, Div,
// Sigmoid, HardSigmoid, HardSwish, Erf, ReduceMean, Sqrt, Pow): run on the host in FP32.
bool is_host_fp32(OpKind op);

// Attributes of every op kind in one flat struct; each op reads only its own fields.
struct NodeAttrs {
  // Conv and pooling windows, [h, w].
  std::array<int64_t, 2> kernel{1, 1};  // pools only; Conv takes R, S from weight_shape
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> dilation{1, 1};
  std::array<int64_t, 4> pads{0, 0, 0, 0};  // top, left, bottom, right
  int64_t groups = 1;                       // Conv; groups == C == F is depthwise
  bool ceil_mode = false;                   // pools
  bool count_include_pad = false;           // AveragePool
  // Clip.
  float clip_min = 0.0f;
  float clip_max = 6.0f;
  // Flatten, Slice, Concat, Softmax axis; negative counts from the end.
  int64_t axis = 1;
  int64_t start = 0;  // Slice [start, end)
  int64_t end = 0;
  Shape shape;                // Reshape target
  std::vector<int64_t> perm;  // Transpose
  float epsilon = 1e-5f;      // LayerNorm
  float scale = 1.0f;         // Softmax input scale (1/sqrt(head_dim) in attention)
  float alpha = 0.2f;         // HardSigmoid
  float beta = 0.5f;          // HardSigmoid
  std::vector<int64_t> axes;  // ReduceMean (normalised, ascending, no repeats)
  bool keepdims = true;       // ReduceMean
  std::vector<int64_t> pads_nd;  // Pad: [begin of axis 0..r-1, end of axis 0..r-1], each >= 0
  float pad_value = 0.0f;        // Pad
  float exponent = 2.0f;         // Pow
};

struct Node {
  std::string name;
  OpKind op = OpKind::Relu;
  std::vector<std::string> inputs;   // tensor names; weights are not inputs
  std::vector<std::string> outputs;  // exactly one for every op kind
  NodeAttrs attrs;
  // Parameters: Conv [F, C/groups, R, S]; Gemm [out, in]; LayerNorm [D] (gamma).
  Shape weight_shape;
  std::vector<float> weights;  // row-major in weight_shape; empty in a shape-only graph
  bool has_bias = false;
  std::vector<float> bias;  // [F] / [out] / [D] (beta); empty when !has_bias or shape-only
};

enum class TensorKind { Input, Constant, Activation };

struct TensorInfo {
  std::string name;
  TensorKind kind = TensorKind::Activation;
  Shape shape;              // empty until inferred
  std::vector<float> data;  // Constant only (class token, position embedding, ONNX constants)
  std::string producer;     // node name, Activation only
};

// GEMM view of a compute node for lowering: `groups` independent GEMMs of [M x K] * [K x N].
//   Conv:   M = batch * OH * OW, K = R * S * C / groups, N = F / groups, groups = conv groups.
//   Gemm:   M = product of leading dims (batch or batch * tokens), K = in, N = out, groups = 1.
//   MatMul: M, K, N of the last two dims, groups = product of the batch dims (batch * heads).
struct GemmView {
  int64_t m = 0;
  int64_t k = 0;
  int64_t n = 0;
  int64_t groups = 1;
  bool b_is_weight = true;  // Conv/Gemm: B is the weight tensor; MatMul: both are activations
  bool has_bias = false;
  int64_t macs() const;  // groups * m * k * n; throws lpsim::UserError if it overflows
};

class Graph {
 public:
  explicit Graph(std::string name = "graph");

  const std::string& name() const { return m_name; }

  // Declares a graph input (an activation fed by the host).
  void add_input(const std::string& name, Shape shape);
  // Declares a constant tensor (data.size() must equal the element count of shape).
  void add_constant(const std::string& name, Shape shape, std::vector<float> data);
  // Adds a node and creates its output tensors. When every input shape is already known the
  // output shapes are inferred at once (so builders can read them); throws lpsim::UserError
  // naming the node on a duplicate name or a misfit.
  const Node& add_node(Node node);
  void add_output(const std::string& tensor);

  // Checks names and references, orders the nodes topologically (stable) and (re)infers
  // every shape. Throws lpsim::UserError naming the offending node or tensor.
  void finalize();

  // Nodes in topological order (after finalize(); a builder that adds nodes in dependency
  // order keeps that order).
  const std::vector<Node>& nodes() const { return m_nodes; }
  const Node& node(const std::string& name) const;
  Node& mutable_node(const std::string& name);
  bool has_node(const std::string& name) const { return m_node_index.count(name) != 0; }

  const std::vector<TensorInfo>& tensors() const { return m_tensors; }
  const TensorInfo& tensor(const std::string& name) const;
  bool has_tensor(const std::string& name) const { return m_tensor_index.count(name) != 0; }
  const Shape& shape(const std::string& tensor) const { return this->tensor(tensor).shape; }
  const std::vector<std::string>& inputs() const { return m_inputs; }
  const std::vector<std::string>& outputs() const { return m_outputs; }
  // Names of the nodes reading `tensor`, in node order.
  std::vector<std::string> consumers(const std::string& tensor) const;

  std::size_t count(OpKind op) const;
  int64_t total_macs() const;
  int64_t num_parameters() const;  // weights + biases + constants
  // False for a shape-only graph (a compute node without weight values).
  bool has_weights() const;

 private:
  void add_tensor(TensorInfo info);
  void infer_node(std::size_t index);
  void reindex_nodes();

  std::string m_name;
  std::vector<Node> m_nodes;
  std::unordered_map<std::string, std::size_t> m_node_index;
  std::vector<TensorInfo> m_tensors;
  std::unordered_map<std::string, std::size_t> m_tensor_index;
  std::vector<std::string> m_inputs;
  std::vector<std::string> m_outputs;
};

// Output shapes of `node` given its input shapes; validates attributes and parameter sizes.
// Throws lpsim::UserError "node '<name>' (<Op>): <what>".
std::vector<Shape> infer_output_shapes(const Node& node, const std::vector<Shape>& inputs);

// GEMM view of a compute node (nullopt for every other op); needs inferred shapes.
std::optional<GemmView> gemm_view(const Graph& graph, const Node& node);

// Normalises a possibly negative axis for a tensor of `rank`; throws naming the node.
int64_t normalize_axis(const Node& node, int64_t axis, std::size_t rank);

}  // namespace lpsim::model
