// `lpsim run FILE`: the main job — a workload end to end with bit-exact checking. A thin
// composition of the run API (sim/run/pipeline.hpp) and its reporters.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
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
#include "sim/run/saved_outputs.hpp"
#include "sw/common/error.hpp"
#include "sw/common/parallel.hpp"
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
  std::string vcd_window;         // --vcd-window START:END | layer:NAME | tile:LAYER/N | first-tile
  std::string vcd_format = "vcd";  // --vcd-format vcd|fst
  int threads = -1;                // --threads N (0 = every core); -1 = the workload's `threads`
  bool save_outputs = false;       // --save-outputs: outputs/*.npy, predictions.csv
};

// --vcd-pe ROWSxCOLS and --vcd-window WINDOW, checked against the accelerator; a named window
// (layer:NAME, tile:LAYER/N, first-tile: the default) names its layer by index once the
// program is compiled (resolve_layer).
constexpr std::uint64_t kMaxPeSamples = 4'000'000;  // PEs x window cycles (about 100 MB of VCD)

struct WindowSpec {
  PeProbe probe;
  std::string layer;  // layer:NAME / tile:LAYER/N: the layer as written ("" = cycles)
};

std::optional<WindowSpec> pe_probe(const RunOptions& opt, const Workload& w) {
  if (opt.vcd_pe.empty() && opt.vcd_window.empty()) return std::nullopt;
  if (opt.vcd_pe.empty())
    throw UserError("--vcd-window " + opt.vcd_window + ": needs --vcd-pe ROWSxCOLS");
  if (w.accel.fidelity != hw::Fidelity::cycle)
    throw UserError("--vcd-pe: PE-level waveforms need cycle fidelity (accelerator.fidelity is '" +
                    hw::to_string(w.accel.fidelity) + "'; add --set accelerator.fidelity=cycle)");
  std::smatch m;
  WindowSpec ws;
  PeProbe& p = ws.probe;
  if (!std::regex_match(opt.vcd_pe, m, std::regex("([0-9]{1,6})x([0-9]{1,6})")))
    throw UserError("--vcd-pe " + opt.vcd_pe + ": expected ROWSxCOLS, e.g. 4x4");
  p.rows = std::stoi(m[1]);
  p.cols = std::stoi(m[2]);
  if (p.rows < 1 || p.cols < 1 || p.rows > w.accel.rows || p.cols > w.accel.cols)
    throw UserError("--vcd-pe " + opt.vcd_pe + ": the sub-array must be 1x1 to " +
                    std::to_string(w.accel.rows) + "x" + std::to_string(w.accel.cols) +
                    " (the array)");
  const std::uint64_t pes = static_cast<std::uint64_t>(p.rows) * static_cast<std::uint64_t>(p.cols);
  p.max_samples = kMaxPeSamples / pes;
  const std::string win = opt.vcd_window.empty() ? "first-tile" : opt.vcd_window;
  p.spec = win;
  const std::string bad = "--vcd-window " + win + ": ";
  if (win == "first-tile") {
    p.layer = 0;
    p.tile = 0;
  } else if (win.rfind("layer:", 0) == 0) {
    ws.layer = win.substr(6);
    if (ws.layer.empty())
      throw UserError(bad + "expected layer:NAME (a layer name as in tiles.csv)");
  } else if (win.rfind("tile:", 0) == 0) {
    const std::string rest = win.substr(5);
    const std::size_t slash = rest.rfind('/');
    if (slash == std::string::npos || slash == 0 ||
        !std::regex_match(rest.substr(slash + 1), std::regex("[0-9]{1,9}")))
      throw UserError(bad + "expected tile:LAYER/N (a layer name as in tiles.csv, a tile index)");
    ws.layer = rest.substr(0, slash);
    p.tile = std::stoll(rest.substr(slash + 1));
  } else {
    if (!std::regex_match(win, m, std::regex("([0-9]{1,18}):([0-9]{1,18})")))
      throw UserError(bad +
                      "expected START:END in cycles (e.g. 1000:1200), layer:NAME, tile:LAYER/N "
                      "or first-tile");
    p.start = std::stoull(m[1]);
    p.end = std::stoull(m[2]);
    if (p.start >= p.end) throw UserError(bad + "START must be below END");
    if (p.end - p.start > kMaxPeSamples / pes)
      throw UserError(bad + std::to_string(pes) + " PEs x " + std::to_string(p.end - p.start) +
                      " cycles is more than " + std::to_string(kMaxPeSamples) +
                      " PE-cycles; narrow the window or the sub-array");
  }
  return ws;
}

// The index (as in tiles.csv) of the accelerator layer a window names: its compute node's name,
// or that name with what the PPU fused ("conv1+relu", as in the console table), or an index.
std::int64_t resolve_layer(const std::string& name, const Prepared& prep, const std::string& spec) {
  std::vector<std::string> names;
  for (const compiler::Step& s : prep.program.steps) {
    if (!s.compute) continue;
    std::string fused;
    for (const std::string& f : s.layer.fusion.nodes) {
      const model::OpKind op = prep.graph->node(f).op;
      fused += std::string(fused.empty() ? "" : "+") + (op == model::OpKind::Add    ? "add"
                                                        : op == model::OpKind::Relu ? "relu"
                                                                                    : "relu6");
    }
    const std::string node = s.layer.node->name;
    if (name == node || name == node + (fused.empty() ? "" : "+" + fused))
      return static_cast<std::int64_t>(names.size());
    names.push_back(node);
  }
  if (std::regex_match(name, std::regex("[0-9]{1,9}")) && std::stoull(name) < names.size())
    return std::stoll(name);
  throw UserError("--vcd-window " + spec + ": no accelerator layer '" + name + "' (" +
                  std::to_string(names.size()) + " layers, " +
                  (names.empty() ? std::string("none") : "the first is '" + names.front() + "'") +
                  "; names as in tiles.csv, or an index 0.." +
                  std::to_string(names.empty() ? 0 : names.size() - 1) + ")");
}

