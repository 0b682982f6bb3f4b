// Sweep report rendering (see sweep_report.hpp): inline SVG scatter charts with the Pareto front
// drawn and labelled, and a sorted table. No scripts.
#include "traces/sweep_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <sstream>

#include "traces/html_report.hpp"

namespace lpsim::traces {

std::string label_keys(const SweepReportData& d);

namespace {

const char* const kCss =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#222;"
    "max-width:1240px}"
    "h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px}"
    "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 7px;"
    "text-align:right;white-space:nowrap}th{background:#f4f4f4;position:sticky;top:0}"
    "td.k,th.k{text-align:left}tr.front "
    "td{background:#eef6ee}td.err{text-align:left;color:#b00;white-space:normal;min-width:320px}"
    ".summary td{text-align:left}.chart{background:#fff;border:1px solid #ccc;margin:4px 0}"
    ".chart text{font-size:11px;fill:#333}.chart .lab{font-size:10px;fill:#1b5e20}"
    ".note{color:#666;font-size:12px}";

std::string fmt(double v) {  // tick labels: 3 significant digits, SI suffix (1.23k, 6.6G)
  const char* suffix[] = {"", "k", "M", "G", "T", "P"};
  int i = 0;
  double a = v;
  while (std::fabs(a) >= 1000 && i < 5) {
    a /= 1000;
    ++i;
  }
  char b[64];
  std::snprintf(b, sizeof b, "%.3g%s", a, suffix[i]);
  return b;
}
std::string px(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

bool parse(const std::string& s, double& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end && *end == '\0' && std::isfinite(v);
}

int column(const SweepReportData& d, const std::string& name) {
  for (std::size_t i = 0; i < d.columns.size(); ++i)
    if (d.columns[i] == name) return static_cast<int>(i);
  return -1;
}

bool ok_row(const SweepReportData& d, const std::vector<std::string>& row) {
  const int s = column(d, "status");
  return s >= 0 && static_cast<std::size_t>(s) < row.size() &&
         row[static_cast<std::size_t>(s)] == "ok";
}

// Whether axis `i` takes more than one value among the rows (only those label a point).
bool varies(const SweepReportData& d, std::size_t i) {
  for (const auto& r : d.rows)
    if (i < r.size() && i < d.rows[0].size() && r[i] != d.rows[0][i]) return true;
  return false;
}

std::string label(const SweepReportData& d, const std::vector<std::string>& row, bool with_keys) {
  std::string l;
  for (std::size_t i = 0; i < d.axes.size() && i < row.size(); ++i)
    if (with_keys || varies(d, i))
      l += (l.empty() ? "" : ", ") + (with_keys ? d.axes[i] + "=" : std::string()) + row[i];
  return l;
}

// One scale: linear, or log10 when the values span more than a decade and are all positive.
struct Scale {
  double lo = 0, hi = 1;
  bool log = false;
  void fit(const std::vector<double>& v) {
    lo = *std::min_element(v.begin(), v.end());
    hi = *std::max_element(v.begin(), v.end());
    log = lo > 0 && hi / lo > 10;
    if (log) {
      lo = std::log10(lo);
      hi = std::log10(hi);
    }
    if (hi - lo < 1e-12) {
      const double pad = std::fabs(hi) > 0 ? std::fabs(hi) * 0.05 : 1;
      lo -= pad;
      hi += pad;
    } else {
      const double pad = (hi - lo) * 0.05;
      lo -= pad;
      hi += pad;
    }
  }
  double t(double v) const { return ((log ? std::log10(v) : v) - lo) / (hi - lo); }
  double value(double f) const {
    const double x = lo + f * (hi - lo);
    return log ? std::pow(10.0, x) : x;
  }
};

std::string chart(const SweepReportData& d, const ParetoAxis& ax, const ParetoAxis& ay,
                  const std::string& title, std::vector<bool>& on_front_any) {
  const int cx = column(d, ax.column), cy = column(d, ay.column);
  std::vector<std::pair<double, double>> pts;
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < d.rows.size(); ++i) {
    double x, y;
    if (!ok_row(d, d.rows[i]) || cx < 0 || cy < 0) continue;
    if (!parse(d.rows[i][static_cast<std::size_t>(cx)], x) ||
        !parse(d.rows[i][static_cast<std::size_t>(cy)], y))
      continue;
    pts.push_back({x, y});
    rows.push_back(i);
  }
  std::ostringstream o;
  o << "<h2>" << html_escape(title) << "</h2>\n";
  if (pts.empty()) {
    o << "<p class=\"note\">No point has both " << html_escape(ax.column) << " and "
      << html_escape(ay.column) << ".</p>\n";
    return o.str();
  }
  const std::vector<std::size_t> front = pareto_front(pts, ax.minimize, ay.minimize);
  std::vector<bool> is_front(pts.size(), false);
  for (std::size_t f : front) {
    is_front[f] = true;
    on_front_any[rows[f]] = true;
  }
  std::vector<double> xs, ys;
  for (const auto& p : pts) {
    xs.push_back(p.first);
    ys.push_back(p.second);
  }
  Scale sx, sy;
  sx.fit(xs);
  sy.fit(ys);
  const double W = 1180, H = 520, L = 90, R = 20, T = 16, B = 50;
  const double pw = W - L - R, ph = H - T - B;
  auto X = [&](double v) { return L + sx.t(v) * pw; };
  auto Y = [&](double v) { return T + (1 - sy.t(v)) * ph; };
  o << "<svg class=\"chart\" role=\"img\" aria-label=\"" << html_escape(title) << "\" width=\"" << W
    << "\" height=\"" << H << "\" viewBox=\"0 0 " << W << " " << H
    << "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  // Grid and tick labels: 6 per axis, at fractions of the (possibly log) range.
  for (int i = 0; i <= 5; ++i) {
    const double f = i / 5.0;
    const double gx = L + f * pw, gy = T + (1 - f) * ph;
    o << "<line x1=\"" << px(gx) << "\" y1=\"" << T << "\" x2=\"" << px(gx) << "\" y2=\"" << T + ph
      << "\" stroke=\"#eee\"/><text x=\"" << px(gx) << "\" y=\"" << T + ph + 16
      << "\" text-anchor=\"middle\">" << fmt(sx.value(f)) << "</text>\n";
    o << "<line x1=\"" << L << "\" y1=\"" << px(gy) << "\" x2=\"" << L + pw << "\" y2=\"" << px(gy)
      << "\" stroke=\"#eee\"/><text x=\"" << L - 6 << "\" y=\"" << px(gy + 4)
      << "\" text-anchor=\"end\">" << fmt(sy.value(f)) << "</text>\n";
  }
  o << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << pw << "\" height=\"" << ph
    << "\" fill=\"none\" stroke=\"#999\"/>\n";
  o << "<text x=\"" << L + pw / 2 << "\" y=\"" << H - 10 << "\" text-anchor=\"middle\">"
    << html_escape(ax.column) << (sx.log ? " (log scale)" : "")
    << (ax.minimize ? ", lower is better" : ", higher is better")
    << "</text>\n<text transform=\"translate(14," << T + ph / 2
    << ") rotate(-90)\" text-anchor=\"middle\">" << html_escape(ay.column)
    << (sy.log ? " (log scale)" : "") << (ay.minimize ? ", lower is better" : ", higher is better")
    << "</text>\n";
  // Every point, with its keys as a tooltip; the front drawn over them and labelled.
  for (std::size_t i = 0; i < pts.size(); ++i) {
    if (is_front[i]) continue;
    o << "<circle cx=\"" << px(X(pts[i].first)) << "\" cy=\"" << px(Y(pts[i].second))
      << "\" r=\"3\" fill=\"#4e79a7\" fill-opacity=\"0.55\"><title>"
      << html_escape(label(d, d.rows[rows[i]], true)) << "</title></circle>\n";
  }
  std::string path;
  for (std::size_t f : front)
    path += (path.empty() ? "M" : " L") + px(X(pts[f].first)) + " " + px(Y(pts[f].second));
  o << "<path d=\"" << path << "\" fill=\"none\" stroke=\"#2e7d32\" stroke-width=\"1.5\"/>\n";
  // Front points are labelled where a label does not overlap an earlier one (boxes estimated
  // at 6 px per character); the others keep their tooltip.
  struct Box {
    double x0, y0, x1, y1;
  };
  std::vector<Box> placed;
  std::size_t labelled = 0;
  for (std::size_t k = 0; k < front.size(); ++k) {
    const std::size_t f = front[k];
    const double x = X(pts[f].first), y = Y(pts[f].second);
    o << "<circle cx=\"" << px(x) << "\" cy=\"" << px(y) << "\" r=\"4.5\" fill=\"#2e7d32\"><title>"
      << html_escape(label(d, d.rows[rows[f]], true)) << "</title></circle>\n";
    const std::string text = label(d, d.rows[rows[f]], false);
    const double w = 6.0 * static_cast<double>(text.size()), h = 12;
    for (const auto& [dx, dy] : {std::pair{7.0, -6.0}, {7.0, 14.0}, {-7.0, -6.0}, {-7.0, 14.0}}) {
      const bool right = dx > 0;
      const Box b{right ? x + dx : x + dx - w, y + dy - h + 2, right ? x + dx + w : x + dx,
                  y + dy + 2};
      if (b.x0 < L || b.x1 > L + pw || b.y0 < T || b.y1 > T + ph) continue;
      bool hit = false;
      for (const Box& p : placed)
        hit = hit || (b.x0 < p.x1 && p.x0 < b.x1 && b.y0 < p.y1 && p.y0 < b.y1);
      if (hit) continue;
      placed.push_back(b);
      ++labelled;
      o << "<text class=\"lab\" x=\"" << px(x + dx) << "\" y=\"" << px(y + dy)
        << "\" text-anchor=\"" << (right ? "start" : "end") << "\">" << html_escape(text)
        << "</text>\n";
      break;
    }
  }
  o << "</svg>\n<p class=\"note\">" << pts.size() << " points; " << front.size()
    << " on the Pareto front (green; " << labelled << " labelled where there is room, by "
    << html_escape(label_keys(d)) << "). Hover a point for its whole configuration.</p>\n";
  return o.str();
}

}  // namespace

std::vector<std::size_t> pareto_front(const std::vector<std::pair<double, double>>& pts,
                                      bool minimize_x, bool minimize_y) {
  // Sort by x (best first), ties by y (best first); a point is on the front when its y is
  // strictly better than every point before it.
  std::vector<std::size_t> order(pts.size());
  std::iota(order.begin(), order.end(), 0);
  auto bx = [&](std::size_t i) { return minimize_x ? pts[i].first : -pts[i].first; };
  auto by = [&](std::size_t i) { return minimize_y ? pts[i].second : -pts[i].second; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (bx(a) != bx(b)) return bx(a) < bx(b);
    return by(a) < by(b);
  });
  std::vector<std::size_t> front;
  for (std::size_t i : order)
    if (front.empty() || by(i) < by(front.back())) front.push_back(i);
  std::sort(front.begin(), front.end(),
            [&](std::size_t a, std::size_t b) { return pts[a].first < pts[b].first; });
  return front;
}

