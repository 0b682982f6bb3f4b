// Issue 13, "Datapath in the workload": accelerator.datapath reaches the PEs and the OB, and the
// per-layer check (sw/ref) models the same rounding per MAC and per K tile, so runs stay
// verified under every accumulator setting, in tile and cycle fidelity, with buffers small
// enough to split K. A reference that ignores the K tiles or rounds one bit short is caught;
// bad keys are one error line, exit 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "run_fixture.hpp"
#include "sim/run/pipeline.hpp"
#include "sim/run/reporters.hpp"
#include "sw/driver/network_runner.hpp"

namespace lpsim::test {
namespace {

using namespace lpsim::sim;


class DatapathRun : public RunFixture {};

struct Setting {
  std::vector<std::string> sets;
};

const std::vector<Setting> kSettings = {
    {{"accelerator.datapath.accumulator=small_float"}},
    {{"accelerator.datapath.accumulator=small_float", "accelerator.datapath.small_float.fraction_bits=4",
      "accelerator.datapath.small_float.exponent_bits=4"}},
    {{"accelerator.datapath.accumulator=small_float", "accelerator.datapath.psum.format=small_float",
      "accelerator.datapath.psum.fraction_bits=6", "accelerator.datapath.converter_fraction_bits=5"}},
    {{"accelerator.datapath.accumulator=narrow", "accelerator.datapath.narrow.width=16",
      "accelerator.datapath.narrow.fraction_bits=8"}},
    {{"accelerator.datapath.accumulator=narrow", "accelerator.datapath.narrow.width=12",
      "accelerator.datapath.narrow.fraction_bits=6", "accelerator.datapath.psum.format=exact"}},
    {{"accelerator.datapath.accumulator=exact", "accelerator.datapath.psum.format=small_float",
      "accelerator.datapath.psum.fraction_bits=3"}},
};

std::string join_sets(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + " ";
  return s;
}

// Every setting, MODE 8/4/2 (mixed per layer), tile and cycle fidelity: verified bit for bit,
// with K split into tiles, and results that differ from the exact accumulator's.
TEST_F(DatapathRun, EverySettingIsVerifiedWithKTilesInTileAndCycleFidelity) {
  const std::string wl = write(
      "w.yaml", kKSplitResNet18 + "quantization: {default: 'lp<8,2,3,0>', layers: {layer1.0.conv1: 'lp<4,1,3,0>', "
                        "layer1.0.conv2: 'lp<2,0,1,0>'}}\n");
  const RunResult exact = simulate(prepare(load_workload(wl)));
  ASSERT_TRUE(exact.verified) << exact.first_mismatch;
  std::size_t split = 0;
  for (const auto& rec : exact.records) {
    // A tile without a store is a K tile that leaves its partial sums in the OB.
    split += std::any_of(rec.tiles.begin(), rec.tiles.end(), [](const auto& t) { return !t.has_store; });
  }
  EXPECT_GE(split, 3u) << "the buffers must split K in several layers";
  for (const Setting& s : kSettings)
    for (const char* fid : {"tile", "cycle"}) {
      std::vector<std::string> sets = s.sets;
      sets.push_back(std::string("accelerator.fidelity=") + fid);
      SCOPED_TRACE(join_sets(sets));
      const RunResult r = simulate(prepare(load_workload(wl, sets)));
      EXPECT_TRUE(r.verified) << r.first_mismatch;
      EXPECT_NE(r.output_accelerator, exact.output_accelerator) << "the setting must reach the hardware";
    }
}

// The defaults are today's behaviour: writing them out changes nothing, not even effective.yaml.
TEST_F(DatapathRun, DefaultsAreTheExactAccumulator) {
  const std::string wl = write("w.yaml", kKSplitResNet18);
  const RunResult a = simulate(prepare(load_workload(wl)));
  const RunResult b = simulate(prepare(load_workload(
      wl, {"accelerator.datapath.accumulator=exact", "accelerator.datapath.converter_fraction_bits=8",
           "accelerator.datapath.psum.format=accumulator", "accelerator.datapath.small_float.exponent_bits=auto"})));
  EXPECT_EQ(serialize(a), serialize(b));
  EXPECT_EQ(a.effective_yaml.find("datapath"), std::string::npos);
  const RunResult c = simulate(prepare(load_workload(wl, {"accelerator.datapath.accumulator=narrow"})));
  EXPECT_NE(c.effective_yaml.find("datapath:"), std::string::npos) << c.effective_yaml;
  EXPECT_NE(c.effective_yaml.find("accumulator: narrow"), std::string::npos) << c.effective_yaml;
}

// Mutation tests: the per-layer check catches a reference that ignores the K tiles, rounds the
// small float one fraction bit short, or ignores the OB's partial-sum format.
TEST_F(DatapathRun, AWrongReferenceRoundingIsCaughtByTheLayerCheck) {
  const Prepared p = prepare(load_workload(
      write("w.yaml", kKSplitResNet18), {"accelerator.datapath.accumulator=small_float",
                               "accelerator.datapath.psum.format=small_float",
                               "accelerator.datapath.psum.fraction_bits=5"}));
  const std::vector<driver::CheckSpecHook> wrong = {
      [](ref::DatapathSpec& s) { s.k_tile = 0; },
      [](ref::DatapathSpec& s) { s.float_frac_bits -= 1; },
      [](ref::DatapathSpec& s) { s.psum = ref::PsumKind::accumulator; },
  };
  for (std::size_t i = 0; i < wrong.size(); ++i) {
    SCOPED_TRACE(i);
    driver::set_check_spec_hook(wrong[i]);
    const RunResult bad = simulate(p);
    driver::set_check_spec_hook(nullptr);
    EXPECT_FALSE(bad.verified);
    EXPECT_EQ(bad.first_mismatch.rfind("layer ", 0), 0u) << bad.first_mismatch;
    EXPECT_NE(bad.first_mismatch.find("output mismatch at index"), std::string::npos) << bad.first_mismatch;
  }
  const RunResult good = simulate(p);
  EXPECT_TRUE(good.verified) << good.first_mismatch;
}

// Analytic fidelity computes no values; it accepts the key.
TEST_F(DatapathRun, AnalyticFidelityAcceptsTheKey) {
  const auto r = run(kKSplitResNet18 + "", "--set accelerator.fidelity=analytic --set accelerator.datapath.accumulator=narrow");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(DatapathRun, BadKeysAreOneErrorLine) {
  struct Bad {
    std::string datapath;  // the accelerator.datapath mapping (one line of YAML)
    std::string want;      // expected text after "lpsim: error: FILE:4: "
  };
  const std::vector<Bad> bad = {
      {"{accumulator: float}", "accelerator.datapath.accumulator: "},
      {"{accumulator: 3}", "accelerator.datapath.accumulator: "},
      {"{accumulator: small_float, small_float: {fraction_bits: 0}}",
       "accelerator.datapath.small_float.fraction_bits: value 0 is out of range 1..32"},
      {"{small_float: {exponent_bits: 9}}", "accelerator.datapath.small_float.exponent_bits: expected auto or an integer 1..7"},
      {"{small_float: {exponent_bits: autox}}", "accelerator.datapath.small_float.exponent_bits: expected auto"},
      {"{small_float: {mantissa: 3}}", "accelerator.datapath.small_float.mantissa: unknown key"},
      {"{narrow: {width: 4}}", "accelerator.datapath.narrow.width: value 4 is out of range 8..64"},
      {"{narrow: {fraction_bits: 200}}", "accelerator.datapath.narrow.fraction_bits: value 200 is out of range -64..96"},
      {"{narrow: 32}", "accelerator.datapath.narrow: expected a mapping"},
      {"{converter_fraction_bits: 25}", "accelerator.datapath.converter_fraction_bits: value 25 is out of range 1..24"},
      {"{converter_fraction_bits: 2.5}", "accelerator.datapath.converter_fraction_bits: "},
      {"{psum: {format: fp32}}", "accelerator.datapath.psum.format: "},
      {"{psum: {fraction_bits: 0}}", "accelerator.datapath.psum.fraction_bits: value 0 is out of range 1..64"},
      {"{psum: exact}", "accelerator.datapath.psum: expected a mapping"},
      {"{accumulators: exact}", "accelerator.datapath.accumulators: unknown key"},
      {"exact", "accelerator.datapath: expected a mapping"},
  };
  for (const Bad& b : bad) {
    const std::string yaml = "model: resnet18\nzoo: {input_size: 16, width_divisor: 8, max_blocks: 1}\n"
                             "accelerator:\n  datapath: " + b.datapath + "\n";
    const auto r = run(yaml);
    SCOPED_TRACE(b.datapath);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    const std::string head = "lpsim: error: " + (m_dir / "w.yaml").string() + ":4: ";
    EXPECT_EQ(r.err.rfind(head + b.want, 0), 0u) << r.err;
    EXPECT_FALSE(std::filesystem::exists(m_dir / "out"));
  }
  // A --set names itself.
  const auto r = run(kKSplitResNet18, "--set accelerator.datapath.narrow.width=65");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--set accelerator.datapath.narrow.width=65: accelerator.datapath.narrow.width: value 65"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace lpsim::test
