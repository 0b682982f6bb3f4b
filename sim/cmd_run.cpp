// `lpsim run FILE`: the main job — a workload end to end with bit-exact checking. A thin
// composition of the run API (sim/run/pipeline.hpp) and its reporters.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>

#include "sim/commands.hpp"
#include "sim/output/output_dir.hpp"
#include "sim/run/pipeline.hpp"
#include "sim/run/reporters.hpp"
#include "sw/common/error.hpp"
#include "sw/energy/cost_tables.hpp"

namespace lpsim::cli {
namespace {

using namespace lpsim::sim;

struct RunOptions {
  std::string workload;           // the YAML file
  std::string out_dir;            // "" = runs/<workload name>
  std::vector<std::string> sets;  // --set dotted.key=value
  bool check = true;              // compare every layer with the reference
  bool quiet = false;             // no progress on stderr
  std::string energy_file;        // --energy FILE: cost tables (docs/energy.md); "" = defaults
  bool vcd = false;               // --vcd: waveform.vcd with block-level signals
  std::string vcd_pe;             // --vcd-pe ROWSxCOLS: PE-level signals of that sub-array
  std::string vcd_window;         // --vcd-window START:END: ... over these cycles
};

// --vcd-pe ROWSxCOLS and --vcd-window START:END, checked against the accelerator.
constexpr std::uint64_t kMaxPeSamples = 4'000'000;  // PEs x window cycles (about 100 MB of VCD)

std::optional<PeProbe> pe_probe(const RunOptions& opt, const Workload& w) {
  if (opt.vcd_pe.empty() && opt.vcd_window.empty()) return std::nullopt;
  if (opt.vcd_pe.empty())
    throw UserError("--vcd-window " + opt.vcd_window + ": needs --vcd-pe ROWSxCOLS");
  if (opt.vcd_window.empty())
    throw UserError("--vcd-pe " + opt.vcd_pe + ": needs --vcd-window START:END");
  if (w.accel.fidelity != hw::Fidelity::cycle)
    throw UserError("--vcd-pe: PE-level waveforms need cycle fidelity (accelerator.fidelity is '" +
                    hw::to_string(w.accel.fidelity) + "'; add --set accelerator.fidelity=cycle)");
  std::smatch m;
  PeProbe p;
  if (!std::regex_match(opt.vcd_pe, m, std::regex("([0-9]{1,6})x([0-9]{1,6})")))
    throw UserError("--vcd-pe " + opt.vcd_pe + ": expected ROWSxCOLS, e.g. 4x4");
  p.rows = std::stoi(m[1]);
  p.cols = std::stoi(m[2]);
  if (p.rows < 1 || p.cols < 1 || p.rows > w.accel.rows || p.cols > w.accel.cols)
    throw UserError("--vcd-pe " + opt.vcd_pe + ": the sub-array must be 1x1 to " +
                    std::to_string(w.accel.rows) + "x" + std::to_string(w.accel.cols) +
                    " (the array)");
  if (!std::regex_match(opt.vcd_window, m, std::regex("([0-9]{1,18}):([0-9]{1,18})")))
    throw UserError("--vcd-window " + opt.vcd_window +
                    ": expected START:END in cycles, e.g. 1000:1200");
  p.start = std::stoull(m[1]);
  p.end = std::stoull(m[2]);
  if (p.start >= p.end)
    throw UserError("--vcd-window " + opt.vcd_window + ": START must be below END");
  const std::uint64_t pes = static_cast<std::uint64_t>(p.rows) * static_cast<std::uint64_t>(p.cols);
  if (p.end - p.start > kMaxPeSamples / pes)
    throw UserError("--vcd-window " + opt.vcd_window + ": " + std::to_string(pes) + " PEs x " +
                    std::to_string(p.end - p.start) + " cycles is more than " +
                    std::to_string(kMaxPeSamples) +
                    " PE-cycles; narrow the window or the sub-array");
  return p;
}

// Returns 0 when every layer matched the reference, 1 when one did not (the mismatch is
// printed). Bad input throws UserError before any output is written.
int run_workload(const RunOptions& opt, std::ostream& out) {
  const auto wall0 = std::chrono::steady_clock::now();
  const Workload w = load_workload(opt.workload, opt.sets);
  const std::string out_dir = opt.out_dir.empty() ? "runs/" + w.name : opt.out_dir;
  // Output options, the cost tables and the output directory (never anyone else's, creatable)
  // are checked before anything runs; nothing is created until the results are written.
  const std::optional<PeProbe> probe = pe_probe(opt, w);
  const bool want_vcd = opt.vcd || probe.has_value();
  const bool analytic = w.accel.fidelity == hw::Fidelity::analytic;
  if (analytic && want_vcd)
    throw UserError("--vcd: waveforms need tile or cycle fidelity (accelerator.fidelity is "
                    "'analytic', which has no tile timeline)");
  const energy::CostTables tables =
      opt.energy_file.empty() ? energy::CostTables{} : energy::load_cost_tables(opt.energy_file);
  OutputDir output(out_dir, "run");

  const Prepared prepared = prepare(w, tables, opt.energy_file);
  SimulateOptions so;
  so.check = opt.check;
  so.progress = !opt.quiet && isatty(STDERR_FILENO);
  so.probe = probe;
  so.in_process = true;  // one simulation in this process
  const RunResult r = simulate(prepared, so);

  write_run_files(output, r, want_vcd);
  output.commit();
  // The table reaches the terminal only once the outputs are complete and in place.
  std::string list;
  for (const std::string& f : run_file_names(want_vcd, analytic)) list += (list.empty() ? "" : ",") + f;
  out << console_text(r) << "outputs: " << out_dir << "/{" << list << "}\n" << std::flush;
  if (!opt.quiet) {
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    std::ostringstream s;
    s << std::fixed << std::setprecision(2) << wall;
    std::cerr << "lpsim: simulated " << r.macs << " MACs in " << s.str() << " s\n";
  }
  if (opt.check && !analytic && !r.verified) {
    std::cerr << "lpsim: error: " << r.first_mismatch << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto opt = std::make_shared<RunOptions>();
  auto* cmd =
      app.add_subcommand("run",
                         "Simulate a workload (YAML) end to end: quantize, compile, run on the "
                         "accelerator, check every layer bit-exactly, report");
  cmd->add_option("workload", opt->workload, "workload file (docs/workload.md)")->required();
  cmd->add_option("--out,-o", opt->out_dir, "output directory (default runs/<workload name>)");
  cmd->add_option("--set", opt->sets, "override a key: dotted.key=value (repeatable)");
  cmd->add_flag("!--no-check", opt->check, "skip the per-layer reference check");
  cmd->add_flag("--quiet,-q", opt->quiet, "no progress or timing on stderr");
  cmd->add_option("--energy", opt->energy_file,
                  "energy/area cost tables (YAML, docs/energy.md); default: built-in");
  cmd->add_flag("--vcd", opt->vcd, "write waveform.vcd with block-level signals (docs/outputs.md)");
  cmd->add_option("--vcd-pe", opt->vcd_pe,
                  "ROWSxCOLS: also PE registers of that top-left sub-array (cycle fidelity, with "
                  "--vcd-window)");
  cmd->add_option("--vcd-window", opt->vcd_window,
                  "START:END: cycles [START, END) of the PE-level signals");
  cmd->callback([opt] {
    const int rc = run_workload(*opt, std::cout);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace lpsim::cli
