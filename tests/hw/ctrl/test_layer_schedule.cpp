// The kernel-free layer schedule (hw/ctrl/layer_schedule.hpp) on hand-built tiles: every
// expected time below is worked out by hand from the recurrence of docs/architecture.md
// ("Layer schedule"). DMA cost in these tests: D(job) = rows x row_bytes cycles.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "hw/ctrl/layer_schedule.hpp"

namespace lpsim::hw {
namespace {

DmaJob job(std::uint64_t rows, std::uint64_t row_bytes, DmaDir dir = DmaDir::to_local) {
  DmaJob j;
  j.dir = dir;
  j.rows = rows;
  j.row_bytes = row_bytes;
  return j;
}

// A tile whose weights, inputs and outputs jobs take w, in and out cycles (one row each).
Tile tile(bool first_k, bool last_k, bool load_w, bool load_in, std::uint64_t w, std::uint64_t in,
          std::uint64_t out) {
  Tile t;
  t.mt = t.kt = t.nt = 1;
  t.first_k = first_k;
  t.last_k = last_k;
  t.load_weights = load_w;
  t.load_inputs = load_in;
  t.weights = job(1, w);
  t.inputs = job(1, in);
  t.outputs = job(1, out, DmaDir::to_dram);
  return t;
}

ScheduleCosts costs(std::vector<TileCost> compute) {
  ScheduleCosts c;
  c.dma = [](const SchedStep& s) { return s.rows * s.row_bytes; };
  c.compute = [compute](const Tile&, std::size_t i) { return compute.at(i); };
  return c;
}

struct Expect {
  SchedTime load_start, load_end, compute_start, compute_end, post_start, store_start, store_end, stall;
};

void expect_timeline(const LayerTimeline& tl, const std::vector<Expect>& want) {
  ASSERT_EQ(tl.tiles.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const TileSchedule& t = tl.tiles[i];
    const Expect& e = want[i];
    EXPECT_EQ(t.load_start, e.load_start) << "tile " << i;
    EXPECT_EQ(t.load_end, e.load_end) << "tile " << i;
    EXPECT_EQ(t.compute_start, e.compute_start) << "tile " << i;
    EXPECT_EQ(t.compute_end, e.compute_end) << "tile " << i;
    EXPECT_EQ(t.post_start, e.post_start) << "tile " << i;
    EXPECT_EQ(t.store_start, e.store_start) << "tile " << i;
    EXPECT_EQ(t.store_end, e.store_end) << "tile " << i;
    EXPECT_EQ(t.stall, e.stall) << "tile " << i;
  }
}

// The steps a schedule asks for, as text: "dma weights 0 @16" / "compute 1 @66".
std::vector<std::string> steps(const std::vector<Tile>& tiles, const ScheduleOptions& opt, const ScheduleCosts& c) {
  static const char* const kJob[] = {"bias", "weights", "inputs", "residual", "store"};
  std::vector<std::string> out;
  LayerSchedule s(tiles, opt);
  while (!s.done()) {
    const SchedStep& st = s.next();
    if (st.kind == SchedStep::Kind::dma) {
      out.push_back(std::string("dma ") + kJob[static_cast<int>(st.job)] + " " + std::to_string(st.tile) + " @" +
                    std::to_string(st.at) + " half " + std::to_string(st.half));
      s.complete(st.at + c.dma(st));
    } else {
      out.push_back("compute " + std::to_string(st.tile) + " @" + std::to_string(st.at));
      const TileCost tc = c.compute(tiles[st.tile], st.tile);
      s.complete(st.at + tc.cycles, tc.post);
    }
  }
  return out;
}

TEST(LayerSchedule, SingleTileLoadsComputesAndStores) {
  const std::vector<Tile> tiles = {tile(true, true, true, true, 10, 20, 5)};
  const LayerTimeline tl = schedule_layer(tiles, ScheduleOptions{}, costs({{100, 4}}));
  // weights [0, 10), inputs [10, 30), compute [30, 130) with PPU from 126, store [130, 135).
  expect_timeline(tl, {{0, 30, 30, 130, 126, 130, 135, 30}});
  EXPECT_EQ(tl.start, 0u);
  EXPECT_EQ(tl.end, 135u);
  EXPECT_EQ(tl.stall, 30u);
  EXPECT_EQ(tl.tiles[0].wb_half, 0u);
  EXPECT_EQ(tl.tiles[0].ib_half, 0u);
  EXPECT_EQ(tl.tiles[0].ob_half, 0u);
}

TEST(LayerSchedule, StartsAtT0) {
  const std::vector<Tile> tiles = {tile(true, true, true, true, 10, 20, 5)};
  const LayerTimeline tl = schedule_layer(tiles, ScheduleOptions{}, costs({{100, 4}}), 1000);
  expect_timeline(tl, {{1000, 1030, 1030, 1130, 1126, 1130, 1135, 30}});
  EXPECT_EQ(tl.start, 1000u);
  EXPECT_EQ(tl.end, 1135u);
}

// One K tile per output tile, n -> m order: the weights stay, each tile loads its inputs. Every
// load completes during the previous tile's compute, so only tile 0 waits and the layer is the
// closed form D(w0) + D(in0) + sum of computes + D(last store) = 8 + 4 + 150 + 2.
TEST(LayerSchedule, ComputeBoundOnlyTheFirstTileWaits) {
  const std::vector<Tile> tiles = {tile(true, true, true, true, 8, 4, 2), tile(true, true, false, true, 8, 4, 2),
                                   tile(true, true, false, true, 8, 4, 2)};
  const LayerTimeline tl = schedule_layer(tiles, ScheduleOptions{}, costs({{50, 0}, {50, 0}, {50, 0}}));
  expect_timeline(tl, {
                          {0, 12, 12, 62, 62, 62, 64, 12},      // w0 [0,8) in0 [8,12)
                          {12, 16, 62, 112, 112, 112, 114, 0},  // in1 [12,16) prefetched at t0
                          {64, 68, 112, 162, 162, 162, 164, 0},  // in2 after store 0
                      });
  EXPECT_EQ(tl.end, 8u + 4 + 150 + 2);
  EXPECT_EQ(tl.stall, 12u);
  // WB: loaded once (half 0); IB and OB alternate.
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(tl.tiles[i].wb_half, 0u) << i;
    EXPECT_EQ(tl.tiles[i].ib_half, i % 2) << i;
    EXPECT_EQ(tl.tiles[i].ob_half, i % 2) << i;
  }
}

// Slow DMA: compute waits for every tile's loads, and the last store waits for the engine
// (busy with tile 0's store until 320) rather than for the compute (done at 310).
TEST(LayerSchedule, MemoryBoundComputeWaitsForLoadsAndStoresQueue) {
  const std::vector<Tile> tiles = {tile(true, true, true, true, 100, 50, 20), tile(true, true, true, true, 100, 50, 20)};
  const LayerTimeline tl = schedule_layer(tiles, ScheduleOptions{}, costs({{10, 0}, {10, 0}}));
  expect_timeline(tl, {
                          {0, 150, 150, 160, 160, 300, 320, 150},    // store 0 queued behind loads of tile 1
                          {150, 300, 300, 310, 310, 320, 340, 140},  // loads [150, 300)
                      });
  EXPECT_EQ(tl.end, 340u);
  EXPECT_EQ(tl.stall, 290u);
}

// Two output tiles of two K tiles each; every tile loads weights and inputs; slow stores (30).
// With a double-buffered OB the second output tile accumulates in the other half and does not
// wait for the first one's store; with a single OB it waits until that store has drained it.
std::vector<Tile> split_k_tiles() {
  return {tile(true, false, true, true, 5, 5, 30), tile(false, true, true, true, 5, 5, 30),
          tile(true, false, true, true, 5, 5, 30), tile(false, true, true, true, 5, 5, 30)};
}

TEST(LayerSchedule, SplitKAccumulatesInOneObHalfAndAlternatesHalvesPerOutputTile) {
  const std::vector<Tile> tiles = split_k_tiles();
  const LayerTimeline tl = schedule_layer(tiles, ScheduleOptions{}, costs({{20, 0}, {20, 2}, {20, 0}, {20, 2}}));
  expect_timeline(tl, {
                          {0, 10, 10, 30, 30, 0, 0, 10},
                          {10, 20, 30, 50, 48, 50, 80, 0},  // store 1 [50, 80) from OB half 0
                          {30, 40, 50, 70, 70, 0, 0, 0},    // first K of output 2: half 1 is free
                          {80, 90, 90, 110, 108, 110, 140, 20},  // its loads queued behind store 1
                      });
  EXPECT_EQ(tl.end, 140u);
  EXPECT_EQ(tl.stall, 30u);
  const unsigned ob[] = {0, 0, 1, 1};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(tl.tiles[i].ob_half, ob[i]) << i;
    EXPECT_EQ(tl.tiles[i].wb_half, i % 2) << i;
    EXPECT_EQ(tl.tiles[i].ib_half, i % 2) << i;
  }
}

