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
void write_vcd(const std::string& path, const std::vector<LayerRecord>& layers, double period_ns,
               const PeProbe* probe, const std::vector<PeSample>& samples);

// The same slices as trace.json, for the HTML report (unit: cycles).
std::vector<traces::ReportEvent> timeline_events(const std::vector<LayerRecord>& layers,
                                                 const std::vector<std::string>& names);

}  // namespace lpsim::sim
