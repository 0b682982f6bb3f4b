// `lpsim lpq` end to end: on the trained digits model (labels) the outputs are byte-identical
// for 1 and 2 threads, lpq.yaml runs with `lpsim run` (bit-exact, the same top-1 as lpq.json);
// an objective-only LPQ on a reduced zoo ResNet-18 (synthetic calibration, no labels) with
// hardware-aware compression; bad settings are one error line, exit 2, no output directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "run_fixture.hpp"

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;

const fs::path kDigits = fs::path(LPSIM_SOURCE_DIR) / "examples" / "digits";

class LpqCli : public RunFixture {
 protected:
  CommandResult lpq(const std::string& yaml, const std::string& out,
                    const std::string& extra = "") {
    const std::string wl = write("lpq_in.yaml", yaml);
    return run_lpsim("lpq " + wl + " -q -o " + (m_dir / out).string() + " " + extra);
  }
  std::string digits(int batch, const std::string& settings) {
    return "onnx: " + (kDigits / "digits.onnx").string() +
           "\ninput: {batch: 500, npy: " + (kDigits / "test_x.npy").string() +
           ", labels: " + (kDigits / "test_y.npy").string() +
           "}\naccelerator: {rows: 16, cols: 16}\nlpq: {calibration: {npy: " +
           (kDigits / "calib_x.npy").string() + "}, " + settings + "}\n" + (batch ? "" : "");
  }
};

