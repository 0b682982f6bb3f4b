// `lpsim scalesim`: SCALE-Sim v2 drop-in (same topology/cfg inputs, same three CSV reports).
#include <CLI/CLI.hpp>

#include <iostream>
#include <map>
#include <memory>

#include "sim/scalesim/scalesim_command.hpp"
#include "sim/scalesim/scalesim_run.hpp"

namespace lpsim::cli {

void add_scalesim_command(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("scalesim",
                         "SCALE-Sim v2 drop-in: run a topology CSV on a cfg and write "
                         "COMPUTE/BANDWIDTH/DETAILED_ACCESS_REPORT.csv to OUTDIR/<run_name>/");
  auto opt = std::make_shared<scalesim::RunOptions>();
  cmd->add_option("-t,--topology", opt->topology_path, "topology CSV (conv or GEMM form)")
      ->required();
  cmd->add_option("-c,--config", opt->config_path, "SCALE-Sim .cfg file")->required();
  cmd->add_option("-p,--outdir", opt->outdir, "log directory; reports go to OUTDIR/<run_name>/")
      ->capture_default_str();
  const std::map<std::string, scalesim::Timing> timings = {{"scalesim", scalesim::Timing::scalesim},
                                                           {"native", scalesim::Timing::native}};
  cmd->add_option("--timing", opt->timing,
                  "scalesim: SCALE-Sim v2's cycle counts; native: lpsim's own layer schedule (tiler, array, PPU, DMA)")
      ->transform(CLI::CheckedTransformer(timings, CLI::ignore_case))
      ->default_str("scalesim");
  const std::map<std::string, scalesim::TopologyKind> kinds = {
      {"auto", scalesim::TopologyKind::automatic},
      {"conv", scalesim::TopologyKind::conv},
      {"gemm", scalesim::TopologyKind::gemm}};
  cmd->add_option("-i,--input-type", opt->kind,
                  "topology form (SCALE-Sim's -i); auto decides from the header")
      ->transform(CLI::CheckedTransformer(kinds, CLI::ignore_case))
      ->default_str("auto");
  cmd->add_option("--threads", opt->threads,
                  "layers modelled at once (0 = every core, the default; results do not depend on it)")
      ->capture_default_str();
  cmd->callback([opt] { scalesim::run_scalesim(*opt, &std::cout); });
}

}  // namespace lpsim::cli
