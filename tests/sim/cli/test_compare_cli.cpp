// `lpsim compare` end to end (docs/paper-comparison.md): compare.csv's columns and one row per
// PE type, normalisation (AdaptivFloat = 1 when it is compared, else the first row), each row
// equal to `lpsim run` of that PE type's formats, byte-identical outputs for any thread count,
// compare.html's charts, and bad input: one error line, exit 2, nothing written.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "run_fixture.hpp"

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;

// compare.csv as one map per row (the fields have no embedded newlines; quoted fields may hold
// commas).
struct Csv {
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
};

Csv read_csv(const fs::path& p) {
  Csv c;
  std::istringstream in(slurp(p));
  std::string line;
  std::getline(in, line);
  c.header = csv_fields(line);
  while (std::getline(in, line)) {
    const auto f = csv_fields(line);
    EXPECT_EQ(f.size(), c.header.size()) << line;
    std::map<std::string, std::string> m;
    for (std::size_t i = 0; i < f.size() && i < c.header.size(); ++i) m[c.header[i]] = f[i];
    c.rows.push_back(m);
  }
  return c;
}

double num(const std::string& s) {
  return std::stod(s);
}

class CompareCli : public RunFixture {
 protected:
  CommandResult compare(const std::string& yaml, const std::string& out, const std::string& extra) {
    const std::string wl = write("w.yaml", yaml);
    return run_lpsim_with("cd '" + m_dir.string() + "' && timeout 120 ",
                          "compare " + wl + " -q -o " + (m_dir / out).string() + " " + extra);
  }
  void expect_error(const CommandResult& r, const std::string& needle) { expect_one_line_error(r, needle); }
};

