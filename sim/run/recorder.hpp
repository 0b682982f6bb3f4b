// What `lpsim run` records while the accelerator runs: per-layer action counts from the block
// stats, the per-tile timeline, PE registers for waveforms, and the progress line.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hw/array/systolic_array.hpp"
#include "hw/top/accelerator.hpp"
#include "sw/energy/action_counts.hpp"

namespace lpsim::sim {

// One tile of a layer, times in accelerator clock cycles since the start of the simulation
// (t = 0, when the host begins; the same origin for tiles.csv, trace.json and waveform.vcd).
struct TileSpan {
  std::uint64_t load_start = 0, load_end = 0;  // equal: it loaded nothing
  std::uint64_t compute_start = 0;             // array: [compute_start, post_start)
  std::uint64_t post_start = 0;                // PPU: [post_start, compute_end) (may be empty)
  std::uint64_t compute_end = 0;
  std::uint64_t store_start = 0, store_end = 0;  // last K tile only (has_store)
  std::uint64_t load_bytes = 0, store_bytes = 0, wb_bytes = 0, ib_bytes = 0, macs = 0;
  bool has_store = false;
};

// One accelerator layer as the hardware saw it.
struct LayerRecord {
  std::uint64_t start = 0, end = 0;  // START and done, cycles since t = 0
  int mode = 8;
  bool is_int = false;               // INT PE (else LP PE)
  int pe_type = 0;                   // hw::PeType of the layer (lp, int, posit, ...)
  int wb_halves = 2, ib_halves = 2;  // 2: double-buffered
  std::vector<TileSpan> tiles;       // in plan order
  energy::ActionCounts counts;       // this layer's actions (DRAM bytes: counts.dram_*_bytes)
  // The controller's figures (summed over the runs of a layer): START to done, array + exposed
  // PPU cycles, compute waiting for DMA, tiles.
  std::uint64_t cycles = 0, compute_cycles = 0, stall_cycles = 0, tile_count = 0;
  double utilization = 0;  // MACs / (cycles x rows x cols x 8/MODE), set by the caller (sim/run)
};

// The sub-array and window of PE-level waveforms (--vcd-pe, --vcd-window). The window is
// either cycles [start, end) or, when `layer` >= 0, the array activity of that network layer
// (every tile, or only tile `tile` of it, counted as in tiles.csv) wherever it falls in time.
struct PeProbe {
  int rows = 0, cols = 0;            // top-left sub-array
  std::uint64_t start = 0, end = 0;  // [start, end) in cycles since t = 0 (layer < 0)
  std::int64_t layer = -1;           // network layer index (as in tiles.csv); -1: cycles
  std::int64_t tile = -1;            // with layer: one tile of it; -1: all its tiles
  std::uint64_t max_samples = ~std::uint64_t{0};  // clocks sampled at most (the first ones)
  std::string spec;                               // the --vcd-window text, for messages
};

// PE registers of the probed sub-array at one clock edge (row-major over the sub-array).
struct PeSample {
  std::uint64_t cycle = 0;
  int mode = 8;
  int lsb_exp = 0;  // the accumulator grid: psum value = psum x 2^lsb_exp (docs/datapath.md)
  std::vector<hw::PeState> pes;
};

// Attaches to the accelerator's observers before sc_start; all hooks stay empty (no cost)
// unless asked for.
class RunRecorder {
 public:
  struct Options {
    bool progress = false;           // the progress line on stderr (a terminal)
    std::size_t total_layers = 0;    // for progress
    std::uint64_t total_macs = 0;    // for the ETA
    const PeProbe* probe = nullptr;  // PE-level sampling (cycle fidelity)
    // The network layer the host is running (index as in tiles.csv), for a probe that names
    // a layer; unset: one network layer per accelerator layer run.
    std::function<std::size_t()> network_layer;
  };
  RunRecorder(hw::Accelerator& acc, Options opt);
  ~RunRecorder();

  const std::vector<LayerRecord>& layers() const { return m_layers; }
  const std::vector<PeSample>& pe_samples() const { return m_samples; }
  // Merges consecutive records into one per network layer: runs[i] accelerator layer runs
  // (today one each: a batched on-chip conv is one descriptor) become record i (start of the first, end of
  // the last, tiles in order, counts summed).
  void merge_runs(const std::vector<std::uint32_t>& runs);
  // Clears the progress line if one was shown.
  void finish_progress();

 private:
  struct Snapshot;
  void on_layer_end(const hw::LayerEnd& e);
  void on_step(const hw::SystolicArray& core);
  void progress();
  std::uint64_t cycle_of(const sc_core::sc_time& t) const;

  hw::Accelerator& m_acc;
  Options m_opt;
  std::vector<LayerRecord> m_layers;
  std::vector<PeSample> m_samples;
  std::unique_ptr<Snapshot> m_prev;
  std::chrono::steady_clock::time_point m_wall0;
  std::uint64_t m_macs_done = 0, m_tiles_done = 0;
  bool m_progress_shown = false;
  // PE probe by layer: the network layer seen at the last step, and the array jobs (tiles)
  // completed before its first step.
  std::size_t m_probe_layer = ~std::size_t{0};
  std::size_t m_probe_tile_base = 0;
};

}  // namespace lpsim::sim
