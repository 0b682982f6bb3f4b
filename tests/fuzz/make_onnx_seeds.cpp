// Writes the seed models of tests/fuzz/corpus/onnx/ into the directory given (default: .):
// tiny graphs that together use every op and attribute form the importer supports.
//   build-fuzz/tests/fuzz/fuzz_onnx_seeds tests/fuzz/corpus/onnx
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

class Model {
 public:
  explicit Model(int64_t opset) {
    m.set_ir_version(8);
    m.set_producer_name("lpsim-fuzz-seeds");
    auto* op = m.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    g().set_name("seed");
  }
  onnx::GraphProto& g() { return *m.mutable_graph(); }

  void input(const std::string& name, const std::vector<int64_t>& dims) {
    auto* vi = g().add_input();
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    for (int64_t d : dims) {
      auto* dim = tt->mutable_shape()->add_dim();
      if (d < 0)
        dim->set_dim_param("N");
      else
        dim->set_dim_value(d);
    }
  }
  void output(const std::string& name) { g().add_output()->set_name(name); }

  // Float initializer of the given dims with values 0.1, -0.2, 0.3, ... (raw or float_data).
  onnx::TensorProto& init(const std::string& name, const std::vector<int64_t>& dims,
                          bool raw = true) {
    auto* t = g().add_initializer();
    fill(*t, name, dims, raw);
    return *t;
  }
  static void fill(onnx::TensorProto& t, const std::string& name, const std::vector<int64_t>& dims,
                   bool raw) {
    t.set_name(name);
    t.set_data_type(onnx::TensorProto_DataType_FLOAT);
    int64_t n = 1;
    for (int64_t d : dims) {
      t.add_dims(d);
      n *= d;
    }
    std::vector<float> v(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < v.size(); ++i)
      v[i] = static_cast<float>((i % 2 ? -0.1 : 0.1) * static_cast<double>(i % 7 + 1));
    if (raw)
      t.set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4));
    else
      for (float x : v) t.add_float_data(x);
  }
  void init_i64(const std::string& name, const std::vector<int64_t>& v) {
    auto* t = g().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_INT64);
    t->add_dims(static_cast<int64_t>(v.size()));
    for (int64_t x : v) t->add_int64_data(x);
  }

  onnx::NodeProto& node(const std::string& op, const std::string& name,
                        const std::vector<std::string>& in, const std::vector<std::string>& out) {
    auto* n = g().add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& s : in) n->add_input(s);
    for (const auto& s : out) n->add_output(s);
    return *n;
  }
  static void ints(onnx::NodeProto& n, const std::string& key, const std::vector<int64_t>& v) {
    auto* a = n.add_attribute();
    a->set_name(key);
    a->set_type(onnx::AttributeProto_AttributeType_INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void int1(onnx::NodeProto& n, const std::string& key, int64_t v) {
    auto* a = n.add_attribute();
    a->set_name(key);
    a->set_type(onnx::AttributeProto_AttributeType_INT);
    a->set_i(v);
  }
  static void float1(onnx::NodeProto& n, const std::string& key, float v) {
    auto* a = n.add_attribute();
    a->set_name(key);
    a->set_type(onnx::AttributeProto_AttributeType_FLOAT);
    a->set_f(v);
  }
  static void str(onnx::NodeProto& n, const std::string& key, const std::string& v) {
    auto* a = n.add_attribute();
    a->set_name(key);
    a->set_type(onnx::AttributeProto_AttributeType_STRING);
    a->set_s(v);
  }

  bool save(const std::string& dir, const std::string& file) const {
    std::ofstream out(dir + "/" + file, std::ios::binary);
    return m.SerializeToOstream(&out);
  }

 private:
  onnx::ModelProto m;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  bool ok = true;
  {  // A small CNN: Conv (pads, strides, bias) + Relu + MaxPool + GlobalAveragePool + Flatten + Gemm.
    Model m(13);
    m.input("x", {-1, 3, 8, 8});
    m.init("w1", {4, 3, 3, 3});
    m.init("b1", {4});
    auto& c = m.node("Conv", "conv1", {"x", "w1", "b1"}, {"c1"});
    Model::ints(c, "kernel_shape", {3, 3});
    Model::ints(c, "pads", {1, 1, 1, 1});
    Model::ints(c, "strides", {1, 1});
    m.node("Relu", "relu1", {"c1"}, {"r1"});
    auto& p = m.node("MaxPool", "pool1", {"r1"}, {"p1"});
    Model::ints(p, "kernel_shape", {2, 2});
    Model::ints(p, "strides", {2, 2});
    m.node("GlobalAveragePool", "gap", {"p1"}, {"g"});
    auto& f = m.node("Flatten", "flat", {"g"}, {"fl"});
    Model::int1(f, "axis", 1);
    m.init("wf", {5, 4});
    m.init("bf", {5});
    auto& fc = m.node("Gemm", "fc", {"fl", "wf", "bf"}, {"y"});
    Model::int1(fc, "transB", 1);
    Model::float1(fc, "alpha", 1.0f);
    m.output("y");
    ok &= m.save(dir, "cnn.onnx");
  }
  {  // Conv (float_data, group, auto_pad) + BatchNormalization folded + Clip (min/max inputs) + Add.
    Model m(11);
    m.input("x", {1, 4, 6, 6});
    m.init("w", {4, 2, 3, 3}, false);
    auto& c = m.node("Conv", "", {"x", "w"}, {"c"});
    Model::int1(c, "group", 2);
    Model::str(c, "auto_pad", "SAME_UPPER");
    for (const char* s : {"gamma", "beta", "mean"}) m.init(s, {4}, false);
    auto& var = m.init("var", {4}, false);
    var.clear_float_data();
    for (int i = 0; i < 4; ++i) var.add_float_data(1.0f + static_cast<float>(i));
    auto& bn = m.node("BatchNormalization", "bn", {"c", "gamma", "beta", "mean", "var"}, {"b"});
    Model::float1(bn, "epsilon", 1e-5f);
    m.init("lo", {}, true);
    m.init("hi", {1}, true);
    m.node("Clip", "clip", {"b", "lo", "hi"}, {"cl"});
    m.node("Add", "add", {"cl", "x"}, {"s"});
    auto& ap = m.node("AveragePool", "avg", {"s"}, {"a"});
    Model::ints(ap, "kernel_shape", {3, 3});
    Model::ints(ap, "pads", {1, 1, 1, 1});
    Model::int1(ap, "count_include_pad", 1);
    Model::int1(ap, "ceil_mode", 1);
    m.output("a");
    ok &= m.save(dir, "conv_bn_clip.onnx");
  }
  {  // MatMul with a constant (Linear) and between activations, Reshape, Transpose, Softmax,
     // Identity, Dropout, a Constant node.
    Model m(13);
    m.input("x", {2, 6});
    m.init("w", {6, 4});
    m.node("MatMul", "lin", {"x", "w"}, {"h"});
    m.node("Identity", "id", {"h"}, {"h2"});
    m.node("Dropout", "drop", {"h2"}, {"h3"});
    auto& k = m.node("Constant", "shape_const", {}, {"shape"});
    {
      auto* a = k.add_attribute();
      a->set_name("value");
      a->set_type(onnx::AttributeProto_AttributeType_TENSOR);
      auto* t = a->mutable_t();
      t->set_data_type(onnx::TensorProto_DataType_INT64);
      t->add_dims(2);
      t->add_int64_data(4);
      t->add_int64_data(-1);
    }
    m.node("Reshape", "rs", {"h3", "shape"}, {"r"});
    auto& tr = m.node("Transpose", "tr", {"r"}, {"t"});
    Model::ints(tr, "perm", {1, 0});
    m.node("MatMul", "mm", {"t", "r"}, {"q"});
    auto& sm = m.node("Softmax", "sm", {"q"}, {"y"});
    Model::int1(sm, "axis", -1);
    m.output("y");
    ok &= m.save(dir, "matmul_softmax.onnx");
  }
  {  // Opset 9 Gemm without transB, scalar bias, Reshape with an int64 initializer.
    Model m(9);
    m.input("x", {1, 2, 2, 2});
    m.init_i64("s", {1, -1});
    m.node("Reshape", "flat", {"x", "s"}, {"f"});
    m.init("w", {8, 3});
    m.init("c", {1});
    auto& fc = m.node("Gemm", "fc", {"f", "w", "c"}, {"g"});
    Model::float1(fc, "beta", 0.5f);
    m.node("Relu", "r", {"g"}, {"y"});
    m.output("y");
    ok &= m.save(dir, "gemm_opset9.onnx");
  }
  if (!ok) std::fprintf(stderr, "fuzz_onnx_seeds: cannot write into %s\n", dir.c_str());
  return ok ? 0 : 1;
}
