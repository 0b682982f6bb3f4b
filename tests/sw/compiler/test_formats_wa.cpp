// plan_program with separate weight and activation formats (MODE = the larger width, LP/INT
// mixes refused), sf 'auto' texts and resolve_auto_sf (the RMSE-best sf of each tensor).
#include <gtest/gtest.h>

#include "sw/common/error.hpp"
#include "sw/compiler/layer_code.hpp"
#include "sw/compiler/program.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/formats/metrics.hpp"
#include "sw/model/fp32_forward.hpp"
#include "sw/model/normal_rng.hpp"
#include "sw/model/zoo.hpp"

namespace lpsim::compiler {
namespace {

model::Graph small_net() {
  model::ZooOptions o;
  o.input_size = 32;
  o.width_divisor = 8;
  o.max_blocks = 1;
  o.num_classes = 10;
  return model::build_zoo_model("resnet18", o);
}

std::string nowhere(const std::string& k) {
  return "w.yaml(" + k + ")";
}

const ComputeStep& layer(const Program& p, const std::string& name) {
  for (const Step& s : p.steps)
    if (s.compute && s.layer.node->name == name) return s.layer;
  throw std::runtime_error("no layer " + name);
}

TEST(FormatsWa, AutoSfTexts) {
  EXPECT_TRUE(is_auto_sf("lp<4,0,2,auto>"));
  EXPECT_TRUE(is_auto_sf("lp:4,0,2,auto"));
  EXPECT_FALSE(is_auto_sf("lp<4,0,2,0>"));
  EXPECT_FALSE(is_auto_sf("int:8"));
  EXPECT_EQ(with_sf("lp<4,0,2,auto>", -3), "lp<4,0,2,-3>");
  EXPECT_EQ(with_sf("lp:8,2,3,auto", 5), "lp:8,2,3,5");
  EXPECT_EQ(with_sf("lp<8,2,3,1>", 5), "lp<8,2,3,1>");
}

TEST(FormatsWa, ModeIsTheLargerWidthAndMixesAreRefused) {
  const model::Graph g = small_net();
  FormatChoice f;
  f.default_act = "lp<8,2,3,0>";
  f.default_wgt = "lp<4,1,2,0>";
  f.act["fc"] = "lp<2,0,1,0>";
  f.wgt["fc"] = "lp<4,0,3,0>";
  const Program p = plan_program(g, f, nowhere);
  const ComputeStep& c1 = layer(p, "conv1");
  EXPECT_EQ(c1.act_format, "lp<8,2,3,0>");
  EXPECT_EQ(c1.wgt_format, "lp<4,1,2,0>");
  EXPECT_EQ(c1.mode, 8);
  const ComputeStep& fc = layer(p, "fc");
  EXPECT_EQ(fc.act_format, "lp<2,0,1,0>");
  EXPECT_EQ(fc.wgt_format, "lp<4,0,3,0>");
  EXPECT_EQ(fc.mode, 4);

  // The narrow operand as the hardware runs it: its own values, wide codes.
  const HwFormat w = hw_format("lp<4,1,2,0>", {}, 8);
  EXPECT_EQ(w.op.n, 8);
  EXPECT_EQ(w.format->bits(), 8);
  EXPECT_EQ(w.format->name(), "lp<4,1,2,0>@8");
  const fmt::LpFormat narrow({4, 1, 2, 0});
  for (double x : {0.01, -0.3, 0.7, 2.5, -40.0, 1e-6})
    EXPECT_EQ(w.format->decode(w.format->encode(x)), narrow.decode(narrow.encode(x))) << x;
  for (fmt::Code c = 0; c < 16; ++c)
    if (c != narrow.nar()) {
      EXPECT_EQ(w.format->decode(c << 4), narrow.decode(c)) << c;
    }

  FormatChoice bad;
  bad.default_act = "lp<8,2,3,0>";
  bad.wgt["conv1"] = "int:8";
  bad.act["conv1"] = "lp<8,2,3,0>";
  try {
    plan_program(g, bad, nowhere);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'conv1' has LP activations and INT weights"),
              std::string::npos)
        << e.what();
  }
  FormatChoice unknown;
  unknown.wgt["nope"] = "lp<8,2,3,0>";
  EXPECT_THROW(plan_program(g, unknown, nowhere), UserError);
}

TEST(FormatsWa, AutoSfIsTheRmseBestSfOfEachTensor) {
  const model::Graph g = small_net();
  FormatChoice f;
  f.default_act = "lp<4,0,2,auto>";
  f.default_wgt = "lp<4,1,3,auto>";
  Program p = plan_program(g, f, nowhere);
  model::TensorValues in;
  model::FloatTensor x;
  x.shape = g.shape(g.inputs()[0]);
  model::NormalRng rng(3, "input");
  x.data.resize(static_cast<std::size_t>(model::num_elements(x.shape)));
  for (float& v : x.data) v = static_cast<float>(0.01 * rng.normal());  // far from sf 0
  in[g.inputs()[0]] = x;
  model::TensorValues fp32 = model::forward_fp32(g, in, true);
  for (auto& [k, v] : in) fp32[k] = v;
  resolve_auto_sf(g, fp32, p);
  int checked = 0;
  for (const Step& s : p.steps) {
    if (!s.compute) continue;
    const ComputeStep& c = s.layer;
    const std::vector<float>& a = fp32.at(c.input).data;
    EXPECT_EQ(c.act_format,
              "lp<4,0,2," + std::to_string(fmt::best_lp_sf(4, 0, 2, a.data(), a.size())) + ">");
    EXPECT_EQ(c.wgt_format, "lp<4,1,3," +
                                std::to_string(fmt::best_lp_sf(4, 1, 3, c.node->weights.data(),
                                                               c.node->weights.size())) +
                                ">");
    ++checked;
  }
  EXPECT_GT(checked, 5);
  // The first layer's input (N(0, 0.01^2)) needs a large positive sf (values scaled up).
  const ComputeStep& c1 = layer(p, "conv1");
  EXPECT_NE(c1.act_format, "lp<4,0,2,0>");
  // Output formats follow the consumers' resolved activation formats.
  for (const Step& s : p.steps)
    if (s.compute) {
      EXPECT_EQ(s.layer.out_format.find("auto"), std::string::npos);
    }
}

}  // namespace
}  // namespace lpsim::compiler
