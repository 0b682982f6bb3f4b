// Results that refactoring must not change: every case under tests/data/golden is run again and
// its files compared byte for byte with the recorded ones (scripts/record-golden.sh records
// them; re-record only for a change meant to alter results, and say so in the commit).
//   <case>/workload.yaml          -> lpsim run: summary.json, layers.csv, tiles.csv
//   scalesim_<topo>_<df>_<timing> -> lpsim scalesim on tests/data/scalesim/<topo>.csv with
//                                    scale.cfg at dataflow <df>: the three reports
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "run_fixture.hpp"

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(LPSIM_TEST_DATA_DIR) / "golden";

std::vector<std::string> cases() {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(kGolden))
    if (e.is_directory()) v.push_back(e.path().filename().string());
  std::sort(v.begin(), v.end());
  return v;
}

class Golden : public RunFixture, public ::testing::WithParamInterface<std::string> {};

TEST_P(Golden, OutputsAreByteIdenticalToTheRecordedOnes) {
  const std::string c = GetParam();
  const fs::path dir = kGolden / c;
  if (fs::exists(dir / "workload.yaml")) {
    const auto r = run_lpsim("run '" + (dir / "workload.yaml").string() + "' -q -o '" +
                             (m_dir / "out").string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* f : {"summary.json", "layers.csv", "tiles.csv"})
      EXPECT_EQ(slurp(m_dir / "out" / f), slurp(dir / f)) << c << "/" << f;
    return;
  }
  std::smatch m;
  ASSERT_TRUE(std::regex_match(c, m, std::regex("scalesim_(.+)_(os|ws|is)_(scalesim|native)")))
      << c;
  const fs::path data = fs::path(LPSIM_TEST_DATA_DIR) / "scalesim";
  std::string cfg = slurp(data / "scale.cfg");
  cfg = std::regex_replace(cfg, std::regex("\nrun_name[^\n]*"), "\nrun_name = " + c);
  cfg = std::regex_replace(cfg, std::regex("\nDataflow[^\n]*"), "\nDataflow : " + m[2].str());
  const std::string cfg_path = write("s.cfg", cfg);
  const auto r =
      run_lpsim("scalesim -t '" + (data / (m[1].str() + ".csv")).string() + "' -c '" + cfg_path +
                "' -p '" + (m_dir / "ss").string() + "' --timing " + m[3].str());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"})
    EXPECT_EQ(slurp(m_dir / "ss" / c / f), slurp(dir / f)) << c << "/" << f;
}

INSTANTIATE_TEST_SUITE_P(Recorded, Golden, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

TEST(GoldenSet, CoversEveryZooModelBothRunKindsAndBothScaleSimTimings) {
  const auto v = cases();
  for (const char* needle :
       {"resnet18", "resnet50", "mobilenetv2", "vit", "topology", "cycle", "_scalesim", "_native"})
    EXPECT_TRUE(std::any_of(v.begin(), v.end(), [&](const std::string& c) {
      return c.find(needle) != std::string::npos;
    })) << needle;
}

// The value engines use every core (sw/common/parallel.hpp); the thread count never changes a
// byte: the tile and cycle golden runs again with 1 and 3 threads (--threads, and the workload's
// threads key through --set).
class GoldenThreads : public RunFixture {};

TEST_F(GoldenThreads, OneAndThreeThreadsGiveTheRecordedOutputs) {
  for (const char* c : {"resnet18_ws_tile", "resnet18_os_cycle_mixed"}) {
    const fs::path dir = kGolden / c;
    int i = 0;
    for (const char* how : {"--threads 1", "--threads 3", "--set threads=3"}) {
      const fs::path out = m_dir / (std::string(c) + std::to_string(i++));
      const auto r = run_lpsim("run '" + (dir / "workload.yaml").string() + "' -q " + how +
                               " -o '" + out.string() + "'");
      ASSERT_EQ(r.exit_code, 0) << r.err;
      for (const char* f : {"summary.json", "layers.csv", "tiles.csv"})
        EXPECT_EQ(slurp(out / f), slurp(dir / f)) << c << " " << how << " " << f;
    }
  }
  const auto bad = run_lpsim("run '" + (kGolden / "resnet18_ws_tile" / "workload.yaml").string() +
                             "' -q --threads 2000 -o '" + (m_dir / "bad").string() + "'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err, "lpsim: error: --threads: must be 0 (every core) to 1024\n");
  EXPECT_FALSE(fs::exists(m_dir / "bad"));
}

}  // namespace
}  // namespace lpsim::test
