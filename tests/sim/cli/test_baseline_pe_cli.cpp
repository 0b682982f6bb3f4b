// `lpsim run` on the baseline PE types (issue 13): a reduced zoo model per PE type in tile and
// cycle fidelity, verified bit for bit against sw/ref layer by layer; analytic fidelity times
// and costs them; mixed posit-2/4/8; bad format strings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "run_fixture.hpp"

namespace {

namespace fs = std::filesystem;
using lpsim::test::slurp;

class BaselinePeRun : public lpsim::test::RunFixture {};

const std::string kSmall =
    "zoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}\n"
    "accelerator: {rows: 8, cols: 8}\n";

struct PeCase {
  const char* pe;       // the PE type the formats select (names the outputs)
  const char* quant;    // the quantization section
  const char* mac_key;  // the MAC kind charged
  double min_cosine;    // accuracy floor vs FP32 (none for the posit-2 classifier)
};

const PeCase kPes[] = {
    {"posit", "quantization: {default: \"posit:8,1\"}\n", "posit8", 0.9},
    {"adaptivfloat", "quantization: {default: \"af:8,3\"}\n", "af8", 0.9},
    {"fp8", "quantization: {default: \"fp8_e4m3\", layers: {fc: \"fp8_e5m2\"}}\n", "fp8", 0.9},
    {"ant", "quantization: {default: \"ant:8\"}\n", "ant8", 0.9},
    {"ant", "quantization: {default: \"ant:4\", layers: {conv1: \"ant:8\", fc: \"flint:8\"}}\n",
     "ant4", 0.3},
    {"posit",
     "quantization: {default: \"posit:4,1\", layers: {conv1: \"posit:8,1\", fc: \"posit:2,0\"}}\n",
     "posit2", -1},
};

TEST_F(BaselinePeRun, EveryPeTypeRunsVerifiedInTileAndCycleFidelityWithEqualResults) {
  int i = 0;
  for (const PeCase& c : kPes) {
    std::map<std::string, nlohmann::json> s;
    for (const char* fid : {"tile", "cycle"}) {
      const std::string out = std::string(c.pe) + std::to_string(i) + "_" + fid;
      const auto r = run("model: resnet18\n" + kSmall + c.quant,
                         std::string("--set accelerator.fidelity=") + fid, out);
      ASSERT_EQ(r.exit_code, 0) << c.quant << r.err;
      s[fid] = summary(out);
      EXPECT_TRUE(s[fid]["verified"].get<bool>()) << c.quant << fid;
      for (const auto& l : s[fid]["layers"])
        EXPECT_TRUE(l["verified"].get<bool>()) << c.quant << l["name"];
      EXPECT_GT(s[fid]["accuracy_vs_fp32"]["cosine"].get<double>(), c.min_cosine) << c.quant << fid;
      EXPECT_GT(s[fid]["action_counts"]["lane_macs"][c.mac_key].get<std::uint64_t>(), 0u)
          << c.quant << s[fid].dump();
    }
    EXPECT_EQ(s["tile"]["total_cycles"], s["cycle"]["total_cycles"]) << c.quant;
    EXPECT_EQ(s["tile"]["energy_pj"], s["cycle"]["energy_pj"]) << c.quant;
    EXPECT_EQ(s["tile"]["accuracy_vs_fp32"], s["cycle"]["accuracy_vs_fp32"]) << c.quant;
    // Analytic fidelity: tile's timing and energy without values.
    const std::string aout = std::string(c.pe) + std::to_string(i) + "_analytic";
    const auto ra =
        run("model: resnet18\n" + kSmall + c.quant, "--set accelerator.fidelity=analytic", aout);
    ASSERT_EQ(ra.exit_code, 0) << c.quant << ra.err;
    const auto sa = summary(aout);
    EXPECT_EQ(sa["total_cycles"], s["tile"]["total_cycles"]) << c.quant;
    EXPECT_EQ(sa["energy_pj"], s["tile"]["energy_pj"]) << c.quant;
    ++i;
  }
}

TEST_F(BaselinePeRun, PeTypesDifferInEnergyAndArea) {
  std::map<std::string, double> energy, area;
  for (const char* q : {"lp<8,2,3,0>", "int8", "posit:8,1", "af:8,3", "fp8_e4m3", "ant:8"}) {
    const std::string out = std::string("o") + std::to_string(energy.size());
    const auto r = run("model: resnet18\n" + kSmall + "quantization: {default: \"" + q + "\"}\n",
                       "--set accelerator.fidelity=analytic", out);
    ASSERT_EQ(r.exit_code, 0) << q << r.err;
    const auto s = summary(out);
    energy[q] = s["energy_pj"].get<double>();
    area[q] = s["area_mm2"].get<double>();
  }
  EXPECT_LT(area["lp<8,2,3,0>"], area["af:8,3"]);
  EXPECT_LT(area["ant:8"], area["af:8,3"]);
  EXPECT_NE(energy["posit:8,1"], energy["ant:8"]);
  EXPECT_NE(energy["fp8_e4m3"], energy["int8"]);
}

TEST_F(BaselinePeRun, BadBaselineFormatsExitTwoWithOneLine) {
  std::vector<std::pair<std::string, std::string>> corpus = {
      {"quantization: {default: \"ant:6\"}\n", "ANT's int/flint types are 4 or 8 bits"},
      {"quantization: {default: \"flint:9\"}\n", "flint parameter n=9 is out of range 3..8"},
      {"quantization: {default: \"posit:16,1\"}\n", "is 16 bits; the array's MODEs are 8, 4 and 2"},
      {"quantization: {layers: {fc: {weights: \"posit:8,1\", activations: \"af:8,3\"}}}\n",
       "layer 'fc' has adaptivfloat activations and posit weights"},
      {"quantization: {layers: {fc: {weights: \"af:4,2\", activations: \"af:8,3\"}}}\n",
       "only LP, INT and posit operands widen exactly"},
      // posit<8,4> (403 bits) runs on the wide exact accumulator now (test_wide_acc_cli); a
      // small_float accumulator on a grid wider than 127 bits is still refused.
      {"quantization: {default: \"lp<8,4,7,0>\"}\n", "cannot run with this accelerator.datapath: pe: the small_float accumulator for lp<8,4,7,0> x lp<8,4,7,0> with lin_frac_bits=8 and max_k=65536 needs 411 bits > 127 (wider grids: the exact accumulator only)"},
      {"quantization: {default: \"fp8:e3m4\"}\n", "expected fp8:e4m3 or fp8:e5m2"},
  };
  // accelerator.datapath: the baseline PE types accumulate exactly, K tiles included (the
  // error names the datapath key, the PE type and the layer; DatapathKeysTheyDoNotModel below).
  corpus.push_back({"quantization: {default: \"posit:8,1\"}\n",
                    "accelerator.datapath.accumulator: small_float is not modelled for the posit PE of layer 'conv1'"});
  corpus.push_back({"quantization: {default: \"fp8_e4m3\"}\n",
                    "accelerator.datapath.psum.format: small_float is not modelled for the fp8 PE of layer 'conv1'"});
  const std::vector<std::string> extra = {"",
                                          "",
                                          "",
                                          "",
                                          "",
                                          "--set accelerator.datapath.accumulator=small_float",
                                          "",
                                          "--set accelerator.datapath.accumulator=small_float",
                                          "--set accelerator.datapath.psum.format=small_float"};
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const auto& [yaml, needle] = corpus[i];
    const auto r = run("model: resnet18\n" + kSmall + yaml, extra[i], "bad_out");
    EXPECT_EQ(r.exit_code, 2) << yaml << r.err;
    EXPECT_EQ(r.err.rfind("lpsim: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << "want: " << needle << "\ngot: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(m_dir / "bad_out")) << yaml;
  }
}

// A non-exact accumulator or small-float partial sums on a baseline PE type: one line naming
// the datapath key, the PE type, the layer and its formats, exit 2, before anything runs (it
// used to surface from the tiling check as "accelerator.buffers: ... cannot be tiled"). Every
// baseline PE type, in a workload file and through --set, and for a layer of its own.
TEST_F(BaselinePeRun, DatapathKeysTheyDoNotModelAreNamed) {
  struct Case {
    std::string quant, datapath, extra, needle;
  };
  const std::string acc = "accelerator.datapath.accumulator: ";
  const std::string psum = "accelerator.datapath.psum.format: ";
  const std::vector<Case> cases = {
      {"{default: \"posit:8,1\"}", "", "--set accelerator.datapath.accumulator=small_float",
       "--set accelerator.datapath.accumulator=small_float: " + acc +
           "small_float is not modelled for the posit PE of layer 'conv1' (posit:8,1 activations, "
           "posit:8,1 weights): the posit, adaptivfloat, fp8 and ant PEs accumulate exactly"},
      {"{default: \"af:8,3\"}", "{accumulator: narrow}", "",
       "w.yaml:6: " + acc +
           "narrow is not modelled for the adaptivfloat PE of layer 'conv1' (af:8,3"},
      {"{default: \"fp8_e5m2\"}", "", "--set accelerator.datapath.accumulator=narrow",
       acc + "narrow is not modelled for the fp8 PE of layer 'conv1'"},
      {"{default: \"ant:4\"}", "{accumulator: small_float, small_float: {fraction_bits: 4}}", "",
       acc + "small_float is not modelled for the ant PE of layer 'conv1' (ant:4"},
      {"{default: int8, layers: {fc: \"posit:8,1\"}}", "{accumulator: small_float}", "",
       acc + "small_float is not modelled for the posit PE of layer 'fc' (posit:8,1"},
      {"{default: \"ant:8\"}", "{psum: {format: small_float}}",
       "--set accelerator.fidelity=analytic",
       psum + "small_float is not modelled for the ant PE of layer 'conv1'"},
      {"{default: \"af:8,3\"}", "", "--set accelerator.datapath.psum.format=small_float",
       psum + "small_float is not modelled for the adaptivfloat PE of layer 'conv1'"},
      // LP whose grid is wider than 127 bits: exact runs, small_float is refused by this key.
      {"{default: \"lp<8,3,5,0>\"}", "", "--set accelerator.datapath.accumulator=small_float",
       acc + "the lp PE of layer 'conv1' (lp<8,3,5,0> activations, lp<8,3,5,0> weights) cannot run "
             "with this accelerator.datapath: pe: the small_float accumulator"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.quant + " " + c.datapath + " " + c.extra);
    const std::string zoo = kSmall.substr(0, kSmall.find("accelerator:"));
    std::string yaml = "model: resnet18\n" + kSmall + "quantization: " + c.quant + "\n";
    if (!c.datapath.empty())  // the datapath on line 6 of the file
      yaml = "model: resnet18\n" + zoo + "quantization: " + c.quant +
             "\naccelerator:\n  rows: 8\n  datapath: " + c.datapath + "\n";
    const auto r = run(yaml, c.extra);
    expect_one_line_error(r, c.needle);
    EXPECT_EQ(r.err.find("cannot be tiled"), std::string::npos) << r.err;
  }
  // The same settings on LP and INT layers run (and are verified).
  for (const std::string q : {"int8", "\"lp<8,2,3,0>\""}) {
    const auto r = run("model: resnet18\n" + kSmall + "quantization: {default: " + q + "}\n",
                       "--set accelerator.datapath.accumulator=narrow", "ok");
    ASSERT_EQ(r.exit_code, 0) << q << r.err;
    EXPECT_TRUE(summary("ok")["verified"].get<bool>()) << q;
  }
}

}  // namespace
