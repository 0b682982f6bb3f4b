// forward_fp32 with a keep set: the outputs and the named tensors, equal to the full pass.
#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

#include "sw/model/fp32_forward.hpp"
#include "sw/model/zoo.hpp"

namespace lpsim::model {
namespace {

TEST(Fp32Keep, KeepsOutputsAndNamedTensorsOnly) {
  ZooOptions o;
  o.input_size = 32;
  o.width_divisor = 8;
  o.max_blocks = 1;
  o.num_classes = 10;
  const Graph g = build_zoo_model("resnet18", o);
  TensorValues in;
  in[g.inputs()[0]] = make_input(g, 5);
  const TensorValues all = forward_fp32(g, in, true);
  // A graph input, an early activation read by later nodes and one read by a single node.
  const std::string early = g.nodes().at(0).outputs[0], mid = g.nodes().at(5).outputs[0];
  const std::unordered_set<std::string> keep{g.inputs()[0], early, mid};
  const TensorValues some = forward_fp32(g, in, keep);
  EXPECT_EQ(some.size(), keep.size() + g.outputs().size());
  for (const std::string& t : keep) {
    ASSERT_TRUE(some.count(t)) << t;
    EXPECT_EQ(some.at(t).shape, all.at(t).shape) << t;
    EXPECT_EQ(some.at(t).data, all.at(t).data) << t;
  }
  for (const std::string& t : g.outputs()) {
    ASSERT_TRUE(some.count(t)) << t;
    EXPECT_EQ(some.at(t).data, all.at(t).data) << t;
  }
  const TensorValues outputs_only = forward_fp32(g, in, std::unordered_set<std::string>{});
  EXPECT_EQ(outputs_only.size(), g.outputs().size());
  EXPECT_LT(some.size(), all.size());
}

}  // namespace
}  // namespace lpsim::model
