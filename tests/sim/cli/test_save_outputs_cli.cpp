// Issue 11: `lpsim run --save-outputs` (and `save_outputs: true`) writes every graph output as
// outputs/<name>.fp32.npy and outputs/<name>.accelerator.npy and, with labels,
// predictions.csv, listed in the marker; a dynamic-batch ONNX model takes the .npy's batch
// unless input.batch is set, and a mismatch names input.batch. Uses examples/digits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "run_fixture.hpp"
#include "tests/support/npy_file.hpp"
#include "sw/model/normal_rng.hpp"
#include "tests/support/onnx_builder.hpp"

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;

const fs::path kDigits = fs::path(LPSIM_SOURCE_DIR) / "examples" / "digits";

// The float32 values of a .npy this test expects to be [12, 10].
std::vector<float> npy_floats(const std::string& bytes, const std::string& shape) {
  const std::size_t hl = static_cast<unsigned char>(bytes.at(8)) |
                         static_cast<std::size_t>(static_cast<unsigned char>(bytes.at(9))) << 8;
  const std::string header = bytes.substr(10, hl);
  EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos) << header;
  EXPECT_NE(header.find("'shape': (" + shape + ")"), std::string::npos) << header;
  EXPECT_EQ((10 + hl) % 64, 0u);
  std::vector<float> v((bytes.size() - 10 - hl) / 4);
  std::memcpy(v.data(), bytes.data() + 10 + hl, v.size() * 4);
  return v;
}

class SaveOutputs : public RunFixture {
 protected:
  void SetUp() override {
    RunFixture::SetUp();
    const std::string all = slurp(kDigits / "test_x.npy");
    std::string data = all.substr(all.size() - 500 * 64 * 4, 12 * 64 * 4);
    std::ofstream(m_dir / "x.npy", std::ios::binary) << npy("<f4", "12, 1, 8, 8", data);
    const std::string ys = slurp(kDigits / "test_y.npy");
    m_labels.resize(12);
    std::memcpy(m_labels.data(), ys.data() + ys.size() - 500 * 8, 12 * 8);
    std::string lb(12 * 8, '\0');
    std::memcpy(lb.data(), m_labels.data(), lb.size());
    std::ofstream(m_dir / "y.npy", std::ios::binary) << npy("<i8", "12,", lb);
  }
  // No input.batch: the batch of 12 comes from the .npy.
  std::string workload(const std::string& extra = "") {
    return "onnx: " + (kDigits / "digits.onnx").string() +
           "\ninput: {npy: " + (m_dir / "x.npy").string() +
           ", labels: " + (m_dir / "y.npy").string() + extra +
           "}\naccelerator: {rows: 8, cols: 8}\n";
  }
  std::vector<std::int64_t> m_labels;
};

