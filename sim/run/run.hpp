// `lpsim run`: a workload end to end — model, FP32 reference, compile, simulate, check, report.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace lpsim::sim {

struct RunOptions {
  std::string workload;            // the YAML file
  std::string out_dir;             // "" = runs/<workload name>
  std::vector<std::string> sets;   // --set dotted.key=value
  bool check = true;               // compare every layer with the reference
  bool quiet = false;              // no progress on stderr
  std::string energy_file;         // --energy FILE: cost tables (docs/energy.md); "" = defaults
  bool vcd = false;                // --vcd: waveform.vcd with block-level signals
  std::string vcd_pe;              // --vcd-pe ROWSxCOLS: PE-level signals of that sub-array
  std::string vcd_window;          // --vcd-window START:END: ... over these cycles
};

// Runs the workload; prints the per-layer table and totals to `out` and writes the output
// directory (docs/outputs.md: summary.json, layers.csv, tiles.csv, trace.json, report.html,
// effective.yaml, energy.yaml, and waveform.vcd with --vcd). Returns 0 when every layer matched
// the reference, 1 when one did not (the mismatch is printed). Bad input throws UserError
// before any output is written.
int run_workload(const RunOptions& opt, std::ostream& out);

}  // namespace lpsim::sim
