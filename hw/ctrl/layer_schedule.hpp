// Kernel-free layer schedule: the double-buffered tile pipeline of docs/architecture.md
// ("Layer schedule") as a step-wise state machine. It decides the order of the DMA jobs and
// computes, the buffer halves, and when each may start; the caller performs each step and
// reports when it ended. The SystemC controller drives it with the real DMA/DRAM completion
// times and the backend's compute end; closed-form models (`lpsim scalesim --timing native`,
// analytic fidelity, sim/run/analytic.cpp) drive it with cost functions through schedule_layer().
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "hw/ctrl/layer_descriptor.hpp"
#include "hw/ctrl/tiler.hpp"

namespace lpsim::hw {

// A point in time of one layer, in any integer unit the driver chooses: clock cycles (closed
// forms) or simulator ticks (the controller passes sc_time values, so a DRAM clocked
// differently from the controller stays exact). The core only adds and compares times.
using SchedTime = std::uint64_t;

// The kinds of DMA job a layer issues.
enum class SchedJob : std::uint8_t { bias, weights, inputs, residual, store };

struct ScheduleOptions {
  bool prefetch = true;            // WB and IB double-buffered: tile i+1's loads overlap tile i
  bool ob_double_buffered = true;  // the OB half changes at every first-K tile
  bool bias = false;               // pp::BIAS or pp::CHSCALE: one bias job before the first tile's loads
  std::uint64_t bias_bytes = 0;    // its size (float32 per output column of every group, per vector)
  bool residual = false;           // pp::RESIDUAL: a residual job with each last-K tile's loads
  bool explicit_halves = false;    // the tiles' own halves (TilePlan::explicit_halves)
};

// The options the controller runs a planned layer with (bias/residual from its PP_FLAGS, the
// double buffering from the tiler's buffer configs).
ScheduleOptions schedule_options(const LayerDescriptor& layer, const TilePlan& plan, const TilerConfig& cfg);

// One tile's timeline; every time is absolute (t0 included).
struct TileSchedule {
  SchedTime load_start = 0, load_end = 0;  // its loads (both = the issue point when it loads nothing)
  SchedTime compute_start = 0, compute_end = 0;
  SchedTime post_start = 0;                // the post-processing tail [post_start, compute_end)
  SchedTime store_start = 0, store_end = 0;  // its output store (last K tile only)
  SchedTime stall = 0;                     // compute_start - the previous tile's compute end (t0)
  unsigned wb_half = 0, ib_half = 0, ob_half = 0;  // the halves it reads / accumulates in
};

// What the driver does next.
struct SchedStep {
  enum class Kind : std::uint8_t { dma, compute, done };
  Kind kind = Kind::done;
  SchedJob job = SchedJob::bias;  // dma: which job
  std::size_t tile = 0;           // dma (not bias) and compute: the tile
  SchedTime at = 0;               // dma: issue time (DMA engine free, dependency met); compute: start
  std::uint64_t rows = 0, row_bytes = 0;  // dma: the job's geometry (bias: 1 row of bias_bytes)
  // dma: the local buffer half it fills or drains: WB/IB half (weights/inputs), OB half
  // (store), residual slot tile % 2 (residual), 0 (bias).
  unsigned half = 0;
  SchedTime stall = 0;  // compute: at - the previous tile's compute end (t0 for the first)
};

// The recurrence (docs/architecture.md, "Layer schedule"): one DMA engine serves its jobs in
// issue order (a job issued not before b starts at max(F, b), F = completion of the previous
// job); every job is issued at the current compute point (t0, then the end of the previous
// tile's compute). At tile i's turn: the store of tile i-1 (if last K), the loads of tile i
// (if not prefetched), with prefetch the loads of tile i+1 (weights, inputs, residual on a
// last-K tile with RESIDUAL); tile i computes from S_i = max(its loads' end, C_{i-1}, and on a
// first-K tile the end of the last store from its OB half). After the last tile its store;
// end = max(C_{T-1}, F).
//
// Use: loop { step = next(); done -> stop; perform it; complete(end[, post]); }.
class LayerSchedule {
 public:
  // `tiles` must outlive the schedule.
  LayerSchedule(const std::vector<Tile>& tiles, const ScheduleOptions& opt, SchedTime t0 = 0);

