// tiny_4x4: our three reports equal SCALE-Sim v2's golden files byte for byte (os, ws, is).
#include <gtest/gtest.h>

#include <filesystem>

#include "scalesim_test_util.hpp"
#include "sim/scalesim/layer_model.hpp"
#include "sim/scalesim/py_float.hpp"
#include "sim/scalesim/report_writer.hpp"
#include "sim/scalesim/scalesim_run.hpp"

namespace lpsim::scalesim {
namespace {

using test::data;
using test::read_text;

class Golden : public ::testing::TestWithParam<const char*> {};

TEST_P(Golden, ReportsMatchByteForByte) {
  const std::string df = GetParam();
  const std::string run = "tiny_4x4_" + df;
  const ScaleSimConfig cfg = read_config(data("tiny_4x4/tiny_" + df + ".cfg"));
  const Topology topo = read_topology(data("tiny_4x4/tiny.csv"));
  std::vector<LayerReport> reps;
  for (const Layer& l : topo.layers) reps.push_back(model_layer(cfg, l, Timing::scalesim));
  ASSERT_EQ(reps.size(), 1u);
  EXPECT_TRUE(reps[0].dram_exact);
  const std::string gold = data("tiny_4x4/" + run + "/");
  EXPECT_EQ(compute_report_csv(reps), read_text(gold + "COMPUTE_REPORT.csv"));
  EXPECT_EQ(bandwidth_report_csv(reps), read_text(gold + "BANDWIDTH_REPORT.csv"));
  EXPECT_EQ(detailed_access_report_csv(reps), read_text(gold + "DETAILED_ACCESS_REPORT.csv"));
}

TEST_P(Golden, RunWritesTheSameFilesUnderRunName) {
  const std::string df = GetParam();
  test::TempDir dir;
  RunOptions opt;
  opt.topology_path = data("tiny_4x4/tiny.csv");
  opt.config_path = data("tiny_4x4/tiny_" + df + ".cfg");
  opt.outdir = dir.file("logs");  // created on demand
  const RunResult res = run_scalesim(opt, nullptr);
  EXPECT_EQ(res.run_dir, dir.file("logs/tiny_4x4_" + df));
  for (const char* f : {"COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"})
    EXPECT_EQ(read_text(res.run_dir + "/" + f),
              read_text(data("tiny_4x4/tiny_4x4_" + df + "/" + f)))
        << f;
  // Nothing else is left in OUTDIR (no temporary directory).
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.file("logs")))
    ++entries;
  EXPECT_EQ(entries, 1u);
  // Running again replaces the reports in place.
  EXPECT_NO_THROW(run_scalesim(opt, nullptr));
  EXPECT_EQ(read_text(res.run_dir + "/COMPUTE_REPORT.csv"),
            read_text(data("tiny_4x4/tiny_4x4_" + df + "/COMPUTE_REPORT.csv")));
}

INSTANTIATE_TEST_SUITE_P(Tiny4x4, Golden, ::testing::Values("os", "ws", "is"));

// buffers/: SCALE-Sim v2 runs whose SRAMs overflow (CALC: set refetches, mid-run OFMAP drains)
// or whose DRAM bandwidth stalls the array (USER), compat_memory.hpp. Every row of the three
// reports, conv and GEMM, os/ws/is, rectangular arrays.
struct BufferCase {
  const char* cfg;
  const char* kind;
};
class GoldenBuffers : public ::testing::TestWithParam<BufferCase> {};

TEST_P(GoldenBuffers, ReportsMatchByteForByte) {
  const BufferCase c = GetParam();
  const std::string kind = c.kind;
  const ScaleSimConfig cfg = read_config(data(std::string("buffers/") + c.cfg + ".cfg"));
  const Topology topo = read_topology(data("buffers/dev_" + kind + ".csv"),
                                      kind == "gemm" ? TopologyKind::gemm : TopologyKind::conv);
  std::vector<LayerReport> reps;
  for (const Layer& l : topo.layers) reps.push_back(model_layer(cfg, l, Timing::scalesim));
  const std::string gold = data("buffers/reports_" + kind + "/" + c.cfg + "/");
  EXPECT_EQ(compute_report_csv(reps), read_text(gold + "COMPUTE_REPORT.csv"));
  EXPECT_EQ(bandwidth_report_csv(reps), read_text(gold + "BANDWIDTH_REPORT.csv"));
  EXPECT_EQ(detailed_access_report_csv(reps), read_text(gold + "DETAILED_ACCESS_REPORT.csv"));
}

