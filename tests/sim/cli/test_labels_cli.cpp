// `input: {npy, labels}`: top-1 of FP32 and of the accelerator on the labelled images (console
// and summary.json "top1"), and bad label files: one error line naming the file, exit 2.
// Uses the trained digits model of examples/digits (scripts/train_digits.py).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "run_fixture.hpp"
#include "tests/support/npy_file.hpp"

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;

const fs::path kDigits = fs::path(LPSIM_SOURCE_DIR) / "examples" / "digits";

template <typename T>
std::string bytes(const std::vector<T>& v) {
  std::string s(v.size() * sizeof(T), '\0');
  if (!v.empty()) std::memcpy(s.data(), v.data(), s.size());
  return s;
}

class LabelsCli : public RunFixture {
 protected:
  // The first 20 held-out digits with the labels file `labels`.
  std::string workload(const std::string& labels) {
    return "onnx: " + (kDigits / "digits.onnx").string() +
           "\ninput: {batch: 20, npy: " + (m_dir / "x.npy").string() + ", labels: " + labels +
           "}\naccelerator: {rows: 8, cols: 8}\n";
  }
  void SetUp() override {
    RunFixture::SetUp();
    const std::string all = slurp(kDigits / "test_x.npy");
    ASSERT_GT(all.size(), 128u + 20 * 64 * 4);
    std::string data = all.substr(all.size() - 500 * 64 * 4, 20 * 64 * 4);
    std::ofstream(m_dir / "x.npy", std::ios::binary) << npy("<f4", "20, 1, 8, 8", data);
    const std::string ys = slurp(kDigits / "test_y.npy");
    m_labels.resize(20);
    std::memcpy(m_labels.data(), ys.data() + ys.size() - 500 * 8, 20 * 8);
  }
  void expect_bad(const std::string& file_bytes, const std::string& needle) {
    std::ofstream(m_dir / "y.npy", std::ios::binary) << file_bytes;
    const CommandResult r = run(workload((m_dir / "y.npy").string()));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("lpsim: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("input.labels"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("y.npy"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(m_dir / "out"));
  }
  std::vector<std::int64_t> m_labels;
};

TEST_F(LabelsCli, ReportsTop1OfFp32AndAccelerator) {
  std::ofstream(m_dir / "y.npy", std::ios::binary) << npy("<i8", "20,", bytes(m_labels));
  CommandResult r = run(workload((m_dir / "y.npy").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("top-1 on the labelled input: fp32 100.0%, accelerator 100.0%"),
            std::string::npos)
      << r.out;
  nlohmann::json s = summary();
  EXPECT_EQ(s["top1"]["fp32"].get<double>(), 100.0);
  EXPECT_EQ(s["top1"]["accelerator"].get<double>(), 100.0);
  EXPECT_TRUE(s["verified"].get<bool>());

  // Five labels changed: both top-1 figures drop by 25 points; int32 labels read the same.
  std::vector<std::int32_t> wrong(m_labels.begin(), m_labels.end());
  for (int i = 0; i < 5; ++i)
    wrong[static_cast<std::size_t>(i)] = (wrong[static_cast<std::size_t>(i)] + 1) % 10;
  std::ofstream(m_dir / "y.npy", std::ios::binary) << npy("<i4", "20,", bytes(wrong));
  r = run(workload((m_dir / "y.npy").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  s = summary();
  EXPECT_EQ(s["top1"]["fp32"].get<double>(), 75.0);
  EXPECT_EQ(s["top1"]["accelerator"].get<double>(), 75.0);

  // Without labels there is no "top1".
  r = run("onnx: " + (kDigits / "digits.onnx").string() + "\ninput: {batch: 20, npy: " +
          (m_dir / "x.npy").string() + "}\naccelerator: {rows: 8, cols: 8}\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(summary().contains("top1"));
  EXPECT_EQ(r.out.find("labelled"), std::string::npos);
}

TEST_F(LabelsCli, BadLabelFiles) {
  expect_bad(npy("<f4", "20,", bytes(std::vector<float>(20, 1.0f))), "is not an integer type");
  expect_bad(npy("<i8", "19,", bytes(std::vector<std::int64_t>(19, 1))), "19 labels for 20 images");
  expect_bad(npy("<i8", "21,", bytes(std::vector<std::int64_t>(21, 1))), "21 labels for 20 images");
  expect_bad(npy("<i8", "20, 1", bytes(std::vector<std::int64_t>(20, 1))), "must be a vector");
  std::vector<std::int64_t> neg(20, 3);
  neg[7] = -1;
  expect_bad(npy("<i8", "20,", bytes(neg)), "label 7 is -1, outside the model's classes 0..9");
  std::vector<std::int64_t> big(20, 3);
  big[19] = 10;
  expect_bad(npy("<i8", "20,", bytes(big)), "label 19 is 10");
  expect_bad(npy("<i8", "20,", std::string(10, '\0')), "does not match shape");
  expect_bad("not a numpy file at all", "bad magic");
}

TEST_F(LabelsCli, LabelsNeedNpyImages) {
  std::ofstream(m_dir / "y.npy", std::ios::binary)
      << npy("<i8", "1,", bytes(std::vector<std::int64_t>{1}));
  const CommandResult r = run("onnx: " + (kDigits / "digits.onnx").string() +
                              "\ninput: {labels: " + (m_dir / "y.npy").string() + "}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("input.labels: needs input.npy"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lpsim::test
