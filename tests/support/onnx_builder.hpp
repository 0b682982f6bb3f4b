// Builds small ONNX models in C++ for tests (no Python needed): inputs, initializers, nodes.
#pragma once

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace lpsim::test {

class OnnxBuilder {
 public:
  explicit OnnxBuilder(int64_t opset = 13) {
    m_model.set_ir_version(8);
    m_model.set_producer_name("lpsim-test");
    auto* op = m_model.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    m_model.mutable_graph()->set_name("test_graph");
  }

  onnx::GraphProto& graph() { return *m_model.mutable_graph(); }

  // dims: -1 is a symbolic (dynamic) dimension.
  void input(const std::string& name, const std::vector<int64_t>& dims) {
    auto* vi = graph().add_input();
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

  void output(const std::string& name) { graph().add_output()->set_name(name); }

  // Float initializer, raw_data (default) or float_data.
  void init(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v,
            bool raw = true) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    if (raw) {
      t->set_raw_data(
          std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
    } else {
      for (float x : v) t->add_float_data(x);
    }
  }

  void init_i64(const std::string& name, const std::vector<int64_t>& v) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_INT64);
    t->add_dims(static_cast<int64_t>(v.size()));
    for (int64_t x : v) t->add_int64_data(x);
  }

  onnx::NodeProto& node(const std::string& op, const std::string& name,
                        const std::vector<std::string>& in, const std::vector<std::string>& out) {
    auto* n = graph().add_node();
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

  // The path carries the process id: ctest runs tests of one binary in parallel processes,
  // and two of them saving the same name at once would read each other's half-written file.
  std::string save(const std::string& file) const {
    const std::string path =
        ::testing::TempDir() + "lpsim_model_" + std::to_string(::getpid()) + "_" + file;
    std::ofstream out(path, std::ios::binary);
    EXPECT_TRUE(m_model.SerializeToOstream(&out));
    return path;
  }

 private:
  onnx::ModelProto m_model;
};


}  // namespace lpsim::test
