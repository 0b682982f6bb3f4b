// compare.html's bar charts (traces/compare_report): bar lengths proportional to the values on
// one scale shared with the paper's bars, a paper bar only where the paper gives a figure, "-"
// for a missing value, every text escaped, no scripts.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <string>
#include <vector>

#include "traces/compare_report.hpp"

namespace lpsim::traces {
namespace {

std::vector<double> widths(const std::string& svg, const std::string& fill) {
  std::vector<double> w;
  const std::regex re(
      "<rect x=\"[0-9.]+\" y=\"[0-9.]+\" width=\"([0-9.]+)\" height=\"14\" fill=\"" + fill + "\"");
  for (std::sregex_iterator it(svg.begin(), svg.end(), re), end; it != end; ++it)
    w.push_back(std::stod((*it)[1]));
  return w;
}

TEST(CompareReport, BarsAreProportionalWithPaperBarsOnTheSameScale) {
  BarChart c;
  c.title = "Latency <norm>";
  c.values = {0.5, 1.0, std::nan("")};
  c.paper = {0.25, std::nan(""), 2.0};
  const std::string svg = render_bar_chart(c, {"lp", "a&b", "posit"});
  const auto ours = widths(svg, "#3b78c2");
  const auto paper = widths(svg, "url\\(#hatch\\)");
  ASSERT_EQ(ours.size(), 2u);   // the NaN value has no bar
  ASSERT_EQ(paper.size(), 2u);  // only where the paper gives a figure
  EXPECT_NEAR(ours[1] / ours[0], 2.0, 1e-3);
  EXPECT_NEAR(paper[1] / ours[1], 2.0, 1e-3);  // one scale for both: 2.0 is the longest
  EXPECT_NEAR(paper[0] / ours[0], 0.5, 1e-3);
  EXPECT_NE(svg.find("Latency &lt;norm&gt;"), std::string::npos);
  EXPECT_NE(svg.find(">a&amp;b<"), std::string::npos);
  EXPECT_NE(svg.find(">-</text>"), std::string::npos);
  EXPECT_NE(svg.find("LPA paper"), std::string::npos);  // the legend, with paper bars
}

TEST(CompareReport, NoPaperFiguresNoPaperBarsNoLegend) {
  BarChart c;
  c.title = "Energy";
  c.unit = "mJ";
  c.values = {3.0, 1.5};
  c.paper = {std::nan(""), std::nan("")};
  const std::string svg = render_bar_chart(c, {"x", "y"});
  EXPECT_EQ(widths(svg, "url\\(#hatch\\)").size(), 0u);
  EXPECT_EQ(svg.find("LPA paper"), std::string::npos);
  EXPECT_NE(svg.find("Energy (mJ)"), std::string::npos);
}

TEST(CompareReport, PageHasTheTableAndNoScripts) {
  CompareReportData d;
  d.title = "t";
  d.labels = {"lp"};
  d.descriptions = {"LP <8>"};
  BarChart c;
  c.values = {1};
  c.paper = {1};
  d.charts = {c, c};
  d.columns = {"pe", "latency_norm"};
  d.rows = {{"lp", "1"}};
  const std::string html = render_compare_report(d);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("LP &lt;8&gt;"), std::string::npos);
  EXPECT_NE(html.find("<th>latency_norm</th>"), std::string::npos);
  std::size_t n = 0;
  for (std::size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1))
    ++n;
  EXPECT_EQ(n, 2u);
}

}  // namespace
}  // namespace lpsim::traces