INSTANTIATE_TEST_SUITE_P(
    Calc, GoldenBuffers,
    ::testing::Values(BufferCase{"calc_16x16_os_8kb", "conv"}, BufferCase{"calc_8x32_ws_16kb", "conv"},
                      BufferCase{"calc_32x8_is_4kb", "conv"}, BufferCase{"calc_16x16_os_8kb", "gemm"},
                      BufferCase{"calc_8x32_ws_16kb", "gemm"}, BufferCase{"calc_32x8_is_4kb", "gemm"}));
// InterfaceBandwidth USER: stall cycles from the read buffers' prefetch windows and the write
// buffer at the cfg Bandwidth.
INSTANTIATE_TEST_SUITE_P(
    User, GoldenBuffers,
    ::testing::Values(BufferCase{"user_8x32_os_bw1", "conv"}, BufferCase{"user_16x16_ws_bw4", "conv"},
                      BufferCase{"user_32x8_is_bw8", "conv"}, BufferCase{"user_8x32_os_bw1", "gemm"},
                      BufferCase{"user_16x16_ws_bw4", "gemm"}, BufferCase{"user_32x8_is_bw8", "gemm"}));

// networks/: SCALE-Sim v2 on real networks with its default 64 KiB SRAMs, which nearly every
// layer overflows (ResNet-18 32x32 os; MobileNet 16x16 os and ws, depthwise layers included;
// CALC): all three reports byte for byte.
struct NetworkCase {
  const char* run;
  const char* topology;
  std::size_t layers;
};
class GoldenNetworks : public ::testing::TestWithParam<NetworkCase> {};

TEST_P(GoldenNetworks, ReportsMatchByteForByte) {
  const NetworkCase c = GetParam();
  const ScaleSimConfig cfg = read_config(data(std::string("networks/") + c.run + ".cfg"));
  const Topology topo = read_topology(data(c.topology));
  std::vector<LayerReport> reps;
  for (const Layer& l : topo.layers) reps.push_back(model_layer(cfg, l, Timing::scalesim));
  ASSERT_EQ(reps.size(), c.layers);
  const std::string gold = data(std::string("networks/") + c.run + "/");
  EXPECT_EQ(compute_report_csv(reps), read_text(gold + "COMPUTE_REPORT.csv"));
  EXPECT_EQ(bandwidth_report_csv(reps), read_text(gold + "BANDWIDTH_REPORT.csv"));
  EXPECT_EQ(detailed_access_report_csv(reps), read_text(gold + "DETAILED_ACCESS_REPORT.csv"));
}

INSTANTIATE_TEST_SUITE_P(Calc64KiB, GoldenNetworks,
                         ::testing::Values(NetworkCase{"r18_32_os", "Resnet18.csv", 21},
                                           NetworkCase{"mb_16_os", "mobilenet.csv", 27},
                                           NetworkCase{"mb_16_ws", "mobilenet.csv", 27}));

TEST(ScaleSimGolden, TotalCyclesOfTheSpec) {
  const Topology topo = read_topology(data("tiny_4x4/tiny.csv"));
  const std::pair<const char*, std::int64_t> expect[] = {{"os", 111}, {"ws", 103}, {"is", 127}};
  for (const auto& [df, cycles] : expect) {
    const ScaleSimConfig cfg = read_config(data(std::string("tiny_4x4/tiny_") + df + ".cfg"));
    EXPECT_EQ(model_layer(cfg, topo.layers[0], Timing::scalesim).total_cycles, cycles) << df;
  }
}

TEST(PyFloatRepr, MatchesCPython) {
  EXPECT_EQ(py_float_repr(4.0), "4.0");
  EXPECT_EQ(py_float_repr(-66.0), "-66.0");
  EXPECT_EQ(py_float_repr(75.0), "75.0");
  EXPECT_EQ(py_float_repr(100.0), "100.0");
  EXPECT_EQ(py_float_repr(0.0), "0.0");
  EXPECT_EQ(py_float_repr(768.0 * 100 / (111 * 16)), "43.24324324324324");
  EXPECT_EQ(py_float_repr(48.0 / 103), "0.46601941747572817");
  EXPECT_EQ(py_float_repr(0.1), "0.1");
  EXPECT_EQ(py_float_repr(0.0001), "0.0001");
  EXPECT_EQ(py_float_repr(0.00001), "1e-05");
  EXPECT_EQ(py_float_repr(1.5e-7), "1.5e-07");
  EXPECT_EQ(py_float_repr(1e16), "1e+16");
  EXPECT_EQ(py_float_repr(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(py_float_repr(12345678901234567.0), "1.2345678901234568e+16");
  EXPECT_EQ(py_float_repr(1e100), "1e+100");
  EXPECT_EQ(py_float_repr(-2.5e-300), "-2.5e-300");
}

}  // namespace
}  // namespace lpsim::scalesim
