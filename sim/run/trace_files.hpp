// The run's trace files from the recorded timeline: tiles.csv, trace.json, waveform.vcd, and
// the timeline of report.html. One time origin (cycle 0 = simulation start) for all of them.
#pragma once

#include <string>
#include <vector>

#include "sim/run/recorder.hpp"
#include "traces/html_report.hpp"

namespace lpsim::sim {

// Per tile and block (dma_load, array, ppu, dma_store): layer_index, layer, tile, block,
// start_cycle, end_cycle, bytes, macs. Empty intervals (a tile that loaded nothing, no
// post-processing) have no row.
std::string tiles_csv(const std::vector<LayerRecord>& layers,
                      const std::vector<std::string>& names);

// Chrome/Perfetto trace-event JSON: tracks controller (one slice per layer), dma (loads and
// stores), array (compute), ppu (post-processing tails); microseconds = cycles x period.
void write_trace_json(const std::string& path, const std::vector<LayerRecord>& layers,
                      const std::vector<std::string>& names, double period_ns,
                      const std::string& title);

// Block-level signals (and PE-level ones when `probe` is given) at the cycles they change.
// `psum_unit[l]` scales layer l's accumulator values into psum_value (1 for LP layers, s_a x s_w
// for INT layers); missing entries count as 1.
void write_vcd(const std::string& path, const std::vector<LayerRecord>& layers, double period_ns,
               const PeProbe* probe, const std::vector<PeSample>& samples,
               const std::vector<double>& psum_unit = {});

// The controller states of lpa.ctrl.state, by value (0 idle, 1 load, 2 compute, 3 post, 4 store).
const std::vector<std::string>& ctrl_state_names();

// What the GTKWave save file shows (docs/outputs.md, "waveform.gtkw").
struct WaveView {
  std::string dump_file = "waveform.vcd";      // waveform.vcd or waveform.fst, beside the save file
  std::string state_filter;                    // translate filter of lpa.ctrl.state ("" = none)
  std::string layer_filter;                    // ... of lpa.ctrl.layer (index -> layer name)
  std::string act_filter, vert_filter;         // ... of the PE act / vert registers
  std::vector<std::string> layer_names;        // named markers at the layers' starts
  std::uint64_t view_start = 0, view_end = 0;  // cycles the view is zoomed to
};

// waveform.gtkw: the signals of write_vcd grouped by block in the wave pane, radixes, translate
// filters, named markers at layer starts, the view over [view_start, view_end). Paths in it are
// anchored at a fixed directory (/lpsim-run/) that GTKWave re-anchors at the save file's own
// directory, so the output directory may be moved.
std::string gtkw_text(const std::vector<LayerRecord>& layers, double period_ns,
                      const PeProbe* probe, const WaveView& view);

// The same slices as trace.json, for the HTML report (unit: cycles).
std::vector<traces::ReportEvent> timeline_events(const std::vector<LayerRecord>& layers,
                                                 const std::vector<std::string>& names);

}  // namespace lpsim::sim