// Paired M tiles (TilePlan::explicit_halves): A and B share each weight tile, A in IB/OB half 0
// and B in half 1, K split in two. The schedule takes the tiles' halves: every DMA job fills or
// drains the half its tile names, and the OB halves hold both output tiles' accumulators.
TEST(LayerSchedule, ExplicitHalvesComeFromThePairedTiles) {
  std::vector<Tile> tiles = {tile(true, false, true, true, 4, 4, 2), tile(true, false, false, true, 4, 4, 2),
                             tile(false, true, true, false, 4, 4, 2), tile(false, true, false, false, 4, 4, 2)};
  const unsigned wb[] = {0, 0, 1, 1}, io[] = {0, 1, 0, 1};
  for (std::size_t i = 0; i < 4; ++i) {
    tiles[i].wb_half = wb[i];
    tiles[i].ib_half = tiles[i].ob_half = io[i];
  }
  ScheduleOptions opt;
  opt.explicit_halves = true;
  std::vector<std::tuple<SchedJob, std::size_t, unsigned>> jobs;
  ScheduleCosts c = costs({{10, 0}, {10, 0}, {10, 1}, {10, 1}});
  c.dma = [&](const SchedStep& s) {
    jobs.emplace_back(s.job, s.tile, s.half);
    return s.rows * s.row_bytes;
  };
  const LayerTimeline tl = schedule_layer(tiles, opt, c);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(tl.tiles[i].wb_half, wb[i]) << i;
    EXPECT_EQ(tl.tiles[i].ib_half, io[i]) << i;
    EXPECT_EQ(tl.tiles[i].ob_half, io[i]) << i;
  }
  const std::vector<std::tuple<SchedJob, std::size_t, unsigned>> want = {
      {SchedJob::weights, 0, 0}, {SchedJob::inputs, 0, 0}, {SchedJob::inputs, 1, 1},
      {SchedJob::weights, 2, 1}, {SchedJob::store, 2, 0},  {SchedJob::store, 3, 1}};
  EXPECT_EQ(jobs, want);
  // Without the option the same tiles alternate by loads (B's inputs would go to half 1, A's
  // second K tile would read them: the plan needs its own halves).
  EXPECT_EQ(schedule_layer(tiles, ScheduleOptions{}, costs({{10, 0}, {10, 0}, {10, 1}, {10, 1}})).tiles[2].ib_half, 1u);
}

