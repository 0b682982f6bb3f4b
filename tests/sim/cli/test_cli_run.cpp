// `lpsim run` end to end through the real binary: every zoo model (reduced), ONNX, SCALE-Sim
// topologies, each dataflow and fidelity, determinism, overrides and the bad-workload corpus.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "run_command.hpp"
#include "run_fixture.hpp"
#include "sw/model/normal_rng.hpp"
#include "tests/support/onnx_builder.hpp"

namespace {

namespace fs = std::filesystem;
using lpsim::test::run_lpsim;
using lpsim::test::slurp;

class RunTest : public lpsim::test::RunFixture {};

const std::string kSmall = "zoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}\n";

TEST_F(RunTest, ReducedResNet18IsVerifiedAndWritesItsFiles) {
  const auto r = run("model: resnet18\n" + kSmall + "accelerator: {rows: 8, cols: 8}\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("verified: yes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("conv1+relu"), std::string::npos);
  EXPECT_NE(r.out.find("layer1.0.conv2+add+relu"), std::string::npos);  // residual fused in the PPU
  const auto s = summary();
  EXPECT_TRUE(s["verified"].get<bool>());
  EXPECT_EQ(s["layers"].size(), 13u);
  std::uint64_t cycles = 0, macs = 0;
  for (const auto& l : s["layers"]) {
    cycles += l["cycles"].get<std::uint64_t>();
    macs += l["macs"].get<std::uint64_t>();
    EXPECT_TRUE(l["verified"].get<bool>()) << l["name"];
  }
  EXPECT_EQ(s["total_cycles"].get<std::uint64_t>(), cycles);
  EXPECT_EQ(s["total_macs"].get<std::uint64_t>(), macs);
  EXPECT_GT(s["accuracy_vs_fp32"]["cosine"].get<double>(), 0.98);
  const std::string csv = slurp(m_dir / "out" / "layers.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 14);  // header + 13 layers
  EXPECT_NE(slurp(m_dir / "out" / "effective.yaml").find("rows: 8"), std::string::npos);
}

TEST_F(RunTest, EveryZooModelRunsVerifiedAtReducedSize) {
  for (const char* m : {"resnet50", "mobilenetv2", "vit_b16"}) {
    const auto r = run(std::string("model: ") + m + "\n" + kSmall + "accelerator: {rows: 8, cols: 8}\n", "", m);
    ASSERT_EQ(r.exit_code, 0) << m << ": " << r.err;
    EXPECT_TRUE(summary(m)["verified"].get<bool>()) << m;
  }
}

TEST_F(RunTest, FidelitiesAgreeForEveryDataflowAndDataflowsDiffer) {
  std::map<std::string, std::uint64_t> total;
  for (const char* df : {"ws", "os", "is"}) {
    for (const char* fid : {"tile", "cycle"}) {
      const std::string out = std::string(df) + "_" + fid;
      const auto r = run("model: resnet18\n" + kSmall + "accelerator: {rows: 4, cols: 8}\n",
                         std::string("--set accelerator.dataflow=") + df + " --set accelerator.fidelity=" + fid, out);
      ASSERT_EQ(r.exit_code, 0) << out << ": " << r.err;
      const auto s = summary(out);
      EXPECT_TRUE(s["verified"].get<bool>()) << out;
      total[out] = s["total_cycles"].get<std::uint64_t>();
      // Identical per-layer results whatever the fidelity.
      if (std::string(fid) == "cycle") {
        EXPECT_EQ(summary(std::string(df) + "_tile")["layers"], s["layers"]) << df;
      }
    }
    EXPECT_EQ(total[std::string(df) + "_tile"], total[std::string(df) + "_cycle"]) << df;
  }
  EXPECT_NE(total["ws_tile"], total["os_tile"]);
  EXPECT_NE(total["ws_tile"], total["is_tile"]);
}

// Issue 13: a conv descriptor carries the whole batch, and the tiler streams every image's bands
// through a resident weight tile (or several whole images per M tile) when that reads fewer DRAM
// bytes. A batch of 4 is verified bit for bit in tile and cycle fidelity (equal results), its
// on-chip convolutions are one layer run of M = 4 out_h out_w, and it reads fewer DRAM bytes per
// inference than a batch of 1; so does a batch of 4 on small buffers, where paired M tiles share
// each weight tile.
TEST_F(RunTest, BatchedConvolutionsShareWeightsAndReadLessDramPerInference) {
  const std::string yaml = "model: resnet18\n" + kSmall + "accelerator: {rows: 8, cols: 8}\n";
  ASSERT_EQ(run(yaml, "", "b1").exit_code, 0);
  std::map<std::string, nlohmann::json> s;
  for (const char* fid : {"tile", "cycle"}) {
    const auto r = run(yaml, std::string("--set input.batch=4 --set accelerator.fidelity=") + fid, fid);
    ASSERT_EQ(r.exit_code, 0) << fid << ": " << r.err;
    s[fid] = summary(fid);
    EXPECT_TRUE(s[fid]["verified"].get<bool>()) << fid;
  }
  EXPECT_EQ(s["tile"]["layers"], s["cycle"]["layers"]);
  EXPECT_EQ(s["tile"]["total_cycles"], s["cycle"]["total_cycles"]);
  const auto one = summary("b1");
  EXPECT_TRUE(one["verified"].get<bool>());
  ASSERT_EQ(one["layers"].size(), s["tile"]["layers"].size());
  for (std::size_t i = 0; i < one["layers"].size(); ++i)
    EXPECT_EQ(s["tile"]["layers"][i]["m"].get<std::uint64_t>(), 4 * one["layers"][i]["m"].get<std::uint64_t>());
  const auto read = [](const nlohmann::json& j) { return j["action_counts"]["dram_read_bytes"].get<std::uint64_t>(); };
  EXPECT_LT(read(s["tile"]), 4 * read(one));  // per inference: fewer than batch 1's
  EXPECT_LT(s["tile"]["energy_per_inference_pj"].get<double>(), one["energy_per_inference_pj"].get<double>());
  EXPECT_LT(s["tile"]["total_cycles"].get<std::uint64_t>(), 4 * one["total_cycles"].get<std::uint64_t>());
  // Small buffers (K split, full bands): paired M tiles, each with its own IB and OB half, share
  // every weight tile; tile and cycle fidelity agree and are verified.
  const std::string small = " --set accelerator.buffers.weight_kb=2 --set accelerator.buffers.input_kb=8"
                            " --set accelerator.buffers.output_kb=4";
  for (const char* fid : {"tile", "cycle"}) {
    const std::string out = std::string("small_") + fid;
    const auto r = run(yaml, std::string("--set input.batch=4 --set accelerator.fidelity=") + fid + small, out);
    ASSERT_EQ(r.exit_code, 0) << out << ": " << r.err;
    EXPECT_TRUE(summary(out)["verified"].get<bool>()) << out;
  }
  EXPECT_EQ(summary("small_tile")["layers"], summary("small_cycle")["layers"]);
  ASSERT_EQ(run(yaml, small, "small_b1").exit_code, 0);
  EXPECT_LT(read(summary("small_tile")), 4 * read(summary("small_b1")));
}

TEST_F(RunTest, SameInputsGiveByteIdenticalOutputs) {
  const std::string yaml = "model: mobilenetv2\n" + kSmall + "input: {seed: 3}\naccelerator: {rows: 8, cols: 4}\n";
  const auto a = run(yaml, "", "a");
  const auto b = run(yaml, "", "b");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  for (const char* f : {"summary.json", "layers.csv", "effective.yaml"})
    EXPECT_EQ(slurp(m_dir / "a" / f), slurp(m_dir / "b" / f)) << f;
  EXPECT_EQ(a.out.substr(0, a.out.rfind("outputs:")), b.out.substr(0, b.out.rfind("outputs:")));
  const auto c = run(yaml, "--set input.seed=4", "c");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_NE(summary("a")["accuracy_vs_fp32"], summary("c")["accuracy_vs_fp32"]);
}

TEST_F(RunTest, MixedPrecisionAndIntegerLayersAreVerified) {
  const auto r = run("model: resnet18\n" + kSmall +
                     "quantization:\n  default: \"lp<8,1,7,0>\"\n  layers:\n"
                     "    layer1.0.conv1: \"lp<4,1,3,0>\"\n    layer2.0.conv1: \"lp<2,0,1,0>\"\n"
                     "accelerator: {rows: 8, cols: 8}\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = summary();
  EXPECT_TRUE(s["verified"].get<bool>());
  std::map<std::string, int> mode;
  for (const auto& l : s["layers"]) mode[l["name"].get<std::string>()] = l["mode"].get<int>();
  EXPECT_EQ(mode["layer1.0.conv1"], 4);
  EXPECT_EQ(mode["layer2.0.conv1"], 2);
  EXPECT_EQ(mode["conv1"], 8);
  const auto i = run("model: resnet18\n" + kSmall + "quantization: {default: \"int:8\"}\naccelerator: {rows: 8, cols: 8}\n",
                     "", "int8");
  ASSERT_EQ(i.exit_code, 0) << i.err;
  EXPECT_TRUE(summary("int8")["verified"].get<bool>());
  EXPECT_GT(summary("int8")["accuracy_vs_fp32"]["cosine"].get<double>(), 0.98);
}

TEST_F(RunTest, OnnxModelBuiltInTheTestRunsVerified) {
  using lpsim::test::OnnxBuilder;
  OnnxBuilder b;
  b.input("x", {-1, 3, 12, 12});
  lpsim::model::NormalRng rng(5);
  auto randn = [&](std::size_t n, double sd) {
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(sd * rng.normal());
    return v;
  };
  b.init("w1", {8, 3, 3, 3}, randn(8 * 27, 0.3));
  b.init("b1", {8}, randn(8, 0.1));
  auto& conv = b.node("Conv", "conv1", {"x", "w1", "b1"}, {"c1"});
  OnnxBuilder::ints(conv, "pads", {1, 1, 1, 1});
  OnnxBuilder::ints(conv, "strides", {2, 2});
  b.node("Relu", "relu1", {"c1"}, {"r1"});
  b.node("GlobalAveragePool", "gap", {"r1"}, {"g"});
  b.node("Flatten", "flat", {"g"}, {"f"});
  b.init("w2", {5, 8}, randn(40, 0.4));
  b.init("b2", {5}, randn(5, 0.1));
  auto& gemm = b.node("Gemm", "fc", {"f", "w2", "b2"}, {"y"});
  OnnxBuilder::int1(gemm, "transB", 1);
  b.output("y");
  std::ofstream(m_dir / "tiny.onnx", std::ios::binary) << slurp(b.save("run_tiny.onnx"));
  const auto r = run("onnx: tiny.onnx\ninput: {batch: 2}\naccelerator: {rows: 4, cols: 4}\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = summary();
  EXPECT_TRUE(s["verified"].get<bool>());
  ASSERT_EQ(s["layers"].size(), 2u);
  EXPECT_EQ(s["layers"][0]["name"], "conv1");
  EXPECT_EQ(s["layers"][0]["fused"], "relu");
  EXPECT_EQ(s["layers"][0]["m"], 2 * 6 * 6);  // batch 2, 6x6 outputs
  EXPECT_EQ(s["layers"][1]["name"], "fc");
}

TEST_F(RunTest, ScaleSimTopologyRunsAsIndependentLayers) {
  const std::string topo = std::string(LPSIM_TEST_DATA_DIR) + "/scalesim/tiny_4x4/tiny.csv";
  const auto r = run("topology: " + topo + "\naccelerator: {rows: 4, cols: 4}\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = summary();
  EXPECT_TRUE(s["verified"].get<bool>());
  ASSERT_EQ(s["layers"].size(), 1u);
  EXPECT_EQ(s["layers"][0]["macs"], 4 * 4 * 8 * 6);  // 4x4 outputs, 2x2x2 window, 6 filters
}

TEST_F(RunTest, UnwritableOutputDirectoryIsAnErrorBeforeSimulating) {
  const std::string wl = write("w.yaml", "model: resnet18\n" + kSmall);
  const auto r = run_lpsim("run " + wl + " -q -o /proc/lpsim-cannot-write-here");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");  // nothing simulated, nothing printed
  EXPECT_NE(r.err.find("lpsim: error: /proc/lpsim-cannot-write-here: cannot create the output directory"),
            std::string::npos) << r.err;
}

TEST_F(RunTest, OnnxWithAnUnsupportedOpNamesTheNodeAndExitsTwo) {
  using lpsim::test::OnnxBuilder;
  OnnxBuilder b;
  b.input("x", {1, 4});
  b.init("w", {3, 4}, std::vector<float>(12, 0.5f));
  auto& gemm = b.node("Gemm", "fc", {"x", "w"}, {"h"});
  OnnxBuilder::int1(gemm, "transB", 1);
  b.node("Softplus", "gate", {"h"}, {"y"});
  b.output("y");
  std::ofstream(m_dir / "sig.onnx", std::ios::binary) << slurp(b.save("run_softplus.onnx"));
  const auto r = run("onnx: sig.onnx\n", "", "sig_out");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("sig.onnx: unsupported ops: Softplus \u00d71 ('gate')\n"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(m_dir / "sig_out"));
}

struct Bad {
  std::string yaml, extra, needle;
};

TEST_F(RunTest, BadWorkloadsExitTwoWithOneLineAndNoOutputDirectory) {
  const std::vector<Bad> corpus = {
      {"model: resnet19\n", "", "w.yaml:1: model: unknown zoo model 'resnet19' (known: "},
      {"model: resnet18\n" + kSmall + "quantization: {layers: {conv9: \"lp<8,2,3,0>\"}}\n", "",
       "w.yaml:3: quantization.layers.conv9: the model has no compute layer named 'conv9'"},
      {"model: resnet18\n" + kSmall + "quantization: {default: \"posit<8,1>\", layers: {fc: {weights: \"int8\", activations: \"posit<8,1>\"}}}\n", "",
       "layer 'fc' has posit activations and int weights; both operands of a layer must select the same PE type"},
      {"model: resnet18\n" + kSmall + "quantization: {default: \"lp<6,1,3,0>\"}\n", "",
       "format 'lp<6,1,3,0>' is 6 bits; the array's MODEs are 8, 4 and 2"},
      {"model: resnet18\n" + kSmall + "accelerator: {buffers: {weight_kb: 1, input_kb: 1, output_kb: 1}, rows: 64}\n", "",
       "cannot be tiled"},
      {"onnx: nowhere.onnx\n", "", "w.yaml:1: onnx: file '"},
      {"model: resnet18\n", "--set accelerator.rows=0", "--set accelerator.rows=0: accelerator.rows: value 0 is out of range"},
      {"model: resnet18\ninput: {npy: bad.npy}\n", "", "bad.npy: not a .npy file"},
      {"model: resnet18\ninput: {batch: 1024}\n", "", "input.batch: this run needs about"},
  };
  write("bad.npy", "this is not numpy");
  for (const Bad& b : corpus) {
    const auto r = run(b.yaml, b.extra, "bad_out");
    EXPECT_EQ(r.exit_code, 2) << b.yaml << r.err;
    EXPECT_EQ(r.err.rfind("lpsim: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(b.needle), std::string::npos) << "want: " << b.needle << "\ngot: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(m_dir / "bad_out")) << b.yaml;
  }
}

}  // namespace
