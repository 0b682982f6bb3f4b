// Self-contained HTML run report: summary, per-layer chart, energy breakdown, timeline, config.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lpsim::traces {

struct ReportLayer {
  std::string name;  // "conv1", "layer1.0.conv2", ...
  std::string kind;  // free text: "conv 3x3", "gemm", ...
  std::string mode;  // free text: "lp8", "int4", ...
  std::uint64_t cycles = 0;
  double utilization = 0.0;  // 0..1 (busy PE-cycles / (cycles x PEs))
  std::uint64_t macs = 0;
  double energy_pj = 0.0;
};

struct ReportEvent {
  std::string track;   // "controller", "dma", "array", "ppu", ...
  std::string name;    // shown as tooltip
  double start = 0.0;  // in ReportData::timeline_unit
  double duration = 0.0;
};

struct ReportData {
  std::string title = "lpsim run report";
  std::vector<std::pair<std::string, std::string>> summary;  // key, value
  std::vector<ReportLayer> layers;
  std::vector<std::pair<std::string, double>> energy_breakdown_pj;  // component, pJ (in order)
  std::vector<std::string> tracks;  // timeline track order; empty = order of first appearance
  std::vector<ReportEvent> timeline;
  std::string timeline_unit = "cycles";
  std::string config_text;  // effective configuration (YAML), shown pre-formatted
  std::string generator = "lpsim";
};

struct HtmlReportOptions {
  int width_px = 1160;                     // chart width
  std::size_t max_rects_per_track = 2000;  // timeline: above this, merge events that touch
                                           // within one pixel into one rectangle
};

// The whole page: no scripts, no external resources; every text is HTML-escaped.
std::string render_html_report(const ReportData& data, const HtmlReportOptions& opt = {});
// Writes the page; throws std::runtime_error naming the path when it cannot be written.
void write_html_report(const std::string& path, const ReportData& data,
                       const HtmlReportOptions& opt = {});

// & < > " ' escaped for element content and attribute values.
std::string html_escape(std::string_view s);
// Downsampled timeline rectangles of one track (exposed for tests): events sorted by start,
// neighbours whose pixel extents overlap or touch (gap < 1 px at `px_per_unit`) merged, if the
// track has more than `max_rects` events; else one rectangle per event.
struct TimelineRect {
  double start = 0, end = 0;  // in timeline units
  std::size_t events = 0;     // events merged into it
  std::string name;           // the event's name (single) or "N events"
};
std::vector<TimelineRect> timeline_rects(std::vector<ReportEvent> events, double px_per_unit,
                                         std::size_t max_rects);

}  // namespace lpsim::traces
