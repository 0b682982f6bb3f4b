// Issue 13: formats whose exact accumulator needs more than 127 bits run (Boost.Multiprecision
// wide path) instead of being rejected: `lpsim run` in tile and cycle fidelity is verified bit for
// bit against the reference, with K split into tiles (wide OB partial sums), LP at MODE 8 and 4
// and a baseline posit<8,4> PE; analytic fidelity accepts them; a wrong reference is caught; the
// i128 formats keep their OB word; what is still refused is one error line.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "run_fixture.hpp"
#include "hw/array/array_backend.hpp"
#include "sim/run/pipeline.hpp"
#include "sim/run/reporters.hpp"
#include "sw/driver/network_runner.hpp"

namespace lpsim::test {
namespace {

using namespace lpsim::sim;

// lp<8,3,4,0>: 151 bits; lp<4,4,3,0> (MODE 4): 139 bits; lp<8,4,7,0>: 411 bits.
const std::string kWideQ =
    "quantization: {default: 'lp<8,3,4,0>', layers: {layer1.0.conv1: 'lp<4,4,3,0>', "
    "layer1.0.conv2: 'lp<8,4,7,0>'}}\n";

class WideAccRun : public RunFixture {};

std::size_t k_split_layers(const RunResult& r) {
  std::size_t split = 0;
  for (const auto& rec : r.records)
    split += std::any_of(rec.tiles.begin(), rec.tiles.end(), [](const auto& t) { return !t.has_store; });
  return split;
}

TEST_F(WideAccRun, WideFormatsAreVerifiedInTileAndCycleFidelity) {
  const std::string wl = write("w.yaml", kKSplitResNet18 + kWideQ);
  RunResult tile;
  for (const char* fid : {"tile", "cycle"}) {
    SCOPED_TRACE(fid);
    const RunResult r = simulate(prepare(load_workload(wl, {std::string("accelerator.fidelity=") + fid})));
    EXPECT_TRUE(r.verified) << r.first_mismatch;
    EXPECT_GE(k_split_layers(r), 3u) << "the buffers must split K (wide OB partial sums)";
    if (std::string(fid) == "tile") {
      tile = r;
    } else {
      EXPECT_EQ(r.output_accelerator, tile.output_accelerator);
      EXPECT_EQ(r.cycles, tile.cycles);
    }
  }
  // The command line: `verified: yes` in both fidelities, analytic accepts the formats.
  for (const char* fid : {"tile", "cycle"}) {
    const auto r = run(kKSplitResNet18 + kWideQ, std::string("--set accelerator.fidelity=") + fid, std::string("out_") + fid);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(summary(std::string("out_") + fid).value("verified", false)) << fid;
  }
  const auto a = run(kKSplitResNet18 + kWideQ, "--set accelerator.fidelity=analytic", "out_a");
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(summary("out_a").value("total_cycles", std::uint64_t{0}), tile.cycles);
}

TEST_F(WideAccRun, AWideBaselinePositIsVerified) {
  const std::string wl = write("w.yaml", kKSplitResNet18 + "quantization: {default: \"posit:8,4\"}\n");
  for (const char* fid : {"tile", "cycle"}) {
    SCOPED_TRACE(fid);
    const RunResult r = simulate(prepare(load_workload(wl, {std::string("accelerator.fidelity=") + fid})));
    EXPECT_TRUE(r.verified) << r.first_mismatch;
  }
}

// Wide OB partial sums take more bytes per word: the tiles change for those formats only.
TEST_F(WideAccRun, WidePsumWordsChangeTheTilingOfWideFormatsOnly) {
  hw::LayerDescriptor d;  // MODE 8, lp<8,2,3,0> operands

  const hw::ArrayConfig base;
  EXPECT_EQ(hw::ArrayBackend::psum_bytes_for(base, d, hw::DatapathOptions{}), 10u);  // 74 bits + NaR
  d.fmt_a.es = d.fmt_w.es = 3;
  d.fmt_a.rs = d.fmt_w.rs = 4;
  EXPECT_EQ(hw::ArrayBackend::psum_bytes_for(base, d, hw::DatapathOptions{}), 19u);  // 151 bits + NaR
  d.fmt_a.es = d.fmt_w.es = 4;
  d.fmt_a.rs = d.fmt_w.rs = 7;
  EXPECT_EQ(hw::ArrayBackend::psum_bytes_for(base, d, hw::DatapathOptions{}), 52u);  // 411 bits + NaR
}

// The per-layer check catches a wrong reference of a wide layer: one converter bit short, or
// one exponent bit short (lp<8,2,4,0>: an i128 grid then).
TEST_F(WideAccRun, AWrongReferenceIsCaughtByTheLayerCheck) {
  const Prepared p = prepare(load_workload(write("w.yaml", kKSplitResNet18 + kWideQ)));
  const std::vector<driver::CheckSpecHook> wrong = {
      [](ref::DatapathSpec& s) { s.lin_frac_bits -= 1; },
      [](ref::DatapathSpec& s) {
        if (s.act.es == 3 && s.act.rs == 4) s.act.es = s.wgt.es = 2;
      },
  };
  for (std::size_t i = 0; i < wrong.size(); ++i) {
    SCOPED_TRACE(i);
    driver::set_check_spec_hook(wrong[i]);
    const RunResult bad = simulate(p);
    driver::set_check_spec_hook(nullptr);
    EXPECT_FALSE(bad.verified);
    EXPECT_EQ(bad.first_mismatch.rfind("layer ", 0), 0u) << bad.first_mismatch;
  }
  const RunResult good = simulate(p);
  EXPECT_TRUE(good.verified) << good.first_mismatch;
}

// Still refused, one error line: small_float on a grid wider than 127 bits, and OB partial sums
// as small floats for a wide exact accumulator.
TEST_F(WideAccRun, WhatIsStillRefusedIsOneErrorLine) {
  struct Bad {
    std::string set, want;
  };
  for (const Bad& b : {Bad{"--set accelerator.datapath.accumulator=small_float", "needs 151 bits > 127"},
                       Bad{"--set accelerator.datapath.psum.format=small_float", "more than 127 bits"}}) {
    SCOPED_TRACE(b.set);
    const auto r = run(kKSplitResNet18 + "quantization: {default: 'lp<8,3,4,0>'}\n", b.set);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("lpsim: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(b.want), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(m_dir / "out"));
  }
}

}  // namespace
}  // namespace lpsim::test
