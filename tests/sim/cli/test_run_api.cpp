// The run API as a library (sim/run/pipeline.hpp): one caller simulates two configurations of
// one workload (each in a worker process, SystemC elaborating once per process), repeats one,
// and gets exactly what two separate `lpsim run` commands write.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "run_fixture.hpp"
#include "sim/run/pipeline.hpp"
#include "sim/run/reporters.hpp"
#include "sim/run/trace_files.hpp"
#include "sw/common/error.hpp"

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;
using namespace lpsim::sim;

const std::string kWorkload = kSmallResNet18 + "input: {seed: 4}\n";

class RunApi : public RunFixture {};

TEST_F(RunApi, TwoConfigurationsFromOneCallerEqualTwoCliRuns) {
  const std::string wl = write("w.yaml", kWorkload);
  const std::vector<std::vector<std::string>> configs = {
      {}, {"accelerator.dataflow=os", "accelerator.rows=4", "accelerator.fidelity=cycle"}};
  std::vector<RunResult> results;
  for (const auto& sets : configs) results.push_back(simulate(prepare(load_workload(wl, sets))));
  ASSERT_NE(results[0].cycles, results[1].cycles);
  for (std::size_t i = 0; i < configs.size(); ++i) {
    SCOPED_TRACE(i);
    std::string args =
        "run '" + wl + "' -q -o '" + (m_dir / ("cli" + std::to_string(i))).string() + "'";
    for (const std::string& s : configs[i]) args += " --set " + s;
    const auto cli = run_lpsim(args);
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    const fs::path d = m_dir / ("cli" + std::to_string(i));
    const RunResult& r = results[i];
    EXPECT_TRUE(r.verified);
    EXPECT_EQ(summary_json(r), slurp(d / "summary.json"));
    EXPECT_EQ(layers_csv(r), slurp(d / "layers.csv"));
    EXPECT_EQ(tiles_csv(r.records, r.layer_names()), slurp(d / "tiles.csv"));
    EXPECT_EQ(r.effective_yaml, slurp(d / "effective.yaml"));
    EXPECT_EQ(cli.out.substr(0, cli.out.rfind("outputs:")), console_text(r));
  }
  // The same configuration again, in another worker: the same result, byte for byte.
  const RunResult again = simulate(prepare(load_workload(wl)));
  EXPECT_EQ(serialize(again), serialize(results[0]));
}

TEST_F(RunApi, AResultCrossesThePipeExactly) {
  const std::string wl = write("w.yaml", kWorkload);
  const Prepared p = prepare(load_workload(wl, {"accelerator.fidelity=cycle"}));
  // PE samples over the first array tile (as found by a first simulation).
  const std::uint64_t t0 = simulate(p).records.at(0).tiles.at(0).compute_start;
  SimulateOptions opt;
  opt.probe = PeProbe{2, 2, t0, t0 + 300};
  const RunResult r = simulate(p, opt);
  ASSERT_FALSE(r.pe_samples.empty());
  const RunResult back = deserialize(serialize(r));
  EXPECT_EQ(serialize(back), serialize(r));
  EXPECT_EQ(summary_json(back), summary_json(r));
  EXPECT_EQ(back.pe_samples.size(), r.pe_samples.size());
  EXPECT_EQ(back.probe->end, t0 + 300);
  // Truncated or padded bytes are refused, not misread.
  const std::string bytes = serialize(r);
  EXPECT_THROW(deserialize(bytes.substr(0, bytes.size() / 2)), std::runtime_error);
  EXPECT_THROW(deserialize(bytes + "x"), std::runtime_error);
}

TEST_F(RunApi, AUserErrorInTheWorkerReachesTheCallerAsAUserError) {
  // INT scales whose product leaves the PPU's float register: found while simulating.
  const std::string wl = write("w.yaml", kWorkload + "quantization: {default: \"int:8,1e-30\"}\n");
  const Prepared p = prepare(load_workload(wl));
  try {
    simulate(p);
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'conv1'"), std::string::npos) << e.what();
  }
  // ... and the caller can go on simulating.
  EXPECT_TRUE(simulate(prepare(load_workload(write("ok.yaml", kWorkload)))).verified);
}

}  // namespace
}  // namespace lpsim::test
