// `lpsim sweep SWEEP.yaml`: a study over accelerator configurations (docs/sweep.md) — worker
// processes, a resumable sweep directory, results.csv and report.html; `--plan`, `--shard` and
// `lpsim sweep merge` for clusters. A thin layer over sim/sweep/sweep.hpp.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <regex>
#include <sstream>

#include "sim/commands.hpp"
#include "sim/sweep/sweep.hpp"
#include "sw/common/error.hpp"

namespace lpsim::cli {
namespace {

namespace sw = lpsim::sim::sweep;

struct SweepCliOptions {
  std::string file, out, plan, shard, sort = "latency_ms";
  unsigned jobs = 0;
  std::size_t shards = 8;
  bool quiet = false, keep_runs = false;
  std::vector<std::string> merge_dirs;
  std::string merge_out;
};

void check_metric(const std::string& m) {
  for (const std::string& c : sw::kMetricColumns)
    if (c == m && c != "status" && c != "verified") return;
  throw UserError(
      "--sort " + m +
      ": expected one of total_cycles, latency_ms, energy_pj, tops_per_w, tops_per_mm2, "
      "area_mm2, utilization, dram_bytes");
}

std::string self_path() {
  std::error_code ec;
  const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("lpsim") : p.string();
}

std::string fixed(double v, int d) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(d) << v;
  return s.str();
}

int run_sweep_command(const SweepCliOptions& o) {
  if (o.file.empty())
    throw UserError("sweep: give a sweep file (lpsim sweep SWEEP.yaml) or 'merge DIR...'");
  check_metric(o.sort);
  if (o.jobs > 1024)
    throw UserError("--jobs " + std::to_string(o.jobs) + ": expected 1..1024 (0 = all cores)");
  if (!o.plan.empty() && (!o.shard.empty() || !o.out.empty() || o.keep_runs))
    throw UserError(
        "--plan: writes the point list and scripts only; it takes no --out, --shard or "
        "--keep-runs");
  std::optional<sw::Shard> shard;
  if (!o.shard.empty()) {
    std::smatch m;
    if (!std::regex_match(o.shard, m, std::regex("([0-9]{1,9})/([0-9]{1,9})")) ||
        std::stoull(m[2]) == 0 || std::stoull(m[1]) >= std::stoull(m[2]))
      throw UserError("--shard " + o.shard + ": expected I/N with 0 <= I < N, e.g. 0/4");
    shard = sw::Shard{std::stoull(m[1]), std::stoull(m[2])};
  }
  const sw::SweepSpec spec = sw::load_sweep(o.file);
  if (!o.plan.empty()) {
    sw::write_plan(spec, o.plan, o.shards, self_path());
    const std::size_t points = sw::enumerate_points(spec).size();
    const std::size_t n = std::min(o.shards, std::max<std::size_t>(1, points));
    std::cout << "sweep plan: " << spec.name << ", " << points << " points in " << n << " shards\n"
              << "plan: " << o.plan << "/{points.jsonl,sweep.json,slurm-array.sh,parallel.sh}\n"
              << "Slurm:         sbatch " << o.plan << "/slurm-array.sh, then lpsim sweep merge "
              << o.plan << "-shards/* --out " << o.plan << "-results\n"
              << "GNU parallel:  bash " << o.plan << "/parallel.sh [--sshlogin 2/host1,2/host2]\n";
    return 0;
  }
  sw::SweepOptions so;
  so.out = o.out.empty() ? "sweeps/" + spec.name : o.out;
  so.jobs = o.jobs;
  so.shard = shard;
  so.progress = !o.quiet && isatty(STDERR_FILENO);
  so.report_metric = o.sort;
  so.keep_runs = o.keep_runs;
  const sw::SweepSummary s = sw::run_sweep(spec, so);
  std::cout << "sweep: " << spec.name << (shard ? ", shard " + o.shard : std::string()) << ", "
            << s.points << " points (" << s.points - s.failed << " ok, " << s.failed << " failed)";
  if (s.ran)
    std::cout << "; " << s.ran << " evaluated now with " << s.jobs << " worker"
              << (s.jobs == 1 ? "" : "s") << " in " << fixed(s.seconds, 1) << " s ("
              << fixed(static_cast<double>(s.ran) / std::max(s.seconds, 1e-9), 1) << " points/s)";
  if (s.already) std::cout << "; " << s.already << " were already done";
  std::cout << "\nresults: " << so.out << "/results.csv\nreport:  " << so.out << "/report.html\n";
  if (s.unverified) {
    std::cerr << "lpsim: error: " << s.unverified
              << " point(s) did not match the reference (verified = no in results.csv)\n";
    return 1;
  }
  return 0;
}

int run_merge_command(const SweepCliOptions& o) {
  check_metric(o.sort);
  std::string out = o.merge_out;
  if (out.empty()) throw UserError("sweep merge: give --out DIR for the merged sweep");
  const sw::MergeSummary m = sw::merge_sweeps(o.merge_dirs, out, o.sort);
  for (const std::string& n : m.notes) std::cerr << "lpsim: sweep merge: " << n << "\n";
  std::cout << "sweep merge: " << o.merge_dirs.size() << " directories, " << m.present << " of "
            << m.points << " points (" << m.failed << " failed), " << m.duplicates
            << " duplicate(s), " << m.missing.size() << " missing\nresults: " << out
            << "/results.csv\nreport:  " << out << "/report.html\n";
  if (!m.missing.empty()) {
    std::string list;
    for (std::size_t i = 0; i < m.missing.size() && i < 20; ++i)
      list += (i ? " " : "") + std::to_string(m.missing[i]);
    if (m.missing.size() > 20) list += " ...";
    std::cerr << "lpsim: sweep merge: missing points: " << list << " (run `lpsim sweep FILE --out "
              << out << "` to evaluate them)\n";
    return 1;
  }
  return 0;
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  auto opt = std::make_shared<SweepCliOptions>();
  auto* cmd = app.add_subcommand(
      "sweep",
      "Evaluate a sweep of accelerator configurations (SWEEP.yaml, docs/sweep.md) into "
      "results.csv and report.html; resumable; --plan/--shard and 'merge' for clusters");
  cmd->add_option("sweep_file", opt->file, "the sweep file (docs/sweep.md)");
  cmd->add_option("--out,-o", opt->out, "the sweep directory (default sweeps/<sweep name>)");
  cmd->add_option("--jobs,-j", opt->jobs, "worker processes (default: all cores)");
  cmd->add_option("--shard", opt->shard, "I/N: run only points I, I+N, I+2N, ... (for clusters)");
  cmd->add_option("--plan", opt->plan,
                  "write the point list and ready-to-submit Slurm and GNU parallel scripts to DIR");
  cmd->add_option("--shards", opt->shards, "shards of --plan (default 8)");
  cmd->add_option("--sort", opt->sort, "report.html's table order (default latency_ms)");
  cmd->add_flag("--quiet,-q", opt->quiet, "no progress bar");
  cmd->add_flag("--keep-runs", opt->keep_runs,
                "also keep each point's lpsim run outputs in DIR/runs/<point>/");
  auto* merge = cmd->add_subcommand(
      "merge", "Merge sweep directories (shards) into one results.csv and report");
  merge->add_option("dirs", opt->merge_dirs, "sweep directories of one sweep")->required();
  merge->add_option("--out,-o", opt->merge_out, "the merged sweep directory")->required();
  merge->add_option("--sort", opt->sort, "report.html's table order (default latency_ms)");
  merge->callback([opt] {
    const int rc = run_merge_command(*opt);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
  cmd->callback([opt, merge] {
    if (merge->parsed()) return;
    const int rc = run_sweep_command(*opt);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace lpsim::cli
