// Self-contained HTML report of `lpsim compare` (compare.html): one horizontal bar chart per
// metric as inline SVG — one bar per PE type, and the paper's figure as a second, hatched bar
// where it gives one — the PE types with their formats, and the compare.csv table. No scripts,
// no external resources; every text is HTML-escaped.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lpsim::traces {

struct BarChart {
  std::string title;
  std::string unit;            // "" = a ratio
  std::vector<double> values;  // one per PE type (labels); < 0 or NaN: no bar ("-")
  std::vector<double> paper;   // the paper's figure per PE type; NaN: none
};

struct CompareReportData {
  std::string title = "lpsim compare";
  std::vector<std::pair<std::string, std::string>> summary;  // key, value
  std::vector<std::string> labels;                           // the PE types, in row order
  std::vector<std::string> descriptions;                     // one per label
  std::vector<BarChart> charts;
  std::vector<std::string> columns;            // compare.csv's header
  std::vector<std::vector<std::string>> rows;  // compare.csv's cells
  std::string generator = "lpsim";
};

// One chart as an <svg> element (exposed for tests).
std::string render_bar_chart(const BarChart& chart, const std::vector<std::string>& labels);

std::string render_compare_report(const CompareReportData& data);

}  // namespace lpsim::traces
