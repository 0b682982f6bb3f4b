// HTML report rendering: tables and inline SVG charts generated here; no scripts, no network.
#include "traces/html_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace lpsim::traces {
namespace {

// Tableau 10: distinguishable, colour-blind friendly.
const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
const char* color(std::size_t i) {
  return kPalette[i % (sizeof kPalette / sizeof *kPalette)];
}

std::string num(double v, int decimals = 1) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

std::string px(double v) {  // SVG coordinates: 2 decimals are plenty
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  std::string s = b;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string group_digits(std::uint64_t v) {
  std::string s = std::to_string(v), out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

std::string compact(double v) {  // axis labels: 1.5k, 2M, 3G
  const double a = std::fabs(v);
  const char* suffix[] = {"", "k", "M", "G", "T"};
  int i = 0;
  while (a >= 1000 * std::pow(1000.0, i) && i < 4) ++i;
  const double s = v / std::pow(1000.0, i);
  char b[32];
  std::snprintf(b, sizeof b, "%g%s", std::round(s * 100) / 100, suffix[i]);
  return b;
}

std::string energy(double pj) {
  const char* unit[] = {"pJ", "nJ", "\xC2\xB5J", "mJ", "J"};
  int i = 0;
  double v = pj;
  while (std::fabs(v) >= 1000 && i < 4) {
    v /= 1000;
    ++i;
  }
  return num(v, std::fabs(v) < 10 ? 3 : 2) + " " + unit[i];
}

// Tick step: 1, 2 or 5 x 10^k giving about `n` ticks over [0, range].
double tick_step(double range, int n) {
  if (!(range > 0)) return 1;
  const double raw = range / n, p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

std::string axis(double x0, double width, double y, double range, double y_grid_top) {
  std::ostringstream o;
  const double step = tick_step(range, 8);
  o << "<g class=\"axis\">";
  for (double t = 0; t <= range * (1 + 1e-9); t += step) {
    const double x = x0 + width * t / range;
    o << "<line x1=\"" << px(x) << "\" y1=\"" << px(y_grid_top) << "\" x2=\"" << px(x) << "\" y2=\""
      << px(y) << "\" class=\"grid\"/>";
    o << "<text x=\"" << px(x) << "\" y=\"" << px(y + 14) << "\" text-anchor=\"middle\">"
      << compact(t) << "</text>";
  }
  o << "</g>";
  return o.str();
}

std::string truncate(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  std::size_t cut = n - 1;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 safe
  return s.substr(0, cut) + "\xE2\x80\xA6";
}

// Keeps the end: hierarchical layer names ("encoder.layers.encoder_layer_3.mlp.0") differ there.
std::string truncate_front(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  std::size_t cut = s.size() - (n - 1);
  while (cut < s.size() && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
    ++cut;  // UTF-8 safe
  return "\xE2\x80\xA6" + s.substr(cut);
}

std::string layer_chart(const ReportData& d, int width) {
  if (d.layers.empty()) return "<p class=\"note\">No layers.</p>\n";
  const double label_w = 210, value_w = 190, row_h = 20, top = 26;
  const double bar_w = width - label_w - value_w - 10;
  std::uint64_t max_c = 1;
  for (const auto& l : d.layers) max_c = std::max(max_c, l.cycles);
  const double range = static_cast<double>(max_c);
  const double h = top + row_h * d.layers.size() + 26;
  std::ostringstream o;
  o << "<svg class=\"chart\" role=\"img\" aria-label=\"cycles per layer\" width=\"" << width
    << "\" height=\"" << px(h) << "\" viewBox=\"0 0 " << width << " " << px(h)
    << "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  o << axis(label_w, bar_w, h - 22, range, top - 4) << "\n";
  for (std::size_t i = 0; i < d.layers.size(); ++i) {
    const auto& l = d.layers[i];
    const double y = top + row_h * i;
    const double w = bar_w * static_cast<double>(l.cycles) / range;
    const double u = std::clamp(l.utilization, 0.0, 1.0);
    o << "<g><title>" << html_escape(l.name) << ": " << group_digits(l.cycles) << " cycles, "
      << num(100 * l.utilization) << " % utilization</title>";
    o << "<text x=\"" << px(label_w - 8) << "\" y=\"" << px(y + 14) << "\" text-anchor=\"end\">"
      << html_escape(truncate_front(l.name, 30)) << "</text>";
    o << "<rect x=\"" << px(label_w) << "\" y=\"" << px(y + 3) << "\" width=\"" << px(w)
      << "\" height=\"" << px(row_h - 6) << "\" class=\"cyc\"/>";
    o << "<rect x=\"" << px(label_w) << "\" y=\"" << px(y + 3) << "\" width=\"" << px(w * u)
      << "\" height=\"" << px(row_h - 6) << "\" class=\"busy\"/>";
    o << "<text x=\"" << px(label_w + bar_w + 8) << "\" y=\"" << px(y + 14) << "\">"
      << group_digits(l.cycles) << " cyc \xC2\xB7 " << num(100 * l.utilization) << " %</text>";
    o << "</g>\n";
  }
  o << "<g class=\"legend\"><rect x=\"" << px(label_w) << "\" y=\"4\" width=\"12\" height=\"12\" "
    << "class=\"cyc\"/><text x=\"" << px(label_w + 16) << "\" y=\"14\">cycles</text>"
    << "<rect x=\"" << px(label_w + 80) << "\" y=\"4\" width=\"12\" height=\"12\" class=\"busy\"/>"
    << "<text x=\"" << px(label_w + 96) << "\" y=\"14\">busy part (utilization)</text></g>\n";
  o << "</svg>\n";
  return o.str();
}

std::string energy_chart(const ReportData& d, int width) {
  double total = 0;
  for (const auto& [k, v] : d.energy_breakdown_pj) total += std::max(0.0, v);
  if (d.energy_breakdown_pj.empty() || !(total > 0))
    return "<p class=\"note\">No energy figures.</p>\n";
  const double bar_w = width - 20, row_h = 20, legend_top = 64;
  const double h = legend_top + row_h * d.energy_breakdown_pj.size() + 6;
  std::ostringstream o;
  o << "<svg class=\"chart\" role=\"img\" aria-label=\"energy breakdown\" width=\"" << width
    << "\" height=\"" << px(h) << "\" viewBox=\"0 0 " << width << " " << px(h)
    << "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  double x = 10;
  for (std::size_t i = 0; i < d.energy_breakdown_pj.size(); ++i) {
    const auto& [name, v] = d.energy_breakdown_pj[i];
    const double w = bar_w * std::max(0.0, v) / total;
    if (w > 0)
      o << "<rect x=\"" << px(x) << "\" y=\"10\" width=\"" << px(w) << "\" height=\"36\" fill=\""
        << color(i) << "\"><title>" << html_escape(name) << ": " << energy(v) << " ("
        << num(100 * v / total) << " %)</title></rect>\n";
    x += w;
  }
  o << "<rect x=\"10\" y=\"10\" width=\"" << px(bar_w) << "\" height=\"36\" class=\"frame\"/>\n";
  for (std::size_t i = 0; i < d.energy_breakdown_pj.size(); ++i) {
    const auto& [name, v] = d.energy_breakdown_pj[i];
    const double y = legend_top + row_h * i;
    o << "<rect x=\"10\" y=\"" << px(y) << "\" width=\"14\" height=\"14\" fill=\"" << color(i)
      << "\"/><text x=\"32\" y=\"" << px(y + 12) << "\">" << html_escape(name) << "</text>"
      << "<text x=\"260\" y=\"" << px(y + 12) << "\" text-anchor=\"end\">" << energy(v)
      << "</text><text x=\"330\" y=\"" << px(y + 12) << "\" text-anchor=\"end\">"
      << num(100 * v / total) << " %</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

std::string timeline_chart(const ReportData& d, const HtmlReportOptions& opt) {
  if (d.timeline.empty()) return "<p class=\"note\">No timeline events.</p>\n";
  std::vector<std::string> tracks = d.tracks;
  std::map<std::string, std::vector<ReportEvent>> by_track;
  double end = 0;
  for (const auto& e : d.timeline) {
    if (std::find(tracks.begin(), tracks.end(), e.track) == tracks.end()) tracks.push_back(e.track);
    by_track[e.track].push_back(e);
    end = std::max(end, e.start + std::max(0.0, e.duration));
  }
  if (!(end > 0)) end = 1;
  const double label_w = 110, lane_h = 28, top = 8;
  const double plot_w = opt.width_px - label_w - 20;
  const double h = top + lane_h * tracks.size() + 34;
  const double ppu = plot_w / end;
  std::ostringstream o;
  o << "<svg class=\"chart\" role=\"img\" aria-label=\"timeline\" width=\"" << opt.width_px
    << "\" height=\"" << px(h) << "\" viewBox=\"0 0 " << opt.width_px << " " << px(h)
    << "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  const double axis_y = top + lane_h * tracks.size() + 4;
  o << axis(label_w, plot_w, axis_y, end, top) << "\n";
  o << "<text x=\"" << px(label_w + plot_w) << "\" y=\"" << px(axis_y + 28)
    << "\" text-anchor=\"end\" class=\"unit\">" << html_escape(d.timeline_unit) << "</text>\n";
  std::size_t shown = 0, merged = 0;
  for (std::size_t t = 0; t < tracks.size(); ++t) {
    const double y = top + lane_h * t;
    o << "<text x=\"" << px(label_w - 8) << "\" y=\"" << px(y + lane_h / 2 + 4)
      << "\" text-anchor=\"end\">" << html_escape(truncate(tracks[t], 14)) << "</text>";
    o << "<rect x=\"" << px(label_w) << "\" y=\"" << px(y + 2) << "\" width=\"" << px(plot_w)
      << "\" height=\"" << px(lane_h - 4) << "\" class=\"lane\"/>\n";
    auto it = by_track.find(tracks[t]);
    if (it == by_track.end()) continue;
    const std::size_t n_events = it->second.size();
    for (const auto& r : timeline_rects(std::move(it->second), ppu, opt.max_rects_per_track)) {
      const double x = label_w + r.start * ppu;
      const double w = std::max(0.75, (r.end - r.start) * ppu);
      o << "<rect x=\"" << px(x) << "\" y=\"" << px(y + 4) << "\" width=\"" << px(w)
        << "\" height=\"" << px(lane_h - 8) << "\" fill=\"" << color(t) << "\"><title>"
        << html_escape(tracks[t]) << ": " << html_escape(r.name) << " [" << compact(r.start) << ", "
        << compact(r.end) << ")</title></rect>\n";
      ++shown;
    }
    merged += n_events;
  }
  o << "</svg>\n";
  if (shown < merged)
    o << "<p class=\"note\">" << group_digits(merged) << " events drawn as " << group_digits(shown)
      << " rectangles (events closer than one pixel merged).</p>\n";
  return o.str();
}

const char* const kCss = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px;color:#222;background:#fff;max-width:1200px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
p.meta{color:#666;margin:0 0 12px}p.note{color:#666;font-size:13px}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f0f3f7}td.n{text-align:right;font-variant-numeric:tabular-nums}
table.summary td:first-child{font-weight:600;background:#fafafa}
svg.chart{display:block;font-size:12px;font-family:inherit}svg text{fill:#222}
svg .grid{stroke:#e4e4e4;stroke-width:1}svg .axis text{fill:#666;font-size:11px}svg .unit{fill:#666;font-size:11px}
svg .cyc{fill:#c6d4e6}svg .busy{fill:#4e79a7}svg .lane{fill:#f6f7f9}svg .frame{fill:none;stroke:#999}
pre{background:#f6f8fa;border:1px solid #ddd;padding:10px;font-size:12px;overflow:auto;white-space:pre}
)";

}  // namespace

std::string html_escape(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::vector<TimelineRect> timeline_rects(std::vector<ReportEvent> events, double px_per_unit,
                                         std::size_t max_rects) {
  std::stable_sort(events.begin(), events.end(),
                   [](const ReportEvent& a, const ReportEvent& b) { return a.start < b.start; });
  std::vector<TimelineRect> out;
  const bool merge = events.size() > max_rects;
  const double gap = px_per_unit > 0 ? 1.0 / px_per_unit : 0;  // one pixel in units
  for (const auto& e : events) {
    const double end = e.start + std::max(0.0, e.duration);
    if (merge && !out.empty() && e.start <= out.back().end + gap) {
      TimelineRect& r = out.back();
      r.end = std::max(r.end, end);
      ++r.events;
      r.name = std::to_string(r.events) + " events";
      continue;
    }
    out.push_back(TimelineRect{e.start, end, 1, e.name});
  }
  return out;
}

std::string render_html_report(const ReportData& d, const HtmlReportOptions& opt) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<title>" << html_escape(d.title) << "</title>\n<style>" << kCss << "</style>\n"
    << "</head>\n<body>\n";
  o << "<h1>" << html_escape(d.title) << "</h1>\n<p class=\"meta\">Generated by "
    << html_escape(d.generator) << ".</p>\n";

  o << "<h2 id=\"summary\">Summary</h2>\n<table class=\"summary\">\n";
  for (const auto& [k, v] : d.summary)
    o << "<tr><td>" << html_escape(k) << "</td><td>" << html_escape(v) << "</td></tr>\n";
  o << "</table>\n";

  o << "<h2 id=\"layers\">Cycles and utilization per layer</h2>\n" << layer_chart(d, opt.width_px);
  if (!d.layers.empty()) {
    o << "<table class=\"layers\">\n<tr><th>#</th><th>layer</th><th>kind</th><th>mode</th>"
      << "<th>cycles</th><th>utilization</th><th>MACs</th><th>energy</th></tr>\n";
    for (std::size_t i = 0; i < d.layers.size(); ++i) {
      const auto& l = d.layers[i];
      o << "<tr><td class=\"n\">" << i << "</td><td>" << html_escape(l.name) << "</td><td>"
        << html_escape(l.kind) << "</td><td>" << html_escape(l.mode) << "</td><td class=\"n\">"
        << group_digits(l.cycles) << "</td><td class=\"n\">" << num(100 * l.utilization)
        << " %</td><td class=\"n\">" << group_digits(l.macs) << "</td><td class=\"n\">"
        << energy(l.energy_pj) << "</td></tr>\n";
    }
    o << "</table>\n";
  }

  o << "<h2 id=\"energy\">Energy breakdown</h2>\n" << energy_chart(d, opt.width_px);
  o << "<h2 id=\"timeline\">Timeline</h2>\n" << timeline_chart(d, opt);
  o << "<h2 id=\"config\">Effective configuration</h2>\n<pre>" << html_escape(d.config_text)
    << "</pre>\n";
  o << "</body>\n</html>\n";
  return o.str();
}

void write_html_report(const std::string& path, const ReportData& data,
                       const HtmlReportOptions& opt) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot write report '" + path + "'");
  f << render_html_report(data, opt);
  f.close();
  if (!f) throw std::runtime_error("cannot write report '" + path + "'");
}

}  // namespace lpsim::traces
