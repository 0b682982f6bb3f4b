// quantization.default / layers.NAME as {weights: F, activations: F} and LP sf 'auto' through
// the simulated accelerator: every layer bit-exact against sw/ref, the formats as chosen, the
// effective configuration reading back; bad entries are one error line, exit 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "run_fixture.hpp"

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;

class FormatsWaCli : public RunFixture {
 protected:
  struct Row {
    std::string name, act, wgt;
    int mode = 0;
  };
  // layers.csv: layer,op,fused,m,k,n,groups,act_format,wgt_format,out_format,mode,...
  std::vector<Row> layers_csv() {
    std::vector<Row> rows;
    for (const auto& f : csv_rows(m_dir / "out" / "layers.csv"))
      rows.push_back({f.at(0), f.at(7), f.at(8), std::stoi(f.at(10))});
    return rows;
  }
};

TEST_F(FormatsWaCli, SeparateWeightAndActivationFormatsRunBitExact) {
  const std::string q =
      "quantization:\n"
      "  default: {weights: \"lp<4,1,2,auto>\", activations: \"lp<8,2,3,auto>\"}\n"
      "  layers:\n"
      "    fc: {weights: \"lp<8,1,3,auto>\", activations: \"lp<2,0,1,auto>\"}\n"
      "    conv1: \"lp<4,0,3,auto>\"\n"
      "    layer1.0.conv1: {weights: \"lp<2,0,1,-1>\", activations: \"lp<4,1,3,auto>\"}\n"
      "    layer2.0.conv1: {weights: int:4, activations: int:8}\n";
  CommandResult r = run(kSmallResNet18 + q);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_TRUE(summary()["verified"].get<bool>());
  int seen = 0;
  for (const Row& l : layers_csv()) {
    const std::string name = l.name, a = l.act, w = l.wgt;
    const int mode = l.mode;
    if (name == "fc") {
      EXPECT_EQ(mode, 8);
      EXPECT_EQ(a.rfind("lp<2,0,1,", 0), 0u) << a;
      EXPECT_NE(a.find("@8"), std::string::npos) << a;  // stored and decoded at MODE 8
      EXPECT_EQ(w.rfind("lp<8,1,3,", 0), 0u) << w;
      ++seen;
    } else if (name == "conv1") {
      EXPECT_EQ(mode, 4);
      EXPECT_EQ(a.rfind("lp<4,0,3,", 0), 0u) << a;
      EXPECT_EQ(w.rfind("lp<4,0,3,", 0), 0u) << w;
      ++seen;
    } else if (name == "layer1.0.conv1") {
      EXPECT_EQ(mode, 4);
      EXPECT_EQ(w, "lp<2,0,1,-1>@4");
      ++seen;
    } else if (name == "layer2.0.conv1") {
      EXPECT_EQ(mode, 8);
      EXPECT_EQ(w.rfind("int<4,", 0), 0u) << w;
      ++seen;
    } else {
      EXPECT_EQ(mode, 8) << name;
      EXPECT_EQ(w.rfind("lp<4,1,2,", 0), 0u) << name << " " << w;
      EXPECT_NE(w.find("@8"), std::string::npos) << w;
    }
    EXPECT_EQ(a.find("auto"), std::string::npos);
    EXPECT_EQ(w.find("auto"), std::string::npos);
  }
  EXPECT_EQ(seen, 4);
  // effective.yaml keeps the mappings and reads back as a workload (same results).
  const std::string eff = slurp(m_dir / "out" / "effective.yaml");
  EXPECT_NE(eff.find("weights: \"lp<4,1,2,auto>\""), std::string::npos) << eff;
  r = run_lpsim("run " + (m_dir / "out" / "effective.yaml").string() + " -q -o " +
                (m_dir / "again").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(m_dir / "out" / "layers.csv"), slurp(m_dir / "again" / "layers.csv"));
}

TEST_F(FormatsWaCli, BadEntries) {
  struct Case {
    std::string q, needle;
  };
  for (const Case& c : {
           Case{"quantization: {default: {weights: \"lp<4,1,2,0>\"}}\n",
                "give both 'weights' and 'activations'"},
           Case{"quantization: {default: {weights: \"lp<4,1,2,0>\", activations: \"lp<8,2,3,0>\", "
                "x: 1}}\n",
                "x"},
           Case{"quantization: {default: {weights: \"lp<4,1,9,auto>\", activations: "
                "\"lp<8,2,3,0>\"}}\n",
                "quantization.default.weights"},
           Case{"quantization: {default: {weights: \"lp<4,1,2,automatic>\", activations: "
                "\"lp<8,2,3,0>\"}}\n",
                "quantization.default.weights"},
           Case{"quantization: {layers: {fc: {weights: int:8, activations: \"lp<8,2,3,0>\"}}}\n",
                "layer 'fc' has LP activations and INT weights"},
           Case{"quantization: {layers: {nope: {weights: int:8, activations: int:8}}}\n",
                "no compute layer named 'nope'"},
           Case{"quantization: {layers: {fc: [1, 2]}}\n", "quantization.layers.fc"},
       }) {
    SCOPED_TRACE(c.q);
    expect_one_line_error(run(kSmallResNet18 + c.q), c.needle);
  }
}

}  // namespace
}  // namespace lpsim::test