TEST(LayerSchedule, SplitKWithASingleObWaitsForTheStore) {
  const std::vector<Tile> tiles = split_k_tiles();
  ScheduleOptions opt;
  opt.ob_double_buffered = false;
  const LayerTimeline tl = schedule_layer(tiles, opt, costs({{20, 0}, {20, 2}, {20, 0}, {20, 2}}));
  expect_timeline(tl, {
                          {0, 10, 10, 30, 30, 0, 0, 10},
                          {10, 20, 30, 50, 48, 50, 80, 0},
                          {30, 40, 80, 100, 100, 0, 0, 30},  // waits for store 1 to free the OB
                          {80, 90, 100, 120, 118, 120, 150, 0},
                      });
  EXPECT_EQ(tl.end, 150u);
  EXPECT_EQ(tl.stall, 40u);
  for (const TileSchedule& t : tl.tiles) EXPECT_EQ(t.ob_half, 0u);
}

// Without double-buffered WB/IB a tile's loads are issued at its own turn (after the previous
// tile's compute and store), into half 0.
TEST(LayerSchedule, WithoutPrefetchLoadsWaitForTheirTurn) {
  const std::vector<Tile> tiles = {tile(true, true, true, true, 10, 10, 1), tile(true, true, true, true, 10, 10, 1)};
  ScheduleOptions opt;
  opt.prefetch = false;
  const LayerTimeline tl = schedule_layer(tiles, opt, costs({{5, 0}, {5, 0}}));
  expect_timeline(tl, {
                          {0, 20, 20, 25, 25, 25, 26, 20},
                          {26, 46, 46, 51, 51, 51, 52, 21},  // loads after store 0 [25, 26)
                      });
  EXPECT_EQ(tl.end, 52u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(tl.tiles[i].wb_half, 0u);
    EXPECT_EQ(tl.tiles[i].ib_half, 0u);
    EXPECT_EQ(tl.tiles[i].ob_half, i);
  }
}

