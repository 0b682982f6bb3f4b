// Every SCALE-Sim topology and cfg in tests/data/scalesim parses into the values the files hold.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include "scalesim_test_util.hpp"
#include "sim/scalesim/scalesim_config.hpp"
#include "sim/scalesim/topology.hpp"
#include "sw/common/error.hpp"

namespace lpsim::scalesim {
namespace {

using test::data;

TEST(ScaleSimTopology, Resnet18) {
  const Topology t = read_topology(data("Resnet18.csv"));
  EXPECT_FALSE(t.gemm);
  EXPECT_EQ(t.name, "Resnet18");
  ASSERT_EQ(t.layers.size(), 21u);
  const Layer& c1 = t.layers[0];
  EXPECT_EQ(c1.name, "Conv1");
  EXPECT_EQ(c1.ifmap_h, 224);
  EXPECT_EQ(c1.filter_h, 7);
  EXPECT_EQ(c1.channels, 3);
  EXPECT_EQ(c1.num_filters, 64);
  EXPECT_EQ(c1.stride_h, 2);
  EXPECT_EQ(c1.ofmap_h(), 110);  // ceil((224 - 7) / 2) + 1, as SCALE-Sim (and Resnet50's Eh)
  EXPECT_EQ(c1.line, 2);
  // No padding: the 56x56 3x3 layers give 54x54 outputs (docs/scalesim.md, "Inputs").
  EXPECT_EQ(t.layers[1].ofmap_h(), 54);
  EXPECT_EQ(t.layers[1].ofmap_w(), 54);
  const Layer& fc = t.layers.back();
  EXPECT_EQ(fc.name, "FC");
  EXPECT_EQ(fc.channels, 512);
  EXPECT_EQ(fc.num_filters, 1000);
  EXPECT_EQ(fc.ofmap_px(), 1);
}

TEST(ScaleSimTopology, MlperfResnet50WithBlankLineAndSpaces) {
  const Topology t = read_topology(data("mlperf_Resnet50.csv"));
  ASSERT_EQ(t.layers.size(), 54u);
  EXPECT_EQ(t.layers[0].name, "Conv1");
  EXPECT_EQ(t.layers[0].line, 3);  // line 2 is blank
  EXPECT_EQ(t.layers.back().name, "FC6");
  EXPECT_EQ(t.layers.back().channels, 2048);
}

TEST(ScaleSimTopology, MobilenetDepthwiseAsOneFilter) {
  const Topology t = read_topology(data("mobilenet.csv"));
  ASSERT_EQ(t.layers.size(), 27u);
  EXPECT_EQ(t.layers[1].name, "Conv2");
  EXPECT_EQ(t.layers[1].num_filters, 1);
  EXPECT_EQ(t.layers[1].channels, 32);
  EXPECT_EQ(t.layers[25].stride_h, 2);
}

TEST(ScaleSimTopology, TinyAndWindowAndMacs) {
  const Topology t = read_topology(data("tiny_4x4/tiny.csv"));
  ASSERT_EQ(t.layers.size(), 1u);
  const Layer& l = t.layers[0];
  EXPECT_EQ(l.ofmap_px(), 16);
  EXPECT_EQ(l.window(), 8);
  EXPECT_EQ(l.macs(), 16 * 8 * 6);
  EXPECT_EQ(l.ifmap_footprint(), 50);
  EXPECT_EQ(l.filter_footprint(), 48);
}

TEST(ScaleSimTopology, GemmMnk) {
  const Topology t = read_topology(data("test_mnk_input.csv"));
  EXPECT_TRUE(t.gemm);
  ASSERT_EQ(t.layers.size(), 1u);
  const Layer& l = t.layers[0];
  EXPECT_EQ(l.name, "Test 1");
  // SCALE-Sim's GEMM view: px = M, window = K, filters = N.
  EXPECT_EQ(l.ofmap_px(), 128);
  EXPECT_EQ(l.window(), 256);
  EXPECT_EQ(l.num_filters, 64);
  EXPECT_EQ(l.ifmap_footprint(), 128 * 256);
  EXPECT_EQ(l.filter_footprint(), 256 * 64);
  // Forcing the form that the header says works; forcing the wrong one is an error.
  EXPECT_TRUE(read_topology(data("test_mnk_input.csv"), TopologyKind::gemm).gemm);
  EXPECT_THROW(read_topology(data("test_mnk_input.csv"), TopologyKind::conv), UserError);
  EXPECT_THROW(read_topology(data("Resnet18.csv"), TopologyKind::gemm), UserError);
}

TEST(ScaleSimTopology, FootprintSkipsUnusedRowsAndPadding) {
  Layer l;
  l.ifmap_h = l.ifmap_w = 7;
  l.filter_h = l.filter_w = 1;
  l.channels = 2;
  l.num_filters = 1;
  l.stride_h = l.stride_w = 3;  // rows 0, 3, 6 only
  EXPECT_EQ(l.ofmap_h(), 3);
  EXPECT_EQ(l.ifmap_footprint(), 3 * 3 * 2);
  l.ifmap_h = l.ifmap_w = 6;  // E = ceil(5/3)+1 = 3, third window starts at row 6: padding
  l.filter_h = l.filter_w = 2;
  EXPECT_EQ(l.ofmap_h(), 3);
  EXPECT_EQ(l.ifmap_footprint(), 4 * 4 * 2);  // rows 0,1,3,4
}

// Fuzzing finding: the footprint summed window by window when the stride exceeds the kernel
// (H = 2^31 - 1, R = 1, stride 3: 7e8 windows, seconds per layer). Now a closed form; it equals
// the rows counted one by one on every small case.
TEST(ScaleSimTopology, FootprintClosedFormEqualsWindowSum) {
  for (std::int64_t in = 1; in <= 24; ++in)
    for (std::int64_t k = 1; k <= in; ++k)
      for (std::int64_t s = 1; s <= 9; ++s) {
        Layer l;
        l.ifmap_h = in;
        l.ifmap_w = 1;
        l.filter_h = k;
        l.filter_w = 1;
        l.channels = 1;
        l.num_filters = 1;
        l.stride_h = s;
        std::int64_t rows = 0;  // input rows inside at least one window
        for (std::int64_t r = 0; r < in; ++r) {
          bool used = false;
          for (std::int64_t e = 0; e < l.ofmap_h(); ++e) used |= e * s <= r && r < e * s + k;
          rows += used;
        }
        ASSERT_EQ(l.ifmap_footprint(), rows) << "H " << in << " R " << k << " s " << s;
      }
  Layer big;
  big.ifmap_h = 2147483647;
  big.ifmap_w = big.filter_h = big.filter_w = big.channels = big.num_filters = 1;
  big.stride_h = 3;
  EXPECT_EQ(big.ifmap_footprint(), 715827883);  // rows 0, 3, ..., 2^31 - 2
}

TEST(ScaleSimTopology, DepthwiseDpNamesExpandPerChannel) {
  test::TempDir dir;
  const std::string p =
      dir.put("dp.csv",
              "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter "
              "Width, Channels, Num Filter, Strides,\nDP1, 8, 8, 3, 3, 3, 1, 1,\n");
  const Topology t = read_topology(p);
  ASSERT_EQ(t.layers.size(), 3u);
  EXPECT_EQ(t.layers[2].name, "DP1Channel_2");
  EXPECT_EQ(t.layers[2].channels, 1);
}

TEST(ScaleSimTopology, NineColumnsGiveStrideWidth) {
  test::TempDir dir;
  const std::string p = dir.put("s.csv",
                                "Layer name, H, W, R, S, C, M, Stride height, Stride width,\n"
                                "L, 9, 9, 3, 3, 1, 4, 1, 2,\r\nM, 4, 4, 1, 1, 1, 1, 1, 1\n");
  const Topology t = read_topology(p);
  ASSERT_EQ(t.layers.size(), 2u);
  EXPECT_EQ(t.layers[0].ofmap_h(), 7);
  EXPECT_EQ(t.layers[0].ofmap_w(), 4);
  EXPECT_EQ(t.layers[1].name, "M");  // no trailing comma is fine too
}

struct CfgCase {
  const char* file;
  const char* run_name;
  std::int64_t ar, ac, ifmap_kb, ofmap_kb;
  Dataflow df;
};

TEST(ScaleSimConfig, EverySharedCfg) {
  const CfgCase cases[] = {
      {"scale.cfg", "scale_example_run_32x32_os", 32, 32, 64, 64, Dataflow::os},
      {"google.cfg", "GoogleTPU_v1_ws", 256, 256, 6144, 2048, Dataflow::ws},
      {"eyeriss.cfg", "eyeriss", 12, 14, 36, 36, Dataflow::ws},
      {"tiny_4x4/tiny_os.cfg", "tiny_4x4_os", 4, 4, 64, 64, Dataflow::os},
      {"tiny_4x4/tiny_ws.cfg", "tiny_4x4_ws", 4, 4, 64, 64, Dataflow::ws},
      {"tiny_4x4/tiny_is.cfg", "tiny_4x4_is", 4, 4, 64, 64, Dataflow::is},
  };
  for (const CfgCase& c : cases) {
    SCOPED_TRACE(c.file);
    const ScaleSimConfig cfg = read_config(data(c.file));
    EXPECT_EQ(cfg.run_name, c.run_name);
    EXPECT_EQ(cfg.array_height, c.ar);
    EXPECT_EQ(cfg.array_width, c.ac);
    EXPECT_EQ(cfg.ifmap_sram_kb, c.ifmap_kb);
    EXPECT_EQ(cfg.ofmap_sram_kb, c.ofmap_kb);
    EXPECT_EQ(cfg.ifmap_offset, 0);
    EXPECT_EQ(cfg.filter_offset, 10000000);
    EXPECT_EQ(cfg.ofmap_offset, 20000000);
    ASSERT_EQ(cfg.bandwidth.size(), 1u);
    EXPECT_EQ(cfg.bandwidth[0], 10);
    EXPECT_EQ(cfg.memory_banks, 1);
    EXPECT_EQ(cfg.dataflow, c.df);
    EXPECT_FALSE(cfg.user_bandwidth);
  }
}

TEST(ScaleSimConfig, ConfigparserSyntaxVariants) {
  test::TempDir dir;
  const std::string p = dir.put(
      "v.cfg",
      "# comment\n[general]\nRUN_NAME: r1\n\n; another comment\n[architecture_presets]\n"
      "arrayheight=8\nArrayWidth = 16\nIfmapSramSzkB: 1\nFilterSramSzkB: 2\nOfmapSramSzkB: 3\n"
      "IfmapOffset: 0\nFilterOffset: 5\nOfmapOffset: 9\nBandwidth : 4, 8, 16\n"
      "Dataflow : is\nMemoryBanks: 2\n[run_presets]\nInterfaceBandwidth: USER\n");
  const ScaleSimConfig c = read_config(p);
  EXPECT_EQ(c.run_name, "r1");
  EXPECT_EQ(c.array_height, 8);
  EXPECT_EQ(c.array_width, 16);
  EXPECT_EQ(c.bandwidth, (std::vector<std::int64_t>{4, 8, 16}));
  EXPECT_EQ(c.dataflow, Dataflow::is);
  EXPECT_TRUE(c.user_bandwidth);
  EXPECT_EQ(c.memory_banks, 2);
}

}  // namespace
}  // namespace lpsim::scalesim
