// One `lpsim scalesim` run: read topology and cfg, model every layer, write the reports.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "sim/scalesim/layer_model.hpp"
#include "sim/scalesim/scalesim_config.hpp"
#include "sim/scalesim/topology.hpp"

namespace lpsim::scalesim {

struct RunOptions {
  std::string topology_path;
  std::string config_path;
  std::string outdir = ".";  // SCALE-Sim's -p (its own default is ../test_runs)
  Timing timing = Timing::scalesim;
  TopologyKind kind = TopologyKind::automatic;
  int threads = 0;  // layers modelled at once (0 = every core); results do not depend on it
};

struct RunResult {
  Topology topology;
  ScaleSimConfig config;
  std::vector<LayerReport> layers;
  std::string run_dir;  // where the reports went
};

// Validates all input before anything is written; `log` gets a short human summary (may be
// null). Throws lpsim::UserError for bad input or unwritable output.
RunResult run_scalesim(const RunOptions& opt, std::ostream* log);

}  // namespace lpsim::scalesim