// Bias first (16 cycles), then with each last-K tile's loads its residual tile (the outputs
// job's size, into slot tile % 2). Tile 1 reuses the weights.
TEST(LayerSchedule, BiasBeforeTheFirstLoadsAndResidualWithEachLastKTile) {
  std::vector<Tile> tiles = {tile(true, true, true, true, 0, 0, 0), tile(true, true, false, true, 0, 0, 0)};
  for (Tile& t : tiles) {
    t.weights = job(2, 4);                     // 8 cycles
    t.inputs = job(3, 2);                      // 6
    t.outputs = job(3, 2, DmaDir::to_dram);    // 6 (and the residual 6)
  }
  ScheduleOptions opt;
  opt.bias = true;
  opt.bias_bytes = 16;
  opt.residual = true;
  const ScheduleCosts c = costs({{30, 3}, {30, 3}});
  const LayerTimeline tl = schedule_layer(tiles, opt, c);
  expect_timeline(tl, {
                          {16, 36, 36, 66, 63, 66, 72, 36},  // w [16,24) in [24,30) res [30,36)
                          {36, 48, 66, 96, 93, 96, 102, 0},  // in [36,42) res [42,48)
                      });
  EXPECT_EQ(tl.end, 102u);
  const std::vector<std::string> want = {
      "dma bias 0 @0 half 0",     "dma weights 0 @16 half 0",  "dma inputs 0 @24 half 0",
      "dma residual 0 @30 half 0", "dma inputs 1 @36 half 1",  "dma residual 1 @42 half 1",
      "compute 0 @36",            "dma store 0 @66 half 0",    "compute 1 @66",
      "dma store 1 @96 half 1",
  };
  EXPECT_EQ(steps(tiles, opt, c), want);
}

TEST(LayerSchedule, OptionsFollowTheDescriptorAndBuffers) {
  LayerDescriptor d;
  d.pp_flags = pp::BIAS | pp::RESIDUAL | pp::RELU;
  TilePlan plan;
  plan.shape.groups = 2;
  plan.shape.n = 8;
  TilerConfig cfg;
  ScheduleOptions o = schedule_options(d, plan, cfg);
  EXPECT_TRUE(o.prefetch);
  EXPECT_TRUE(o.ob_double_buffered);
  EXPECT_TRUE(o.bias);
  EXPECT_EQ(o.bias_bytes, 64u);  // 2 groups x 8 columns x float32
  EXPECT_TRUE(o.residual);
  d.pp_flags = pp::RELU;
  cfg.ib.double_buffered = false;
  cfg.ob.double_buffered = false;
  o = schedule_options(d, plan, cfg);
  EXPECT_FALSE(o.prefetch);
  EXPECT_FALSE(o.ob_double_buffered);
  EXPECT_FALSE(o.bias);
  EXPECT_EQ(o.bias_bytes, 0u);
  EXPECT_FALSE(o.residual);
}

