// compare.html rendering (see compare_report.hpp).
#include "traces/compare_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "traces/html_report.hpp"

namespace lpsim::traces {

namespace {

const char* const kCss =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#222;"
    "max-width:1240px}"
    "h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px}"
    "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 7px;"
    "text-align:right;white-space:nowrap}th{background:#f4f4f4}td.k,th.k{text-align:left}"
    ".summary td{text-align:left;white-space:normal}.charts{display:flex;flex-wrap:wrap;gap:12px}"
    ".chart{background:#fff;border:1px solid #ccc}.chart text{font-size:11px;fill:#333}"
    ".chart .t{font-size:13px;font-weight:600}.note{color:#666;font-size:12px}";

bool has(double v) {
  return std::isfinite(v) && v >= 0;
}

std::string num(double v) {  // bar labels: 3 significant digits
  char b[64];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

std::string px(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

}  // namespace

std::string render_bar_chart(const BarChart& chart, const std::vector<std::string>& labels) {
  const std::size_t n = labels.size();
  bool any_paper = false;
  double vmax = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = i < chart.values.size() ? chart.values[i] : std::nan("");
    const double p = i < chart.paper.size() ? chart.paper[i] : std::nan("");
    if (has(v)) vmax = std::max(vmax, v);
    if (has(p)) {
      vmax = std::max(vmax, p);
      any_paper = true;
    }
  }
  if (vmax <= 0) vmax = 1;
  const int width = 600, left = 110, right = 70, top = 28, bar = 14;
  const int group = any_paper ? 2 * bar + 8 : bar + 8;
  const int height = top + static_cast<int>(n) * group + (any_paper ? 26 : 8);
  const double scale = (width - left - right) / vmax;
  std::ostringstream o;
  o << "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
    << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << " " << height << "\">"
    << "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
       "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f3e0c7\"/>"
       "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c07a2c\" stroke-width=\"2\"/>"
       "</pattern></defs>"
    << "<text class=\"t\" x=\"8\" y=\"18\">" << html_escape(chart.title)
    << (chart.unit.empty() ? "" : " (" + html_escape(chart.unit) + ")") << "</text>";
  for (std::size_t i = 0; i < n; ++i) {
    const double v = i < chart.values.size() ? chart.values[i] : std::nan("");
    const double p = i < chart.paper.size() ? chart.paper[i] : std::nan("");
    const int y = top + static_cast<int>(i) * group;
    o << "<text x=\"" << left - 6 << "\" y=\"" << y + bar - 3 << "\" text-anchor=\"end\">"
      << html_escape(labels[i]) << "</text>";
    if (has(v)) {
      const double w = std::max(1.0, v * scale);
      o << "<rect x=\"" << left << "\" y=\"" << y << "\" width=\"" << px(w) << "\" height=\"" << bar
        << "\" fill=\"#3b78c2\"><title>" << html_escape(labels[i]) << ": " << num(v)
        << "</title></rect><text x=\"" << px(left + w + 4) << "\" y=\"" << y + bar - 3 << "\">"
        << num(v) << "</text>";
    } else {
      o << "<text x=\"" << left + 4 << "\" y=\"" << y + bar - 3 << "\">-</text>";
    }
    if (any_paper && has(p)) {
      const double w = std::max(1.0, p * scale);
      const int yp = y + bar + 1;
      o << "<rect x=\"" << left << "\" y=\"" << yp << "\" width=\"" << px(w) << "\" height=\""
        << bar << "\" fill=\"url(#hatch)\" stroke=\"#c07a2c\"><title>paper: " << num(p)
        << "</title></rect><text x=\"" << px(left + w + 4) << "\" y=\"" << yp + bar - 3
        << "\">paper " << num(p) << "</text>";
    }
  }
  o << "<line x1=\"" << left << "\" y1=\"" << top - 4 << "\" x2=\"" << left << "\" y2=\""
    << top + static_cast<int>(n) * group << "\" stroke=\"#888\"/>";
  if (any_paper) {
    const int y = height - 12;
    o << "<rect x=\"" << left << "\" y=\"" << y - 9 << "\" width=\"12\" height=\"10\" "
      << "fill=\"#3b78c2\"/><text x=\"" << left + 16 << "\" y=\"" << y << "\">lpsim</text>"
      << "<rect x=\"" << left + 70 << "\" y=\"" << y - 9 << "\" width=\"12\" height=\"10\" "
      << "fill=\"url(#hatch)\" stroke=\"#c07a2c\"/><text x=\"" << left + 86 << "\" y=\"" << y
      << "\">LPA paper (≈)</text>";
  }
  o << "</svg>";
  return o.str();
}

std::string render_compare_report(const CompareReportData& d) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
    << html_escape(d.title) << "</title><style>" << kCss << "</style></head><body>\n<h1>"
    << html_escape(d.title) << "</h1>\n<table class=\"summary\">";
  for (const auto& [k, v] : d.summary)
    o << "<tr><th class=\"k\">" << html_escape(k) << "</th><td>" << html_escape(v) << "</td></tr>";
  o << "</table>\n<h2>PE types</h2>\n<table class=\"summary\">";
  for (std::size_t i = 0; i < d.labels.size(); ++i)
    o << "<tr><th class=\"k\">" << html_escape(d.labels[i]) << "</th><td>"
      << html_escape(i < d.descriptions.size() ? d.descriptions[i] : std::string()) << "</td></tr>";
  o << "</table>\n<h2>Charts</h2>\n<div class=\"charts\">";
  for (const BarChart& c : d.charts) o << render_bar_chart(c, d.labels) << "\n";
  o << "</div>\n<p class=\"note\">Hatched bars: the LPA paper's figures (read off its charts, "
       "≈), where it gives one for that PE type and model.</p>\n<h2>compare.csv</h2>\n<table><tr>";
  for (const std::string& c : d.columns) o << "<th>" << html_escape(c) << "</th>";
  o << "</tr>\n";
  for (const auto& row : d.rows) {
    o << "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i)
      o << "<td" << (i < 3 ? " class=\"k\"" : "") << ">" << html_escape(row[i]) << "</td>";
    o << "</tr>\n";
  }
  o << "</table>\n<p class=\"note\">Generated by " << html_escape(d.generator)
    << ".</p>\n</body></html>\n";
  return o.str();
}

}  // namespace lpsim::traces