// PATH holds an executable `tool`.
bool on_path(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string d;
  while (std::getline(dirs, d, ':'))
    if (!d.empty() && access((d + "/" + tool).c_str(), X_OK) == 0) return true;
  return false;
}

// Returns 0 when every layer matched the reference, 1 when one did not (the mismatch is
// printed). Bad input throws UserError before any output is written.
int run_workload(const RunOptions& opt, std::ostream& out) {
  const auto wall0 = std::chrono::steady_clock::now();
  const Workload w = load_workload(opt.workload, opt.sets);
  if (opt.threads < -1 || opt.threads > 1024)
    throw UserError("--threads: must be 0 (every core) to 1024");
  set_threads(opt.threads >= 0 ? opt.threads : w.threads);  // results do not depend on it
  const std::string out_dir = opt.out_dir.empty() ? "runs/" + w.name : opt.out_dir;
  // Output options, the cost tables and the output directory (never anyone else's, creatable)
  // are checked before anything runs; nothing is created until the results are written.
  std::optional<WindowSpec> window = pe_probe(opt, w);
  if (opt.vcd_format != "vcd" && opt.vcd_format != "fst")
    throw UserError("--vcd-format " + opt.vcd_format + ": expected vcd or fst");
  const bool fst = opt.vcd_format == "fst";
  const bool want_vcd = opt.vcd || fst || window.has_value();
  const bool analytic = w.accel.fidelity == hw::Fidelity::analytic;
  if (analytic && want_vcd)
    throw UserError("--vcd: waveforms need tile or cycle fidelity (accelerator.fidelity is "
                    "'analytic', which has no tile timeline)");
  if (fst && !on_path("vcd2fst"))
    throw UserError(
        "--vcd-format fst: GTKWave's vcd2fst is not on PATH (Debian: apt-get install gtkwave)");
  const bool save_outputs = opt.save_outputs || w.save_outputs;
  if (analytic && save_outputs)
    throw UserError(std::string(opt.save_outputs ? "--save-outputs" : w.where("save_outputs") + ": save_outputs") +
                    ": saving the outputs needs tile or cycle fidelity (accelerator.fidelity is "
                    "'analytic', which computes no values)");
  const energy::CostTables tables =
      opt.energy_file.empty() ? energy::CostTables{} : energy::load_cost_tables(opt.energy_file);
  OutputDir output(out_dir, "run");

  const Prepared prepared = prepare(w, tables, opt.energy_file);
  if (window && !window->layer.empty())
    window->probe.layer = resolve_layer(window->layer, prepared, window->probe.spec);
  SimulateOptions so;
  so.check = opt.check;
  so.progress = !opt.quiet && isatty(STDERR_FILENO);
  if (window) so.probe = window->probe;
  so.in_process = true;  // one simulation in this process
  const RunResult r = simulate(prepared, so);

  write_run_files(output, r, want_vcd, fst);
  std::vector<std::string> names = run_file_names(r, want_vcd, fst);
  if (save_outputs) {
    const auto files = saved_output_files(r, prepared.labels);
    if (!files.empty()) std::filesystem::create_directories(output.staging() / "outputs");
    for (const auto& [name, bytes] : files) {
      output.write_file(name, bytes);
      names.push_back(name);
    }
  }
  output.commit();
  // The table reaches the terminal only once the outputs are complete and in place.
  std::string list;
  for (const std::string& f : names) list += (list.empty() ? "" : ",") + f;
  out << console_text(r) << "outputs: " << out_dir << "/{" << list << "}\n" << std::flush;
  std::cerr << pe_window_note(r);
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
  cmd->add_flag("--vcd", opt->vcd,
                "write waveform.vcd with block-level signals, its GTKWave save file waveform.gtkw "
                "and translate filters (docs/outputs.md)");
  cmd->add_option("--vcd-pe", opt->vcd_pe,
                  "ROWSxCOLS: also PE registers of that top-left sub-array (cycle fidelity, with "
                  "--vcd-window)");
  cmd->add_option("--vcd-window", opt->vcd_window,
                  "the PE-level window: START:END (cycles), layer:NAME, tile:LAYER/N or "
                  "first-tile (the default)");
  cmd->add_option("--vcd-format", opt->vcd_format,
                  "vcd (default) or fst (GTKWave's compressed format, through its vcd2fst); "
                  "implies --vcd");
  cmd->add_flag("--save-outputs", opt->save_outputs,
                "write every graph output as outputs/<name>.fp32.npy and "
                "outputs/<name>.accelerator.npy, and with input.labels predictions.csv");
  cmd->add_option("--threads", opt->threads,
                  "threads of the FP32 pass, the reference and the tile GEMMs (0 = every core, the "
                  "default; overrides the workload's threads; results do not depend on it)");
  cmd->callback([opt] {
    const int rc = run_workload(*opt, std::cout);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace lpsim::cli
