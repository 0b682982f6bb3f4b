// `lpsim compare WORKLOAD.yaml`: the workload on several PE types on the same array, buffers
// and clock, normalised to AdaptivFloat = 1 beside the LPA paper's figures; compare.csv and
// compare.html (docs/paper-comparison.md). A thin layer over sim/compare/compare.hpp.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <iostream>
#include <memory>

#include "sim/commands.hpp"
#include "sim/compare/compare.hpp"
#include "sim/output/output_dir.hpp"
#include "sw/common/error.hpp"
#include "sw/common/parallel.hpp"

namespace lpsim::cli {
namespace {

namespace cmp = lpsim::sim::compare;

struct CompareCliOptions {
  std::string workload, out, pe, energy_file;
  std::vector<std::string> sets;
  bool check = true, quiet = false, pe_given = false;
  int threads = -1;
};

int run_compare_command(const CompareCliOptions& o) {
  const sim::Workload w = sim::load_workload(o.workload, o.sets);
  if (o.threads < -1 || o.threads > 1024)
    throw UserError("--threads: must be 0 (every core) to 1024");
  set_threads(o.threads >= 0 ? o.threads : w.threads);  // results do not depend on it
  cmp::CompareOptions co;
  co.pes = cmp::parse_pe_list(o.pe_given ? o.pe : cmp::default_pe_list());
  co.tables =
      o.energy_file.empty() ? energy::CostTables{} : energy::load_cost_tables(o.energy_file);
  co.energy_file = o.energy_file;
  co.check = o.check;
  const bool progress = !o.quiet && isatty(STDERR_FILENO);
  if (progress)
    co.progress = [n = co.pes.size()](std::size_t i, const std::string& pe, bool done) {
      std::cerr << "\rcompare: " << (done ? i + 1 : i) << "/" << n << " PE types"
                << (done ? " done   " : (", running " + pe + "...   ")) << std::flush;
      if (done && i + 1 == n) std::cerr << "\n";
    };
  const std::string out_dir = o.out.empty() ? "runs/" + w.name + "-compare" : o.out;
  sim::OutputDir output(out_dir, "compare");  // checked before anything runs

  const cmp::Comparison c = cmp::run_compare(w, co);
  output.write_file("compare.csv", cmp::compare_csv(c));
  output.write_file("compare.html", cmp::compare_html(c));
  output.commit();

  std::cout << "lpsim compare: " << c.workload << " (" << (c.model.empty() ? "-" : c.model)
            << ") on " << c.setup << "\n"
            << "latency and energy normalised to " << c.norm_to << " = 1; the paper's figure in ("
            << ")" << (c.paper_model.empty() ? " (none: not a full-size ResNet-50 or ViT-B)" : "")
            << "\n"
            << cmp::console_table(c);
  for (const cmp::Row& r : c.rows) std::cout << r.pe.name << ": " << r.formats << "\n";
  std::cout << "outputs: " << out_dir << "/{compare.csv,compare.html,lpsim-run.json}\n";
  for (const cmp::Row& r : c.rows)
    if (r.result.checked && !r.result.analytic() && !r.result.verified) {
      std::cerr << "lpsim: error: --pe " << r.pe.name << ": " << r.result.first_mismatch << "\n";
      return 1;
    }
  return 0;
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto opt = std::make_shared<CompareCliOptions>();
  auto* cmd = app.add_subcommand(
      "compare",
      "Run a workload on several PE types (same array, buffers, clock) and compare latency, "
      "energy, area and accuracy, normalised to AdaptivFloat, beside the LPA paper's figures "
      "(compare.csv, compare.html; docs/paper-comparison.md)");
  cmd->add_option("workload", opt->workload, "the workload file (docs/workload.md)")->required();
  std::string known;
  for (const cmp::PeType& t : cmp::pe_types()) known += (known.empty() ? "" : ",") + t.name;
  CLI::Option* pe = cmd->add_option(
      "--pe", opt->pe,
      "comma-separated PE types (default " + cmp::default_pe_list() + "; known: " + known + ")");
  cmd->add_option("--out,-o", opt->out, "output directory (default runs/<workload name>-compare)");
  cmd->add_option("--set", opt->sets,
                  "override a workload key for every PE type: dotted.key=value");
  cmd->add_option("--energy", opt->energy_file, "energy/area cost tables (docs/energy.md)");
  cmd->add_option("--threads", opt->threads, "threads of the value engines (0 = every core)");
  cmd->add_flag("!--no-check", opt->check, "skip the per-layer reference check");
  cmd->add_flag("--quiet,-q", opt->quiet, "no progress on stderr");
  cmd->callback([opt, pe] {
    opt->pe_given = pe->count() > 0;
    const int rc = run_compare_command(*opt);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace lpsim::cli
