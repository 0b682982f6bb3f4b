// The run API as a library (sim/run/pipeline.hpp): one caller simulates two configurations of
// one workload (each in a worker process, SystemC elaborating once per process), repeats one,
// and gets exactly what two separate `lpsim run` commands write.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>

#include "run_fixture.hpp"
#include "sim/run/pipeline.hpp"
#include "sim/run/reporters.hpp"
#include "sim/run/trace_files.hpp"
#include "sw/common/error.hpp"
#include "sw/formats/number_format.hpp"

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
  PeProbe probe;  // members set one by one: no missing-initializer warning (LPSIM_WERROR)
  probe.rows = 2;
  probe.cols = 2;
  probe.start = t0;
  probe.end = t0 + 300;
  opt.probe = probe;
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

// A software encoder with a deliberate bug: above 1 it truncates (steps down whenever the nearest
// pattern lies above x) instead of rounding in the log domain. Everything else is the codec's.
class TruncatingEncoder final : public fmt::NumberFormat {
 public:
  explicit TruncatingEncoder(fmt::FormatPtr inner) : m_in(std::move(inner)) {}
  std::string name() const override { return m_in->name(); }
  int bits() const override { return m_in->bits(); }
  fmt::Code encode(double x) const override {
    const fmt::Code c = m_in->encode(x);
    if (!(std::fabs(x) > 1) || std::fabs(m_in->decode(c)) <= std::fabs(x)) return c;
    const fmt::Code q = x < 0 ? m_in->negate(c) : c;
    return x < 0 ? m_in->negate(q - 1) : q - 1;
  }
  double decode(fmt::Code c) const override { return m_in->decode(c); }
  bool is_nan_code(fmt::Code c) const override { return m_in->is_nan_code(c); }
  fmt::Code negate(fmt::Code c) const override { return m_in->negate(c); }
  bool twos_complement() const override { return m_in->twos_complement(); }

 private:
  fmt::FormatPtr m_in;
};

// The PPU encodes LP outputs with hw::LpEncoder, not with the reference's fmt::LpFormat::encode,
// so a bug in the software encoder no longer passes the per-layer check unnoticed: the run is
// not verified and the first failing layer is named. The unbroken wrapper passes.
TEST_F(RunApi, ABrokenSoftwareEncoderIsCaughtByTheLayerCheck) {
  const Prepared p = prepare(load_workload(write("w.yaml", kWorkload)));
  driver::set_check_format_hook([](const fmt::FormatPtr& f) -> fmt::FormatPtr {
    return std::make_shared<TruncatingEncoder>(f);
  });
  const RunResult bad = simulate(p);
  EXPECT_FALSE(bad.verified);
  std::size_t first = 0;
  while (first < bad.layers.size() && bad.layers[first].verified) ++first;
  ASSERT_LT(first, bad.layers.size());
  EXPECT_TRUE(bad.layers[first].checked);
  EXPECT_EQ(bad.first_mismatch.rfind(
                "layer " + bad.layers[first].name + ": output mismatch at index ", 0),
            0u)
      << bad.first_mismatch;

  driver::set_check_format_hook([](const fmt::FormatPtr& f) { return f; });
  const RunResult good = simulate(p);
  driver::set_check_format_hook(nullptr);
  EXPECT_TRUE(good.verified) << good.first_mismatch;
  EXPECT_EQ(serialize(good), serialize(simulate(p)));
}

}  // namespace
}  // namespace lpsim::test
