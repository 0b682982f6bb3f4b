// `lpsim run FILE`: the main job — a workload end to end with bit-exact checking.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "sim/commands.hpp"
#include "sim/run/run.hpp"

namespace lpsim::cli {

void add_run_command(CLI::App& app) {
  auto opt = std::make_shared<sim::RunOptions>();
  auto* cmd = app.add_subcommand("run", "Simulate a workload (YAML) end to end: quantize, compile, run on the "
                                        "accelerator, check every layer bit-exactly, report");
  cmd->add_option("workload", opt->workload, "workload file (docs/workload.md)")->required();
  cmd->add_option("--out,-o", opt->out_dir, "output directory (default runs/<workload name>)");
  cmd->add_option("--set", opt->sets, "override a key: dotted.key=value (repeatable)");
  cmd->add_flag("!--no-check", opt->check, "skip the per-layer reference check");
  cmd->add_flag("--quiet,-q", opt->quiet, "no progress or timing on stderr");
  cmd->add_option("--energy", opt->energy_file, "energy/area cost tables (YAML, docs/energy.md); default: built-in");
  cmd->add_flag("--vcd", opt->vcd, "write waveform.vcd with block-level signals (docs/outputs.md)");
  cmd->add_option("--vcd-pe", opt->vcd_pe,
                  "ROWSxCOLS: also PE registers of that top-left sub-array (cycle fidelity, with --vcd-window)");
  cmd->add_option("--vcd-window", opt->vcd_window, "START:END: cycles [START, END) of the PE-level signals");
  cmd->callback([opt] {
    const int rc = sim::run_workload(*opt, std::cout);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace lpsim::cli