std::string label_keys(const SweepReportData& d) {
  std::string l;
  for (std::size_t i = 0; i < d.axes.size(); ++i)
    if (varies(d, i)) l += (l.empty() ? "" : ", ") + d.axes[i];
  return l;
}

std::string render_sweep_report(const SweepReportData& d) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
       "'unsafe-inline'\">\n"
    << "<title>" << html_escape(d.title) << "</title>\n<style>" << kCss
    << "</style>\n</head><body>\n"
    << "<h1>" << html_escape(d.title) << "</h1>\n<table class=\"summary\">\n";
  for (const auto& [k, v] : d.summary)
    o << "<tr><th class=\"k\">" << html_escape(k) << "</th><td>" << html_escape(v)
      << "</td></tr>\n";
  o << "</table>\n";
  std::vector<bool> front(d.rows.size(), false);
  o << chart(d, {"latency_ms", true}, {"energy_pj", true}, "Latency vs energy (Pareto front)",
             front);
  o << chart(d, {"tops_per_w", false}, {"tops_per_mm2", false},
             "TOPS/W vs TOPS/mm\xC2\xB2 (Pareto front)", front);

  // The table, sorted by the chosen metric (failed points last, then point order).
  const int sc = column(d, d.sort_metric);
  const bool ascending = d.sort_metric.rfind("tops", 0) != 0 && d.sort_metric != "utilization";
  std::vector<std::size_t> order(d.rows.size());
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](std::size_t i, double& v) {
    return sc >= 0 && ok_row(d, d.rows[i]) && static_cast<std::size_t>(sc) < d.rows[i].size() &&
           parse(d.rows[i][static_cast<std::size_t>(sc)], v);
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    double va = 0, vb = 0;
    const bool ha = key(a, va), hb = key(b, vb);
    if (ha != hb) return ha;
    if (!ha) return false;
    return ascending ? va < vb : va > vb;
  });
  o << "<h2>Points by " << html_escape(d.sort_metric)
    << (ascending ? " (ascending)" : " (descending)")
    << "</h2>\n<p class=\"note\">Green rows are on a Pareto front.</p>\n<table "
       "class=\"points\">\n<tr><th>#</th>";
  for (std::size_t c = 0; c < d.columns.size(); ++c)
    o << "<th" << (c < d.axes.size() || d.columns[c] == "status" ? " class=\"k\"" : "") << ">"
      << html_escape(d.columns[c]) << "</th>";
  o << "</tr>\n";
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    const std::size_t i = order[rank];
    o << "<tr" << (front[i] ? " class=\"front\"" : "") << "><td>" << rank + 1 << "</td>";
    for (std::size_t c = 0; c < d.columns.size(); ++c) {
      const std::string cell = c < d.rows[i].size() ? d.rows[i][c] : std::string();
      const bool status = d.columns[c] == "status";
      o << "<td"
        << (c < d.axes.size()        ? " class=\"k\""
            : status && cell != "ok" ? " class=\"err\""
            : status                 ? " class=\"k\""
                                     : "")
        << ">" << html_escape(cell) << "</td>";
    }
    o << "</tr>\n";
  }
  o << "</table>\n<p class=\"note\">Generated by " << html_escape(d.generator)
    << ".</p>\n</body></html>\n";
  return o.str();
}

}  // namespace lpsim::traces
