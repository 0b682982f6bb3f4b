// Self-contained HTML report of a sweep: Pareto fronts (latency vs energy, TOPS/mm² vs TOPS/W)
// as inline SVG, each point labelled by its axis values, and the results table sorted by one
// metric. No scripts, no external resources.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lpsim::traces {

struct SweepReportData {
  std::string title = "lpsim sweep report";
  std::vector<std::pair<std::string, std::string>> summary;  // key, value
  std::vector<std::string> axes;                             // axis keys (the first columns)
  std::vector<std::string> columns;                          // every column (axes, then metrics)
  std::vector<std::vector<std::string>> rows;  // cells, one row per point, in point order
  std::string sort_metric = "latency_ms";      // the table's order
  std::string generator = "lpsim";
};

// A chart: which metric on which axis and whether smaller is better.
struct ParetoAxis {
  std::string column;
  bool minimize = true;
};

// Indexes of `pts` (x, y) on the Pareto front, in increasing x (exposed for tests).
std::vector<std::size_t> pareto_front(const std::vector<std::pair<double, double>>& pts,
                                      bool minimize_x, bool minimize_y);

std::string render_sweep_report(const SweepReportData& data);

}  // namespace lpsim::traces