TEST_F(CompareCli, RowsColumnsNormalisationAndDeterminism) {
  const CommandResult a = compare(kSmallResNet18, "a", "--pe lp,int,bitfusion --threads 1");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const CommandResult b = compare(kSmallResNet18, "b", "--pe lp,int,bitfusion --threads 2");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  for (const char* f : {"compare.csv", "compare.html"})
    EXPECT_EQ(slurp(m_dir / "a" / f), slurp(m_dir / "b" / f)) << f;
  EXPECT_TRUE(fs::exists(m_dir / "a" / "lpsim-run.json"));

  const Csv c = read_csv(m_dir / "a" / "compare.csv");
  for (const char* col :
       {"pe", "total_cycles", "latency_ms", "energy_pj", "latency_norm", "energy_norm", "norm_to",
        "compute_area_mm2", "tops_per_mm2", "tops_per_w", "rmse_vs_fp32", "top1",
        "paper_latency_norm", "paper_energy_norm", "paper_compute_area_mm2", "paper_gops"})
    EXPECT_NE(std::find(c.header.begin(), c.header.end(), col), c.header.end()) << col;
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_EQ(c.rows[0].at("pe"), "lp");
  EXPECT_EQ(c.rows[1].at("pe"), "int");
  EXPECT_EQ(c.rows[2].at("pe"), "bitfusion");
  // No AdaptivFloat row: normalised to the first row.
  for (const auto& r : c.rows) {
    EXPECT_EQ(r.at("norm_to"), "lp");
    EXPECT_NEAR(num(r.at("latency_norm")),
                num(r.at("latency_ms")) / num(c.rows[0].at("latency_ms")), 1e-12);
    EXPECT_NEAR(num(r.at("energy_norm")), num(r.at("energy_pj")) / num(c.rows[0].at("energy_pj")),
                1e-12);
    EXPECT_EQ(r.at("verified"), "yes");
    EXPECT_GT(num(r.at("rmse_vs_fp32")), 0.0);
    EXPECT_GT(num(r.at("compute_area_mm2")), 0.0);
  }
  EXPECT_EQ(c.rows[0].at("latency_norm"), "1");
  // BitFusion's 8/4 rule: the first and last layers at 8 bits, the 11 others at 4 (2 lanes):
  // fewer cycles than INT8 everywhere on the same array.
  EXPECT_EQ(c.rows[2].at("layer_modes"), "8b:2 4b:11");
  EXPECT_EQ(c.rows[1].at("layer_modes"), "8b:13");
  EXPECT_LT(num(c.rows[2].at("total_cycles")), num(c.rows[1].at("total_cycles")));
  // Reduced model: none of the paper's per-model figures, but its compute area / throughput.
  EXPECT_EQ(c.rows[0].at("paper_latency_norm"), "");
  EXPECT_EQ(c.rows[0].at("paper_compute_area_mm2"), "0.0121");
  EXPECT_EQ(c.rows[2].at("paper_gops"), "44");

  const std::string html = slurp(m_dir / "a" / "compare.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_GE(std::count(html.begin(), html.end(), '<') - 0, 1);
  std::size_t svgs = 0;
  for (std::size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1))
    ++svgs;
  EXPECT_GE(svgs, 7u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  for (const char* pe : {">lp<", ">int<", ">bitfusion<"})
    EXPECT_NE(html.find(pe), std::string::npos);

  // The console: a header line, the table, one line per PE type's formats, the outputs.
  EXPECT_NE(a.out.find("lpsim compare: w (resnet18) on 8x8 ws, tile fidelity, 500 MHz"),
            std::string::npos)
      << a.out;
  EXPECT_NE(a.out.find("bitfusion: int8 first/last, int4 others"), std::string::npos) << a.out;
}

// The default list is the paper's set; the rows are normalised to AdaptivFloat = 1.
TEST_F(CompareCli, DefaultListNormalisedToAdaptivFloat) {
  const CommandResult a = compare(kSmallResNet18, "a", "");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const Csv c = read_csv(m_dir / "a" / "compare.csv");
  ASSERT_EQ(c.rows.size(), 5u);
  const std::vector<std::string> pes = {"lp", "ant", "bitfusion", "adaptivfloat", "posit"};
  for (std::size_t i = 0; i < pes.size(); ++i) EXPECT_EQ(c.rows[i].at("pe"), pes[i]);
  const auto& af = c.rows[3];
  EXPECT_EQ(af.at("latency_norm"), "1");
  EXPECT_EQ(af.at("energy_norm"), "1");
  for (const auto& r : c.rows) {
    SCOPED_TRACE(r.at("pe"));
    EXPECT_EQ(r.at("norm_to"), "adaptivfloat");
    EXPECT_NEAR(num(r.at("latency_norm")), num(r.at("latency_ms")) / num(af.at("latency_ms")),
                1e-12);
    EXPECT_NEAR(num(r.at("energy_norm")), num(r.at("energy_pj")) / num(af.at("energy_pj")), 1e-12);
    EXPECT_EQ(r.at("verified"), "yes");
  }
  EXPECT_EQ(c.rows[1].at("layer_modes"), "8b:2 4b:11");  // ANT's 8/4 rule
  EXPECT_EQ(c.rows[4].at("layer_modes"), "8b:13");
  EXPECT_EQ(af.at("paper_compute_area_mm2"), "0.0234");
  EXPECT_NE(a.out.find("normalised to adaptivfloat = 1"), std::string::npos) << a.out;
  // The same comparison with the rows in another order: the same figures per PE type.
  const CommandResult b = compare(kSmallResNet18, "b", "--pe posit,adaptivfloat");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const Csv d = read_csv(m_dir / "b" / "compare.csv");
  ASSERT_EQ(d.rows.size(), 2u);
  EXPECT_EQ(d.rows[0].at("latency_norm"), c.rows[4].at("latency_norm"));
  EXPECT_EQ(d.rows[0].at("energy_pj"), c.rows[4].at("energy_pj"));
  EXPECT_EQ(d.rows[0].at("rmse_vs_fp32"), c.rows[4].at("rmse_vs_fp32"));
}

// Each row is what `lpsim run` gives for that PE type's formats on the same workload.
TEST_F(CompareCli, RowsEqualLpsimRunOfEachPeType) {
  const CommandResult a = compare(kSmallResNet18, "a", "--pe int,lp");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const Csv c = read_csv(m_dir / "a" / "compare.csv");
  ASSERT_EQ(c.rows.size(), 2u);
  const CommandResult r = run(kSmallResNet18 + "quantization: {default: int8}\n", "", "int");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json s = summary("int");
  EXPECT_EQ(c.rows[0].at("total_cycles"), std::to_string(s["total_cycles"].get<std::uint64_t>()));
  EXPECT_DOUBLE_EQ(num(c.rows[0].at("energy_pj")), s["energy_pj"].get<double>());
  const CommandResult l = run(kSmallResNet18, "", "lp");
  ASSERT_EQ(l.exit_code, 0) << l.err;
  EXPECT_EQ(c.rows[1].at("total_cycles"),
            std::to_string(summary("lp")["total_cycles"].get<std::uint64_t>()));
  EXPECT_EQ(c.rows[0].at("norm_to"), "int");
}

// Analytic fidelity (--set for every PE type): timing and energy equal tile fidelity's, no
// accuracy and no check.
TEST_F(CompareCli, AnalyticFidelityHasTimingButNoAccuracy) {
  const CommandResult t = compare(kSmallResNet18, "t", "--pe lp,bitfusion");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const CommandResult a =
      compare(kSmallResNet18, "a", "--pe lp,bitfusion --set accelerator.fidelity=analytic");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const Csv ct = read_csv(m_dir / "t" / "compare.csv");
  const Csv ca = read_csv(m_dir / "a" / "compare.csv");
  ASSERT_EQ(ca.rows.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(ca.rows[i].at("total_cycles"), ct.rows[i].at("total_cycles"));
    EXPECT_EQ(ca.rows[i].at("energy_pj"), ct.rows[i].at("energy_pj"));
    EXPECT_EQ(ca.rows[i].at("rmse_vs_fp32"), "");
    EXPECT_EQ(ca.rows[i].at("verified"), "");
  }
}

// A full-size paper model selects the paper's figures (analytic: milliseconds).
TEST_F(CompareCli, PaperFiguresOfResNet50) {
  const CommandResult a = compare(
      "model: resnet50\naccelerator: {fidelity: analytic}\nquantization: {default: "
      "\"lp<8,2,3,0>\"}\n",
      "a", "--pe lp,bitfusion,lp-mixed");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const Csv c = read_csv(m_dir / "a" / "compare.csv");
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_EQ(c.rows[0].at("paper_latency_norm"), "0.24");
  EXPECT_EQ(c.rows[0].at("paper_energy_norm"), "0.48");
  EXPECT_EQ(c.rows[0].at("paper_ablation"), "LPA-8");  // LP8 everywhere
  EXPECT_EQ(c.rows[0].at("paper_top1"), "77.7");
  EXPECT_EQ(c.rows[1].at("paper_latency_norm"), "0.58");
  EXPECT_EQ(c.rows[1].at("paper_energy_norm"), "0.6");
  EXPECT_EQ(c.rows[2].at("paper_ablation"), "LPA-2/4/8");  // mixed precision
  EXPECT_EQ(c.rows[2].at("paper_tops_per_mm2"), "16.9");
}

// ViT-B's attention GEMMs (N = 197 tokens) cannot be tiled at 4 bits (197 x 4 bits is not a
// whole number of bytes): those layers of a mixed PE type run at its 8-bit format, and the row
// says how many; the paper's ViT-B figures are selected (analytic: milliseconds).
TEST_F(CompareCli, LayersThatCannotTileAtFourBitsRunAtEight) {
  const CommandResult a =
      compare("model: vit_b16\naccelerator: {fidelity: analytic}\n", "a", "--pe bitfusion,lp");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const Csv c = read_csv(m_dir / "a" / "compare.csv");
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[0].at("formats"),
            "int8 first/last, int4 others (12 more at int8: cannot be tiled at the low width)");
  EXPECT_EQ(c.rows[0].at("paper_latency_norm"), "0.85");
  EXPECT_EQ(c.rows[1].at("paper_energy_norm"), "0.5");
  EXPECT_NE(c.rows[0].at("layer_modes").find("8b:14"), std::string::npos)
      << c.rows[0].at("layer_modes");
}