TEST_F(SaveOutputs, WritesNpyOfBothAndPredictions) {
  const CommandResult r = run(workload(), "--save-outputs");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("verified: yes"), std::string::npos) << r.out;
  const fs::path out = m_dir / "out";
  std::vector<fs::path> fp32s;
  for (const auto& e : fs::directory_iterator(out / "outputs"))
    if (e.path().string().size() > 9 &&
        e.path().string().substr(e.path().string().size() - 9) == ".fp32.npy")
      fp32s.push_back(e.path());
  ASSERT_EQ(fp32s.size(), 1u);
  const std::string stem =
      fp32s[0].filename().string().substr(0, fp32s[0].filename().string().size() - 9);
  const auto f = npy_floats(slurp(fp32s[0]), "12,10");
  const auto a = npy_floats(slurp(out / "outputs" / (stem + ".accelerator.npy")), "12,10");
  ASSERT_EQ(f.size(), 120u);
  ASSERT_EQ(a.size(), 120u);
  EXPECT_NE(f, a);  // the accelerator's are quantized
  // predictions.csv: one row per image with the label and both argmax classes.
  std::istringstream csv(slurp(out / "predictions.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "image,label,fp32,accelerator");
  int rows = 0, agree = 0;
  while (std::getline(csv, line)) {
    auto am = [&](const std::vector<float>& v) {
      return std::max_element(v.begin() + rows * 10, v.begin() + rows * 10 + 10) -
             (v.begin() + rows * 10);
    };
    EXPECT_EQ(line, std::to_string(rows) + "," +
                        std::to_string(m_labels[static_cast<std::size_t>(rows)]) + "," +
                        std::to_string(am(f)) + "," + std::to_string(am(a)));
    agree += am(f) == m_labels[static_cast<std::size_t>(rows)];
    ++rows;
  }
  EXPECT_EQ(rows, 12);
  EXPECT_GE(agree, 11);  // the trained model
  // Listed in the marker and on the console.
  const std::string marker = slurp(out / "lpsim-run.json");
  EXPECT_NE(marker.find("outputs/" + stem + ".accelerator.npy"), std::string::npos) << marker;
  EXPECT_NE(marker.find("predictions.csv"), std::string::npos) << marker;
  EXPECT_NE(r.out.find("predictions.csv"), std::string::npos) << r.out;
}

TEST_F(SaveOutputs, WorkloadKeyAndNoFilesWithout) {
  {
    const CommandResult r = run(workload() + "save_outputs: true\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::exists(m_dir / "out" / "predictions.csv"));
  }
  fs::remove_all(m_dir / "out");
  const CommandResult r = run(workload());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(m_dir / "out" / "outputs"));
  EXPECT_FALSE(fs::exists(m_dir / "out" / "predictions.csv"));
}

TEST_F(SaveOutputs, BatchMismatchNamesInputBatch) {
  const CommandResult r = run(workload(", batch: 5"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("input.npy: shape [12,1,8,8] does not match the model input [5,1,8,8] "
                       "(its batch 12 differs from input.batch 5: set input.batch to 12 or "
                       "leave it unset)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(m_dir / "out"));
}

TEST_F(SaveOutputs, AnalyticFidelityRefusesIt) {
  const CommandResult r =
      run(workload() + "save_outputs: true\n", "--set accelerator.fidelity=analytic");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("save_outputs: saving the outputs needs tile or cycle fidelity"),
            std::string::npos)
      << r.err;
}

// An exported-style model with the ops end to end on the accelerator: squeeze-excitation
// (ReduceMean, Sigmoid, Mul), Concat of two conv branches, Pad, HardSwish and the
// Shape/Gather/Unsqueeze/Concat/Reshape flatten of a dynamic batch, which comes from the .npy.
TEST_F(SaveOutputs, ExportedStyleModelRunsVerifiedWithItsBatchFromTheNpy) {
  model::NormalRng rng(5);
  auto randn = [&](std::size_t n, double sd) {
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(sd * rng.normal());
    return v;
  };
  OnnxBuilder b;
  b.input("x", {-1, 3, 8, 8});
  auto conv = [&](const std::string& name, const std::string& in, const std::string& out, int c,
                  int f, int k, int stride) {
    b.init(name + ".w", {f, c, k, k},
           randn(static_cast<std::size_t>(f * c * k * k), std::sqrt(2.0 / (c * k * k))));
    b.init(name + ".b", {f}, randn(static_cast<std::size_t>(f), 0.02));
    auto& n = b.node("Conv", name, {in, name + ".w", name + ".b"}, {out});
    OnnxBuilder::ints(n, "kernel_shape", {k, k});
    OnnxBuilder::ints(n, "pads", {k / 2, k / 2, k / 2, k / 2});
    OnnxBuilder::ints(n, "strides", {stride, stride});
  };
  conv("c1", "x", "h1", 3, 8, 3, 1);
  b.node("Relu", "r1", {"h1"}, {"r1"});
  auto& rm = b.node("ReduceMean", "se.pool", {"r1"}, {"m"});
  OnnxBuilder::ints(rm, "axes", {2, 3});
  conv("se.fc", "m", "se", 8, 8, 1, 1);
  b.node("Sigmoid", "se.gate", {"se"}, {"s"});
  b.node("Mul", "se.scale", {"r1", "s"}, {"x2"});
  conv("c2", "x2", "a", 8, 4, 1, 1);
  conv("c3", "x2", "bb", 8, 4, 3, 1);
  auto& cat = b.node("Concat", "cat", {"a", "bb"}, {"c"});
  OnnxBuilder::int1(cat, "axis", 1);
  b.init_i64("pads", {0, 0, 1, 1, 0, 0, 1, 1});
  b.node("Pad", "pad", {"c", "pads"}, {"p"});
  b.node("HardSwish", "hswish", {"p"}, {"hs"});
  conv("c4", "hs", "h4", 8, 8, 3, 2);  // [N,8,5,5]
  b.node("Shape", "/Shape", {"h4"}, {"shape"});
  b.init_i64("zero", {0});
  b.node("Gather", "/Gather", {"shape", "zero"}, {"n"});
  b.init_i64("minus1", {-1});
  auto& cc = b.node("Concat", "/Concat", {"n", "minus1"}, {"target"});
  OnnxBuilder::int1(cc, "axis", 0);
  b.node("Reshape", "/Reshape", {"h4", "target"}, {"flat"});
  b.init("fc.w", {10, 200}, randn(2000, std::sqrt(1.0 / 200)));
  b.init("fc.b", {10}, randn(10, 0.02));
  auto& fc = b.node("Gemm", "fc", {"flat", "fc.w", "fc.b"}, {"logits"});
  OnnxBuilder::int1(fc, "transB", 1);
  b.output("logits");
  std::ofstream(m_dir / "m.onnx", std::ios::binary) << slurp(b.save("exported_style.onnx"));
  const std::vector<float> img = randn(3 * 3 * 8 * 8, 1.0);
  std::string raw(img.size() * 4, '\0');
  std::memcpy(raw.data(), img.data(), raw.size());
  std::ofstream(m_dir / "img.npy", std::ios::binary) << npy("<f4", "3, 3, 8, 8", raw);
  const CommandResult r = run(
      "onnx: m.onnx\ninput: {npy: img.npy}\naccelerator: {rows: 8, cols: 8}\n", "--save-outputs");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("verified: yes"), std::string::npos) << r.out;
  const auto f = npy_floats(slurp(m_dir / "out" / "outputs" / "logits.fp32.npy"), "3,10");
  const auto a = npy_floats(slurp(m_dir / "out" / "outputs" / "logits.accelerator.npy"), "3,10");
  ASSERT_EQ(f.size(), 30u);
  ASSERT_EQ(a.size(), 30u);
  double dot = 0, nf = 0, na = 0;
  for (std::size_t i = 0; i < 30; ++i) {
    dot += double(f[i]) * a[i];
    nf += double(f[i]) * f[i];
    na += double(a[i]) * a[i];
  }
  EXPECT_GT(dot / std::sqrt(nf * na), 0.98);                    // LP<8> quantization of every GEMM
  EXPECT_FALSE(fs::exists(m_dir / "out" / "predictions.csv"));  // no labels
}

}  // namespace
}  // namespace lpsim::test
