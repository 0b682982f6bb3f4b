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

#include "run_command.hpp"

namespace lpsim::test {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A reduced ResNet-18 on an 8x8 array: the whole flow in a few tens of milliseconds.
inline const std::string kSmallResNet18 =
    "model: resnet18\nzoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}\n"
    "accelerator: {rows: 8, cols: 8}\n";

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

  std::filesystem::path m_dir;
};

}  // namespace lpsim::test