// A driver reports real end times (here: a DMA slower than any cost function): the schedule
// follows them, not its own idea of the cost.
TEST(LayerSchedule, StepwiseDriverReportsRealEndTimes) {
  const std::vector<Tile> tiles = {tile(true, true, true, false, 4, 0, 4), tile(true, true, false, false, 4, 0, 4)};
  LayerSchedule s(tiles, ScheduleOptions{});
  ASSERT_EQ(s.next().kind, SchedStep::Kind::dma);
  EXPECT_EQ(s.next().job, SchedJob::weights);
  EXPECT_EQ(s.next().at, 0u);
  EXPECT_EQ(s.next().rows * s.next().row_bytes, 4u);
  s.complete(37);  // the weights took 37
  ASSERT_EQ(s.next().kind, SchedStep::Kind::compute);  // tile 1 loads nothing: no job
  EXPECT_EQ(s.next().tile, 0u);
  EXPECT_EQ(s.next().at, 37u);
  EXPECT_EQ(s.next().stall, 37u);
  EXPECT_EQ(s.tile(1).load_start, 0u);  // its (empty) loads were issued at t0
  EXPECT_EQ(s.tile(1).load_end, 0u);
  s.complete(40, 1);
  EXPECT_EQ(s.next().job, SchedJob::store);
  EXPECT_EQ(s.next().at, 40u);
  s.complete(41);
  ASSERT_EQ(s.next().kind, SchedStep::Kind::compute);
  EXPECT_EQ(s.next().at, 40u);  // tile 1's OB half was never stored from
  EXPECT_EQ(s.next().stall, 0u);
  s.complete(45);
  EXPECT_EQ(s.next().job, SchedJob::store);
  EXPECT_EQ(s.next().at, 45u);
  s.complete(100);  // a slow store: the layer ends with it
  EXPECT_TRUE(s.done());
  EXPECT_EQ(s.end(), 100u);
  EXPECT_EQ(s.stall(), 37u);
  EXPECT_EQ(s.tiles_done(), 2u);
  EXPECT_EQ(s.tile(0).post_start, 39u);
  EXPECT_THROW(s.complete(200), std::logic_error);
}

TEST(LayerSchedule, RejectsAnEndBeforeTheStart) {
  const std::vector<Tile> tiles = {tile(true, true, true, true, 1, 1, 1)};
  LayerSchedule s(tiles, ScheduleOptions{}, 50);
  EXPECT_THROW(s.complete(49), std::logic_error);
  s.complete(50);  // a zero-length job is fine
  EXPECT_EQ(s.next().job, SchedJob::inputs);
}

TEST(LayerSchedule, EmptyPlanRunsOnlyTheBias) {
  const std::vector<Tile> tiles;
  ScheduleOptions opt;
  opt.bias = true;
  opt.bias_bytes = 12;
  LayerSchedule s(tiles, opt, 5);
  ASSERT_EQ(s.next().kind, SchedStep::Kind::dma);
  EXPECT_EQ(s.next().job, SchedJob::bias);
  EXPECT_EQ(s.next().row_bytes, 12u);
  s.complete(17);
  EXPECT_TRUE(s.done());
  EXPECT_EQ(s.end(), 17u);
}

// D(job) = latency + per row: full bursts of ceil(burst / B) cycles and the rest of the row.
TEST(LayerSchedule, DramJobCyclesInClosedForm) {
  EXPECT_EQ(dram_job_cycles(3, 600, DramTiming{16, 100, 256}), 100u + 3 * (2 * 16 + 6));
  EXPECT_EQ(dram_job_cycles(2, 600, DramTiming{100, 0, 256}), 2u * (2 * 3 + 1));
  EXPECT_EQ(dram_job_cycles(1, 256, DramTiming{16, 7, 256}), 7u + 16);
  EXPECT_EQ(dram_job_cycles(4, 1, DramTiming{16, 0, 4096}), 4u);
  EXPECT_EQ(dram_job_cycles(0, 100, DramTiming{16, 100, 256}), 100u);
}

}  // namespace
}  // namespace lpsim::hw
