// Graph IR: shape inference per op, validation errors naming the node, topological order,
// GEMM views.
#include <gtest/gtest.h>

#include "tests/support/error_of.hpp"

#include <string>

#include "sw/common/error.hpp"
#include "tests/sw/model/node_builder.hpp"
#include "sw/model/graph.hpp"

namespace lpsim::model {
namespace {

using lpsim::test::error_of;

using test::make;

Node conv(const std::string& name, const std::string& in, Shape w, int64_t stride, int64_t pad,
          int64_t groups = 1) {
  Node n = make(OpKind::Conv, name, {in});
  n.weight_shape = std::move(w);
  n.attrs.stride = {stride, stride};
  n.attrs.pads = {pad, pad, pad, pad};
  n.attrs.groups = groups;
  return n;
}

TEST(Graph, ConvShapeAndGemmView) {
  Graph g("t");
  g.add_input("x", {2, 16, 56, 56});
  g.add_node(conv("c", "x", {32, 16, 3, 3}, 2, 1));
  g.add_output("c");
  g.finalize();
  EXPECT_EQ(g.shape("c"), (Shape{2, 32, 28, 28}));
  const auto v = gemm_view(g, g.node("c"));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->m, 2 * 28 * 28);
  EXPECT_EQ(v->k, 16 * 9);
  EXPECT_EQ(v->n, 32);
  EXPECT_EQ(v->groups, 1);
  EXPECT_TRUE(v->b_is_weight);
  EXPECT_EQ(v->macs(), 2LL * 28 * 28 * 16 * 9 * 32);
  EXPECT_EQ(g.total_macs(), v->macs());
}

TEST(Graph, DepthwiseAndGroupedConvViews) {
  Graph g("t");
  g.add_input("x", {1, 32, 14, 14});
  g.add_node(conv("dw", "x", {32, 1, 3, 3}, 1, 1, 32));
  g.add_node(conv("gc", "dw", {64, 8, 1, 1}, 1, 0, 4));
  g.add_output("gc");
  g.finalize();
  const auto dw = *gemm_view(g, g.node("dw"));
  EXPECT_EQ(dw.groups, 32);
  EXPECT_EQ(dw.m, 14 * 14);
  EXPECT_EQ(dw.k, 9);
  EXPECT_EQ(dw.n, 1);
  const auto gc = *gemm_view(g, g.node("gc"));
  EXPECT_EQ(gc.groups, 4);
  EXPECT_EQ(gc.k, 8);
  EXPECT_EQ(gc.n, 16);
  EXPECT_EQ(g.shape("gc"), (Shape{1, 64, 14, 14}));
}

TEST(Graph, AttentionMatMulAndLinearViews) {
  Graph g("t");
  g.add_input("x", {2, 197, 768});
  Node lin = make(OpKind::Gemm, "q", {"x"});
  lin.weight_shape = {768, 768};
  lin.has_bias = true;
  g.add_node(lin);
  Node rs = make(OpKind::Reshape, "qh", {"q"});
  rs.attrs.shape = {0, 0, 12, -1};
  g.add_node(rs);
  Node tq = make(OpKind::Transpose, "qt", {"qh"});
  tq.attrs.perm = {0, 2, 1, 3};
  g.add_node(tq);
  Node tk = make(OpKind::Transpose, "kt", {"qh"});
  tk.attrs.perm = {0, 2, 3, 1};
  g.add_node(tk);
  g.add_node(make(OpKind::MatMul, "qk", {"qt", "kt"}));
  g.add_output("qk");
  g.finalize();
  EXPECT_EQ(g.shape("qh"), (Shape{2, 197, 12, 64}));
  EXPECT_EQ(g.shape("qk"), (Shape{2, 12, 197, 197}));
  const auto l = *gemm_view(g, g.node("q"));
  EXPECT_EQ(l.m, 2 * 197);
  EXPECT_EQ(l.k, 768);
  EXPECT_EQ(l.n, 768);
  EXPECT_TRUE(l.has_bias);
  const auto a = *gemm_view(g, g.node("qk"));
  EXPECT_EQ(a.groups, 24);
  EXPECT_EQ(a.m, 197);
  EXPECT_EQ(a.k, 64);
  EXPECT_EQ(a.n, 197);
  EXPECT_FALSE(a.b_is_weight);
  EXPECT_FALSE(gemm_view(g, g.node("qt")));
}

TEST(Graph, PoolShapesIncludingCeilMode) {
  Graph g("t");
  g.add_input("x", {1, 3, 112, 112});
  Node mp = make(OpKind::MaxPool, "mp", {"x"});
  mp.attrs.kernel = {3, 3};
  mp.attrs.stride = {2, 2};
  mp.attrs.pads = {1, 1, 1, 1};
  g.add_node(mp);
  Node cp = make(OpKind::AveragePool, "cp", {"mp"});
  cp.attrs.kernel = {2, 2};
  cp.attrs.stride = {2, 2};
  cp.attrs.ceil_mode = true;
  g.add_node(cp);  // 56 -> 28
  Node cp2 = make(OpKind::MaxPool, "cp2", {"cp"});
  cp2.attrs.kernel = {3, 3};
  cp2.attrs.stride = {2, 2};
  cp2.attrs.ceil_mode = true;
  g.add_node(cp2);  // 28: floor 13, ceil 14
  g.add_node(make(OpKind::GlobalAveragePool, "gap", {"cp2"}));
  Node fl = make(OpKind::Flatten, "fl", {"gap"});
  g.add_node(fl);
  g.add_output("fl");
  g.finalize();
  EXPECT_EQ(g.shape("mp"), (Shape{1, 3, 56, 56}));
  EXPECT_EQ(g.shape("cp"), (Shape{1, 3, 28, 28}));
  EXPECT_EQ(g.shape("cp2"), (Shape{1, 3, 14, 14}));
  EXPECT_EQ(g.shape("fl"), (Shape{1, 3}));
}

TEST(Graph, AddBroadcastConcatSlice) {
  Graph g("t");
  g.add_input("x", {4, 196, 8});
  g.add_constant("cls", {1, 1, 8}, std::vector<float>(8, 0.0f));
  g.add_constant("pos", {1, 197, 8}, std::vector<float>(197 * 8, 0.0f));
  Node cat = make(OpKind::Concat, "cat", {"cls", "x"});
  cat.attrs.axis = 1;
  g.add_node(cat);
  g.add_node(make(OpKind::Add, "add", {"cat", "pos"}));
  Node sl = make(OpKind::Slice, "sl", {"add"});
  sl.attrs.axis = 1;
  sl.attrs.start = 0;
  sl.attrs.end = 1;
  g.add_node(sl);
  g.add_output("sl");
  g.finalize();
  EXPECT_EQ(g.shape("cat"), (Shape{4, 197, 8}));
  EXPECT_EQ(g.shape("add"), (Shape{4, 197, 8}));
  EXPECT_EQ(g.shape("sl"), (Shape{4, 1, 8}));
}

TEST(Graph, MisfitNamesTheNode) {
  Graph g("t");
  g.add_input("x", {1, 3, 8, 8});
  const std::string msg = error_of<UserError>([&] { g.add_node(conv("stem", "x", {8, 4, 3, 3}, 1, 1)); });
  EXPECT_NE(msg.find("node 'stem' (Conv)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("3 channels"), std::string::npos) << msg;

  Graph h("t");
  h.add_input("a", {2, 3});
  h.add_input("b", {2, 4});
  const std::string m2 = error_of<UserError>([&] { h.add_node(make(OpKind::Add, "res", {"a", "b"})); });
  EXPECT_NE(m2.find("node 'res' (Add)"), std::string::npos) << m2;
  EXPECT_NE(m2.find("do not broadcast"), std::string::npos) << m2;

  Graph k("t");
  k.add_input("a", {2, 3});
  Node fc = make(OpKind::Gemm, "fc", {"a"});
  fc.weight_shape = {5, 4};
  EXPECT_NE(error_of<UserError>([&] { k.add_node(fc); }).find("node 'fc' (Gemm)"), std::string::npos);
  Node w = make(OpKind::Gemm, "fc2", {"a"});
  w.weight_shape = {5, 3};
  w.weights.assign(14, 0.0f);
  EXPECT_NE(error_of<UserError>([&] { k.add_node(w); }).find("weight values"), std::string::npos);
}

TEST(Graph, DuplicateNamesAndMissingInputs) {
  Graph g("t");
  g.add_input("x", {1, 4});
  g.add_node(make(OpKind::Relu, "r", {"x"}));
  EXPECT_NE(error_of<UserError>([&] { g.add_node(make(OpKind::Relu, "r", {"x"})); }).find("used twice"),
            std::string::npos);
  Node n = make(OpKind::Relu, "r2", {"nowhere"});
  g.add_node(n);
  g.add_output("r2");
  const std::string msg = error_of<UserError>([&] { g.finalize(); });
  EXPECT_NE(msg.find("node 'r2'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'nowhere'"), std::string::npos) << msg;
}

TEST(Graph, FinalizeSortsTopologically) {
  Graph g("t");
  g.add_input("x", {1, 4});
  g.add_node(make(OpKind::Add, "c", {"a", "b"}));  // added before its producers
  g.add_node(make(OpKind::Relu, "b", {"a"}));
  g.add_node(make(OpKind::Relu, "a", {"x"}));
  g.add_output("c");
  g.finalize();
  ASSERT_EQ(g.nodes().size(), 3u);
  EXPECT_EQ(g.nodes()[0].name, "a");
  EXPECT_EQ(g.nodes()[1].name, "b");
  EXPECT_EQ(g.nodes()[2].name, "c");
  EXPECT_EQ(g.shape("c"), (Shape{1, 4}));
  EXPECT_EQ(g.consumers("a"), (std::vector<std::string>{"b", "c"}));
}

TEST(Graph, CycleIsReported) {
  Graph g("t");
  g.add_input("x", {1, 4});
  g.add_node(make(OpKind::Add, "a", {"x", "b"}));
  g.add_node(make(OpKind::Relu, "b", {"a"}));
  g.add_output("b");
  EXPECT_NE(error_of<UserError>([&] { g.finalize(); }).find("cycle"), std::string::npos);
}

TEST(Graph, ReshapeRules) {
  Graph g("t");
  g.add_input("x", {2, 3, 4});
  Node r = make(OpKind::Reshape, "r", {"x"});
  r.attrs.shape = {0, -1};
  g.add_node(r);
  EXPECT_EQ(g.shape("r"), (Shape{2, 12}));
  Node bad = make(OpKind::Reshape, "bad", {"x"});
  bad.attrs.shape = {5, -1};
  EXPECT_NE(error_of<UserError>([&] { g.add_node(bad); }).find("node 'bad' (Reshape)"), std::string::npos);
}

}  // namespace
}  // namespace lpsim::model