  const SchedStep& next() const { return m_step; }
  bool done() const { return m_step.kind == SchedStep::Kind::done; }
  // Reports that the step next() returned has ended at `end` (>= its `at`; a DMA job: its data
  // is complete). A compute step also gives the length of its post-processing tail (its
  // post_start = end - post). Throws std::logic_error when done or when end < at.
  void complete(SchedTime end, SchedTime post = 0);

  SchedTime start() const { return m_t0; }
  // max(last compute end, last DMA completion): the layer's end once done().
  SchedTime end() const { return std::max(m_compute_free, m_dma_free); }
  SchedTime stall() const { return m_stall; }  // sum of the tiles' stalls so far
  std::size_t tiles_done() const { return m_next_tile; }
  const TileSchedule& tile(std::size_t i) const { return m_timeline[i]; }
  const std::vector<TileSchedule>& timeline() const { return m_timeline; }
  std::vector<TileSchedule> take_timeline() { return std::move(m_timeline); }  // once done()

 private:
  struct Pending {
    SchedJob job;
    std::size_t tile;
    bool first_load;  // the first job of its tile's loads
  };
  void turn(std::size_t i);  // queue the DMA jobs of tile i's turn
  void load(std::size_t j);  // queue tile j's loads (possibly none)
  void advance();            // set m_step to the next pending job, compute, or done

  const std::vector<Tile>& m_tiles;
  ScheduleOptions m_opt;
  SchedTime m_t0;
  SchedTime m_dma_free, m_compute_free, m_ob_free[2];
  SchedTime m_stall = 0;
  std::vector<TileSchedule> m_timeline;
  std::size_t m_loaded = 0;     // tiles [0, m_loaded) have had their loads queued
  std::size_t m_next_tile = 0;  // the next tile to compute
  std::array<Pending, 8> m_queue{};
  std::size_t m_head = 0, m_tail = 0;
  SchedStep m_step;
};

// ---- Driving the schedule with cost functions (closed-form timing) ------------------------

// A tile's compute time and, of it, the post-processing tail.
struct TileCost {
  SchedTime cycles = 0, post = 0;
};

// A timing source: `dma` gives a job's duration from its issue (called once per job, in issue
// order, with step.at set), `compute` a tile's compute time.
struct ScheduleCosts {
  std::function<SchedTime(const SchedStep&)> dma;
  std::function<TileCost(const Tile&, std::size_t index)> compute;
};

struct LayerTimeline {
  std::vector<TileSchedule> tiles;
  SchedTime start = 0, end = 0;  // t0 and max(C_{T-1}, F)
  SchedTime stall = 0;           // sum of the tiles' stalls
};

LayerTimeline schedule_layer(const std::vector<Tile>& tiles, const ScheduleOptions& opt,
                             const ScheduleCosts& costs, SchedTime t0 = 0);

// ---- lpsim's DRAM in closed form ----------------------------------------------------------

// The DRAM channel behind the DMA's pipelined issue (hw/mem/dram.hpp, Dma::run_at): a job's
// rows are cut into bursts of at most burst_bytes (never across rows), all issued at once; the
// channel serves them back to back and the data is complete `latency_cycles` later:
//   D(job) = latency + sum over bursts of ceil(len / bytes_per_cycle)
// (exact when the channel is idle at the issue, as it is between a layer's jobs).
struct DramTiming {
  std::uint64_t bytes_per_cycle = 16;
  std::uint64_t latency_cycles = 100;
  std::uint64_t burst_bytes = 256;
};
SchedTime dram_job_cycles(std::uint64_t rows, std::uint64_t row_bytes, const DramTiming& dram);

}  // namespace lpsim::hw
