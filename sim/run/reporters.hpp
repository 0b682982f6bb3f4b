// Reporters: a RunResult as the console table, summary.json, layers.csv, and the report
// (tiles.csv, trace.json and waveform.vcd are in trace_files.hpp). Each takes a RunResult only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/output/output_dir.hpp"
#include "sim/run/pipeline.hpp"
#include "traces/html_report.hpp"

namespace lpsim::sim {

// The per-layer table and the totals (docs/outputs.md: what each column means).
std::string console_text(const RunResult& r);
// summary.json (docs/outputs.md): totals, accuracy, energy, action counts, per-layer records.
std::string summary_json(const RunResult& r);
// layers.csv: one row per accelerator layer.
std::string layers_csv(const RunResult& r);
// What report.html shows.
traces::ReportData report_data(const RunResult& r);
// Every output file of a run into `out`'s staging directory; with `vcd` also the waveform
// (waveform.vcd, or waveform.fst when `fst`: converted by GTKWave's vcd2fst, found on PATH),
// its GTKWave save file waveform.gtkw and the translate filter files (docs/outputs.md); the
// caller commits.
void write_run_files(OutputDir& out, const RunResult& r, bool vcd, bool fst = false);
// The files write_run_files writes, in the order `lpsim run` lists them.
std::vector<std::string> run_file_names(const RunResult& r, bool vcd, bool fst = false);
// The cycles [first, second) of the PE window as it fell in the run (a named window resolved
// from the tile timeline); nullopt without a probe, or when the window named no tile.
std::optional<std::pair<std::uint64_t, std::uint64_t>> pe_window(const RunResult& r);
// One line for stderr when the PE window held no array activity or was cut at the sample
// limit ("" otherwise).
std::string pe_window_note(const RunResult& r);

}  // namespace lpsim::sim
