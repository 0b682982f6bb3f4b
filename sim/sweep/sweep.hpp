// Sweeps of accelerator configurations (docs/sweep.md): the SWEEP.yaml file, its points, the
// evaluation of a point into a results row, and the sweep directory (results.csv, report.html,
// resume, shards, merge). `lpsim sweep` (sim/cmd_sweep.cpp) and the Python module call these.
//
//   SweepSpec s = load_sweep("study.yaml");          // checked; UserError "FILE:LINE: key: ..."
//   std::vector<Point> pts = enumerate_points(s);    // product, zip groups, where; stable order
//   PointEvaluator ev(s);  Row r = ev.evaluate(pts[0]);   // one point -> one results row
//   SweepSummary sum = run_sweep(s, {.out = "sweeps/study", .jobs = 2});  // the whole sweep
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/sweep/expr.hpp"

namespace lpsim::sim {
struct RunResult;
}

namespace lpsim::sim::sweep {

struct Axis {
  std::string key;  // dotted workload key exactly as written, e.g. "accelerator.rows"
  std::vector<Value> values;
  std::string where;  // "FILE:LINE" of the key
};

struct SweepSpec {
  std::string file;          // the sweep file as given
  std::string name;          // its stem (default output directory sweeps/NAME)
  std::string base_file;     // the base workload file (absolute), or the sweep file when inline
  bool base_inline = false;  // base: is a mapping inside the sweep file
  std::vector<Axis> axes;    // in written order
  std::vector<std::vector<std::size_t>> zip;  // groups of axis indexes that vary together
  std::vector<Expr> where;                    // all must hold
  std::string default_fidelity;  // used when neither the base nor an axis sets the fidelity
  std::string base_yaml;         // the base workload's effective configuration
};

// Reads and checks a sweep file: the base workload loads, every axis key is a workload key and
// each of its values loads, zip groups and where expressions are well formed. Throws UserError
// "FILE[:LINE]: key: what".
SweepSpec load_sweep(const std::string& path);

struct Point {
  std::size_t index = 0;      // 0-based position in enumeration order (results.csv order)
  std::string id;             // 16 hex digits of a hash of its key=value pairs (stable)
  std::vector<Value> values;  // one per axis, in axis order
  // "key=value" overrides of the base workload (lpsim run BASE --set ... reproduces it).
  std::vector<std::string> overrides(const SweepSpec& s) const;
};

// Every point: the product of the axes (a zip group counts as one axis; the last axis varies
// fastest), filtered by `where`. Throws UserError for a product above 10^7 combinations.
std::vector<Point> enumerate_points(const SweepSpec& s);

// A results row's measured values (empty `status` never: "ok" or the one-line error).
struct Row {
  std::string status = "ok";
  std::uint64_t total_cycles = 0, dram_bytes = 0;
  double latency_ms = 0, energy_pj = 0, tops_per_w = 0, tops_per_mm2 = 0, area_mm2 = 0,
         utilization = 0;
  std::string verified;  // "yes", "no", or "" when no values were computed (analytic)
  std::string fidelity;
};

// The results.csv header: the axis keys as written, then kMetricColumns.
std::vector<std::string> result_columns(const SweepSpec& s);
extern const std::vector<std::string> kMetricColumns;
// One results.csv line (no newline) for a point and its row.
std::string csv_line(const Point& p, const Row& r);

// Evaluates points one after another in this process (a simulation in tile/cycle fidelity
// runs in a worker process of the run API: prepare() then simulate() per point).
class PointEvaluator {
 public:
  explicit PointEvaluator(const SweepSpec& s);
  // Never throws for a point's own failure: the row's status carries the one-line error.
  // `result`, when given, receives the point's whole RunResult (for its output files).
  Row evaluate(const Point& p, RunResult* result = nullptr);

 private:
  const SweepSpec& m_spec;
};

// --- the sweep directory (sim/sweep/sweep_dir.cpp) ---

struct Shard {
  std::size_t index = 0, count = 1;  // runs points index, index + count, ...
};

struct SweepOptions {
  std::string out;    // the sweep directory
  unsigned jobs = 0;  // worker processes; 0 = all cores
  std::optional<Shard> shard;
  bool progress = false;                     // the progress bar on stderr
  std::string report_metric = "latency_ms";  // report.html's table order
  bool keep_runs = false;  // each point's `lpsim run` outputs in DIR/runs/<point>/
};

struct SweepSummary {
  std::size_t points = 0;      // points of this sweep (or shard)
  std::size_t already = 0;     // found done in the directory (resume)
  std::size_t ran = 0;         // evaluated now
  std::size_t failed = 0;      // rows whose status is not ok
  std::size_t unverified = 0;  // rows with verified = no
  double seconds = 0;
  unsigned jobs = 0;
};

// Runs every missing point of `s` (or of the shard) into opt.out with opt.jobs worker
// processes, appending each row to the journal as it completes; then writes results.csv
// (rows in point order) and report.html. Rerun with the same arguments, it runs only the
// points not yet in the directory. Throws UserError for an unusable directory.
SweepSummary run_sweep(const SweepSpec& s, const SweepOptions& opt);

// `--plan DIR`: points.jsonl, sweep.json and the ready-to-submit scripts (slurm-array.sh,
// parallel.sh) for `shards` shards. `lpsim_path` is the binary the scripts run.
void write_plan(const SweepSpec& s, const std::string& dir, std::size_t shards,
                const std::string& lpsim_path);

struct MergeSummary {
  std::size_t points = 0, present = 0, duplicates = 0, failed = 0;
  std::vector<std::size_t> missing;  // point indexes found in no directory
  std::vector<std::string> notes;    // one line per duplicate / problem
};
// Merges sweep directories of one sweep (shards, or partial runs) into `out`, a complete sweep
// directory (results.csv, report.html) that `run_sweep` can resume to fill missing points.
// Idempotent. Throws UserError when the directories belong to different sweeps.
MergeSummary merge_sweeps(const std::vector<std::string>& dirs, const std::string& out,
                          const std::string& report_metric = "latency_ms");

}  // namespace lpsim::sim::sweep
