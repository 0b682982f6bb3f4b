// Reporters: a RunResult as the console table, summary.json, layers.csv, and the report
// (tiles.csv, trace.json and waveform.vcd are in trace_files.hpp). Each takes a RunResult only.
#pragma once

#include <string>

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
// Every output file of a run into `out`'s staging directory (waveform.vcd when `vcd`); the
// caller commits. An analytic run has no tile timeline: no tiles.csv, trace.json, waveform.vcd.
void write_run_files(OutputDir& out, const RunResult& r, bool vcd);
// The files write_run_files writes, in the order `lpsim run` lists them.
std::vector<std::string> run_file_names(bool vcd, bool analytic = false);

}  // namespace lpsim::sim