// MobileNetV2's depthwise convolutions at 4 bits (one output channel is half a byte): the tiler
// packs an even number of channels per tile, so the 4-bit PE types run them at 4 bits, bit-exact
// in tile and cycle fidelity, instead of failing or falling back to 8 bits.
TEST_F(CompareCli, FourBitDepthwiseConvolutionsRunAtFourBits) {
  const std::string mb =
      "model: mobilenetv2\nzoo: {input_size: 32, width_divisor: 4, num_classes: 10}\n"
      "accelerator: {rows: 8, cols: 8}\n";
  for (const std::string fidelity : {"tile", "cycle"}) {
    const CommandResult a =
        compare(mb, fidelity, "--pe bitfusion,ant --set accelerator.fidelity=" + fidelity);
    ASSERT_EQ(a.exit_code, 0) << a.err;
    const Csv c = read_csv(m_dir / fidelity / "compare.csv");
    ASSERT_EQ(c.rows.size(), 2u);
    for (const auto& row : c.rows) {
      EXPECT_EQ(row.at("formats").find("more at"), std::string::npos) << row.at("formats");
      EXPECT_EQ(row.at("verified"), "yes") << fidelity;
      EXPECT_EQ(row.at("layer_modes").rfind("8b:2 4b:", 0), 0u) << row.at("layer_modes");
    }
  }
}

TEST_F(CompareCli, BadInputIsOneErrorLine) {
  expect_error(compare(kSmallResNet18, "out", "--pe lp,nope"), "unknown PE type 'nope'");
  expect_error(compare(kSmallResNet18, "out", "--pe lp,lp"), "'lp' is listed twice");
  expect_error(compare(kSmallResNet18, "out", "--pe lp,"), "--pe");
  expect_error(compare(kSmallResNet18, "out", "--pe ''"), "--pe");
  expect_error(compare("model: resnet18\nbogus: 1\n", "out", "--pe lp"), "bogus");
  expect_error(compare(kSmallResNet18, "out", "--pe lp --set accelerator.rows=0"),
               "accelerator.rows");
  expect_error(compare(kSmallResNet18, "out", "--pe lp --threads 5000"), "--threads");
  const CommandResult r = run_lpsim_with("cd '" + m_dir.string() + "' && timeout 30 ",
                                         "compare missing.yaml -q -o out");
  expect_error(r, "missing.yaml");
  // A directory that is not an lpsim output is never written into.
  fs::create_directories(m_dir / "mine");
  std::ofstream(m_dir / "mine" / "keep.txt") << "user data";
  const CommandResult m = compare(kSmallResNet18, "mine", "--pe lp");
  EXPECT_EQ(m.exit_code, 2);
  EXPECT_EQ(slurp(m_dir / "mine" / "keep.txt"), "user data");
  EXPECT_FALSE(fs::exists(m_dir / "mine" / "compare.csv"));
}

}  // namespace
}  // namespace lpsim::test
