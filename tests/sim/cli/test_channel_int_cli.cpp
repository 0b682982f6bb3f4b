// INT weights with per-output-channel scales ("int:N,channel") through the simulated
// accelerator: the PPU's CHSCALE vector (loaded with the bias by DMA) applied per column, every
// layer bit-exact against sw/ref in tile and cycle fidelity, analytic equal to tile, the digits
// CNN's top-1 at 4 bits better than with one power-of-two scale per tensor; bad texts are one
// error line, exit 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "run_fixture.hpp"

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;

class ChannelIntCli : public RunFixture {
 protected:
  // layers.csv column `col` of every layer, by name.
  std::vector<std::pair<std::string, std::string>> column(const std::string& out, int col) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& f : csv_rows(m_dir / out / "layers.csv"))
      rows.emplace_back(f.at(0), f.at(static_cast<std::size_t>(col)));
    return rows;
  }
};

const std::string kChannel8 =
    "quantization:\n"
    "  default: {weights: \"int:8,channel\", activations: int8}\n"
    "  layers:\n"
    "    conv1: \"int<4,channel>\"\n"  // one text for both: activations take int<4>
    "    fc: {weights: \"int:4,channel\", activations: int:8}\n";  // MODE 8, weights stored wider

TEST_F(ChannelIntCli, RunsBitExactInTileAndCycleFidelity) {
  CommandResult r = run(kSmallResNet18 + kChannel8, "--set accelerator.fidelity=tile", "tile");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_TRUE(summary("tile")["verified"].get<bool>());
  for (const auto& [name, w] : column("tile", 8)) {
    if (name == "conv1")
      EXPECT_EQ(w, "int<4,channel>");
    else if (name == "fc")
      EXPECT_EQ(w, "int<4,channel>@8");
    else
      EXPECT_EQ(w, "int<8,channel>") << name;
  }
  for (const auto& [name, a] : column("tile", 7)) {
    EXPECT_EQ(a.rfind("int<", 0), 0u) << name << " " << a;
    EXPECT_EQ(a.find("channel"), std::string::npos) << name << " " << a;  // per tensor
  }
  r = run(kSmallResNet18 + kChannel8, "--set accelerator.fidelity=cycle", "cycle");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_TRUE(summary("cycle")["verified"].get<bool>());
  // Cycle fidelity: the same bits and cycles.
  EXPECT_EQ(summary("tile")["accuracy_vs_fp32"], summary("cycle")["accuracy_vs_fp32"]);
  EXPECT_EQ(summary("tile")["total_cycles"], summary("cycle")["total_cycles"]);
}

TEST_F(ChannelIntCli, CostsTheScaleVectorAndAnalyticAgrees) {
  // The same layers with per-tensor scales: the per-channel run loads 4 bytes more per output
  // channel and layer run (the scale vector follows the bias in one DMA job).
  const std::string per_tensor =
      "quantization:\n  default: int8\n  layers:\n    conv1: int4\n"
      "    fc: {weights: int:4, activations: int:8}\n";
  ASSERT_EQ(run(kSmallResNet18 + per_tensor, "", "tensor").exit_code, 0);
  ASSERT_EQ(run(kSmallResNet18 + kChannel8, "", "channel").exit_code, 0);
  const auto t = summary("tensor"), c = summary("channel");
  EXPECT_TRUE(c["verified"].get<bool>());
  const auto& ct = t["action_counts"];
  const auto& cc = c["action_counts"];
  ASSERT_TRUE(ct.contains("dram_read_bytes")) << t.dump();
  EXPECT_GT(cc["dram_read_bytes"].get<double>(), ct["dram_read_bytes"].get<double>());
  EXPECT_EQ(cc["ppu_mults"], ct["ppu_mults"]);  // one multiply per element either way
  // Analytic fidelity: the same cycles and energy as tile.
  ASSERT_EQ(run(kSmallResNet18 + kChannel8, "--set accelerator.fidelity=analytic", "analytic")
                .exit_code,
            0);
  const auto a = summary("analytic");
  EXPECT_EQ(a["total_cycles"], c["total_cycles"]);
  EXPECT_EQ(a["action_counts"], c["action_counts"]);
  EXPECT_EQ(a["energy_pj"], c["energy_pj"]);
  EXPECT_EQ(column("analytic", 8), column("channel", 8));
}

TEST_F(ChannelIntCli, DigitsTop1AtFourBitsBeatsPerTensorScales) {
  const fs::path ex = fs::path(LPSIM_SOURCE_DIR) / "examples" / "digits";
  auto wl = [&](const std::string& w) {
    return "name: digits\nonnx: " + (ex / "digits.onnx").string() +
           "\ninput: {batch: 500, npy: " + (ex / "test_x.npy").string() +
           ", labels: " + (ex / "test_y.npy").string() +
           "}\nquantization:\n  default: {weights: \"" + w + "\", activations: int8}\n";
  };
  ASSERT_EQ(run(wl("int:4,channel"), "", "channel").exit_code, 0);
  ASSERT_EQ(run(wl("int:4"), "", "tensor").exit_code, 0);
  const auto c = summary("channel"), t = summary("tensor");
  EXPECT_TRUE(c["verified"].get<bool>());
  const double top_c = c["top1"]["accelerator"].get<double>(), top_t = t["top1"]["accelerator"].get<double>();
  EXPECT_GE(top_c, 99.0) << top_c;
  EXPECT_GT(top_c, top_t) << top_c << " vs " << top_t;
}

TEST_F(ChannelIntCli, BadTexts) {
  struct Case {
    std::string q, needle;
  };
  for (const Case& c : {
           Case{"quantization: {default: \"int:8,chanel\"}\n", "quantization.default"},
           Case{"quantization: {default: \"int:8,channel,1\"}\n", "int:N,channel"},
           Case{"quantization: {default: \"int<3,channel>\"}\n", "MODEs are 8, 4 and 2"},
           Case{"quantization: {default: {weights: \"int:8,channel\", activations: \"lp<8,2,3,0>\"}}\n",
                "LP activations and INT weights"},
           Case{"quantization: {layers: {fc: {weights: \"lp<8,2,3,channel>\", activations: int8}}}\n",
                "quantization.layers.fc.weights"},
       }) {
    SCOPED_TRACE(c.q);
    expect_one_line_error(run(kSmallResNet18 + c.q), c.needle);
  }
}

}  // namespace
}  // namespace lpsim::test