TEST_F(LpqCli, DigitsReproducibleAndRunnable) {
  const std::string w = digits(500, "iterations: 4, population: 3, diverse: 2, seed: 3, baselines: true");
  CommandResult a = lpq(w, "a", "--threads 1 --emulated-baselines");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  CommandResult b = lpq(w, "b", "--threads 2 --emulated-baselines");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  for (const char* f : {"lpq.json", "lpq.yaml", "report.html"})
    EXPECT_EQ(slurp(m_dir / "a" / f), slurp(m_dir / "b" / f)) << f;
  std::string bout = b.out;
  bout.replace(bout.find("/b/{"), 4, "/a/{");
  EXPECT_EQ(a.out, bout);
  const nlohmann::json j = nlohmann::json::parse(slurp(m_dir / "a" / "lpq.json"));
  EXPECT_EQ(j["fp32_top1"].get<double>(), 100.0);
  EXPECT_TRUE(j["verified"].get<bool>());
  EXPECT_EQ(j["layers"].size(), 6u);
  EXPECT_EQ(j["fitness_history"].size(), 5u);
  EXPECT_EQ(j["baselines"].size(), 10u);
  EXPECT_GE(j["avg_weight_bits"].get<double>(), 2.0);
  EXPECT_LE(j["avg_weight_bits"].get<double>(), 8.0);
  const std::string html = slurp(m_dir / "a" / "report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("representable values"), std::string::npos);

  // lpq.yaml is a workload: the same top-1 on the accelerator, every layer bit-exact.
  const CommandResult r = run_lpsim("run " + (m_dir / "a" / "lpq.yaml").string() + " -q -o " +
                                    (m_dir / "run").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json s = summary("run");
  EXPECT_TRUE(s["verified"].get<bool>());
  EXPECT_EQ(s["top1"]["accelerator"].get<double>(), j["lpq_top1"].get<double>());
  EXPECT_EQ(s["top1"]["fp32"].get<double>(), 100.0);
  // Every layer runs the formats lpq.json lists.
  const std::string csv = slurp(m_dir / "run" / "layers.csv");
  for (const auto& l : j["layers"]) {
    EXPECT_NE(csv.find(l["weights"].get<std::string>()), std::string::npos) << l;
  }
}

// The uniform baselines run on the accelerator where it has the PE type (INT with per-channel
// weight scales at 8/4/3/2 bits, LP per tensor; INT3 / LP<3> weights stored at MODE 8), each
// verified bit-exactly; the others are the emulated figure with the reason.
TEST_F(LpqCli, BaselinesRunOnTheAccelerator) {
  const std::string w = digits(500, "iterations: 1, population: 2, diverse: 1, baselines: true");
  const CommandResult a = lpq(w, "a");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const nlohmann::json j = nlohmann::json::parse(slurp(m_dir / "a" / "lpq.json"));
  ASSERT_EQ(j["baselines"].size(), 10u);
  int on_chip = 0;
  for (const auto& b : j["baselines"]) {
    const std::string name = b["name"].get<std::string>();
    const bool int_or_lp = name.rfind("int", 0) == 0 || name.rfind("lp<", 0) == 0;
    if (int_or_lp) {
      EXPECT_EQ(b["run"], "accelerator") << b;
    }
    if (b["run"] == "accelerator") {
      EXPECT_TRUE(b["verified"].get<bool>()) << b;
      ++on_chip;
    } else {
      EXPECT_FALSE(b["why_emulated"].get<std::string>().empty()) << b;
      EXPECT_EQ(b["top1"], b["top1_emulated"]) << b;
    }
    if (name == "int8 per-channel") {
      EXPECT_GE(b["top1"].get<double>(), 99.0) << b;
    }
    if (name == "int2 per-channel") {
      EXPECT_LE(b["top1"].get<double>(), 90.0) << b;
    }
  }
  EXPECT_GE(on_chip, 8);
  EXPECT_NE(a.out.find("(accelerator, verified)"), std::string::npos) << a.out;
}

TEST_F(LpqCli, ObjectiveOnlyOnReducedResNet18WithHardwareCost) {
  for (const char* comp : {"energy", "latency", "bits"}) {
    const std::string w =
        kSmallResNet18 +
        "lpq: {calibration: {count: 6}, iterations: 3, population: 3, compression: " + comp +
        ", objective: kl}\n";
    const std::string out = std::string("z_") + comp;
    const CommandResult r = lpq(w, out);
    ASSERT_EQ(r.exit_code, 0) << comp << r.err;
    const nlohmann::json j = nlohmann::json::parse(slurp(m_dir / out / "lpq.json"));
    EXPECT_TRUE(j["fp32_top1"].is_null());
    EXPECT_TRUE(j["verified"].get<bool>());
    EXPECT_GT(j["layers"].size(), 5u);
    EXPECT_GT(j["l_cr"].get<double>(), 0.0);
    EXPECT_LE(j["l_cr"].get<double>(), 1.0);
    EXPECT_NE(r.out.find("top-1 agreement with FP32"), std::string::npos) << r.out;
  }
}

TEST_F(LpqCli, BadSettings) {
  struct Case {
    std::string yaml, needle;
  };
  const std::string base = kSmallResNet18;
  for (const Case& c : {
           Case{base, "has no 'lpq:' section"},
           Case{base + "lpq: {objective: ce}\n", "lpq.objective"},
           Case{base + "lpq: {weight_bits: [9]}\n", "widths must be 2 .. 8"},
           Case{base + "lpq: {activation_bits: [3]}\n", "widths must be 2, 4 or 8"},
           Case{base + "lpq: {population: 1}\n", "lpq.population"},
           Case{base + "lpq: {compression: area}\n", "lpq.compression"},
           Case{base + "lpq: {tau: 0}\n", "lpq.tau"},
           Case{base + "lpq: {bogus: 1}\n", "bogus"},
           Case{base + "lpq: {calibration: {count: 4}, iterations: 1, baselines: true}\n",
                "needs input.labels"},
           Case{base + "lpq: {calibration: {npy: nothere.npy}}\n", "nothere.npy"},
       }) {
    const CommandResult r = lpq(c.yaml, "out");
    EXPECT_EQ(r.exit_code, 2) << c.yaml << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("lpsim: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.yaml << r.err;
    EXPECT_FALSE(fs::exists(m_dir / "out"));
  }
}

}  // namespace
}  // namespace lpsim::test
