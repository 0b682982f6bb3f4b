// A GoogleTest fixture for `lpsim run` end-to-end tests: a fresh temp directory per test, a
// workload written into it, the binary run on it, and the outputs read back.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "run_command.hpp"

namespace lpsim::test {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// One line of a CSV file split into fields (RFC 4180 quoting: a quoted field may hold commas,
// as formats such as "lp<8,2,3,0>" do, and "" for a quote; no newlines inside fields).
inline std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"')
      cur += '"', ++i;
    else if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      out.push_back(cur), cur.clear();
    else
      cur += c;
  }
  out.push_back(cur);
  return out;
}

// The data rows of a CSV file (its header skipped), each split into fields.
inline std::vector<std::vector<std::string>> csv_rows(const std::filesystem::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(slurp(p));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) rows.push_back(csv_fields(line));
  return rows;
}

// A reduced ResNet-18 on an 8x8 array: the whole flow in a few tens of milliseconds.
inline const std::string kSmallResNet18 =
    "model: resnet18\nzoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}\n"
    "accelerator: {rows: 8, cols: 8}\n";

// A reduced ResNet-18 on an 8x8 array with 2 KB weight buffers: most layers need several K tiles
// (partial sums between K tiles in the OB).
inline const std::string kKSplitResNet18 =
    "model: resnet18\nzoo: {input_size: 16, width_divisor: 8, max_blocks: 1, num_classes: 10}\n"
    "input: {seed: 5}\n"
    "accelerator: {rows: 8, cols: 8, buffers: {weight_kb: 2, input_kb: 8, output_kb: 8}}\n";

class RunFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    // Unique per process: two test runs at once (ctest -j, two checkouts) never share a sandbox.
    std::string name = std::string(info->test_suite_name()) + "-" + info->name();
    std::replace(name.begin(), name.end(), '/', '_');
    m_dir = std::filesystem::temp_directory_path() / ("lpsim-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(m_dir);
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }

  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(m_dir / name) << text;
    return (m_dir / name).string();
  }
  // Runs `lpsim run` on a workload text (written to w.yaml); outputs go to <dir>/<out>.
  CommandResult run(const std::string& yaml, const std::string& extra = "",
                    const std::string& out = "out") {
    const std::string wl = write("w.yaml", yaml);
    return run_lpsim("run " + wl + " -q -o " + (m_dir / out).string() + " " + extra);
  }
  nlohmann::json summary(const std::string& out = "out") {
    return nlohmann::json::parse(slurp(m_dir / out / "summary.json"));
  }
  // Bad input: exit code 2, nothing on stdout, one line "lpsim: error: ..." holding `needle`,
  // and no output directory <dir>/out.
  void expect_one_line_error(const CommandResult& r, const std::string& needle) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("lpsim: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(m_dir / "out"));
  }

  std::filesystem::path m_dir;
};

}  // namespace lpsim::test
