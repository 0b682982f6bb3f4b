// HtmlReport: escaping, self-containment, timeline downsampling, and a real headless-Chromium
// render (screenshot, DOM, no console errors).
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

#include "tool_helpers.hpp"
#include "traces/html_report.hpp"

namespace lpsim::traces {
namespace {

using test::ChromiumRun;
using test::console_errors;
using test::kChromium;
using test::png_size;
using test::run_chromium;

ReportData sample(std::size_t array_events) {
  ReportData d;
  d.title = "ResNet-18 on LPA 32x32 <lp8> & friends";
  d.summary = {{"network", "resnet18"},
               {"array", "32 x 32, ws, 500 MHz"},
               {"cycles", "2,345,678"},
               {"energy per inference", "1.234 mJ"},
               {"TOPS/W", "3.21"},
               {"area", "3.57 mm\xC2\xB2"},
               {"note", "<b>not bold</b> \"quoted\" 'single'"}};
  const char* kinds[] = {"conv 7x7", "conv 3x3", "conv 1x1", "fc"};
  const char* modes[] = {"lp8", "lp4", "lp2", "int8"};
  for (int i = 0; i < 21; ++i) {
    ReportLayer l;
    l.name = i == 0    ? "conv1"
             : i == 20 ? "fc <script>alert(1)</script>"
                       : "layer" + std::to_string(1 + (i - 1) / 5) + "." +
                             std::to_string((i - 1) % 5) + ".conv";
    l.kind = kinds[i % 4];
    l.mode = modes[i % 4];
    l.cycles = 20000 + 97531ull * ((i * 7) % 11);
    l.utilization = 0.35 + 0.6 * ((i * 3) % 7) / 6.0;
    l.macs = l.cycles * 900;
    l.energy_pj = 1e6 * (1 + i % 5);
    d.layers.push_back(l);
  }
  d.energy_breakdown_pj = {{"pe_mac", 5.1e8},  {"decoder", 2.0e7}, {"encoder", 4.0e6},
                           {"pe_regs", 6.0e7}, {"sram_wb", 9.0e7}, {"sram_ib", 1.3e8},
                           {"sram_ob", 7.0e7}, {"dram", 3.1e8},    {"ppu", 1.0e7},
                           {"leakage", 3.0e7}};
  d.tracks = {"controller", "dma", "array", "ppu"};
  double t = 0;
  for (std::size_t i = 0; i < array_events; ++i) {
    const double dma = 40 + static_cast<double>(i % 3) * 10,
                 comp = 200 + static_cast<double>(i % 5) * 20;
    d.timeline.push_back({"dma", "load tile " + std::to_string(i), t, dma});
    d.timeline.push_back({"array", "tile " + std::to_string(i), t + dma, comp});
    if (i % 4 == 3) d.timeline.push_back({"ppu", "drain", t + dma + comp, 30});
    t += dma + comp + 35;
  }
  d.timeline.push_back({"controller", "layer 0 & 1", 0, t});
  d.config_text =
      "array:\n  rows: 32\n  cols: 32\n  dataflow: ws\nformats:\n  weights: lp<8,2,3,0>\n"
      "note: \"<not a tag> & ampersand\"\n";
  return d;
}

TEST(HtmlReport, Escape) {
  EXPECT_EQ(html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(html_escape("plain \xC2\xB5J"), "plain \xC2\xB5J");
}

TEST(HtmlReport, SelfContainedAndEscaped) {
  const std::string h = render_html_report(sample(50));
  EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(h.find("<script"), std::string::npos);  // the hostile layer name is escaped
  EXPECT_NE(h.find("fc &lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(h.find("<title>ResNet-18 on LPA 32x32 &lt;lp8&gt; &amp; friends</title>"),
            std::string::npos);
  EXPECT_NE(h.find("&lt;b&gt;not bold&lt;/b&gt; &quot;quoted&quot; &#39;single&#39;"),
            std::string::npos);
  EXPECT_NE(h.find("note: &quot;&lt;not a tag&gt; &amp; ampersand&quot;"), std::string::npos);
  // Nothing to fetch: no src/href attributes, no CSS url(), no @import.
  for (const char* bad : {" src=", " href=", "url(", "@import", "<link", "<iframe"})
    EXPECT_EQ(h.find(bad), std::string::npos) << bad;
  // The only URLs are SVG namespace names.
  const std::regex url("https?://[^\"]*");
  for (auto it = std::sregex_iterator(h.begin(), h.end(), url); it != std::sregex_iterator(); ++it)
    EXPECT_EQ(it->str(), "http://www.w3.org/2000/svg");
  std::size_t svgs = 0;
  for (auto p = h.find("<svg"); p != std::string::npos; p = h.find("<svg", p + 1)) ++svgs;
  EXPECT_EQ(svgs, 3u);
  for (const char* section :
       {"id=\"summary\"", "id=\"layers\"", "id=\"energy\"", "id=\"timeline\"", "id=\"config\""})
    EXPECT_NE(h.find(section), std::string::npos) << section;
}

TEST(HtmlReport, LongLayerNamesKeepTheirEndInTheChart) {
  ReportData d;
  d.layers.push_back(
      {"encoder.layers.encoder_layer_11.self_attention.out_proj", "gemm", "lp8", 10, 0.5, 5, 1});
  const std::string h = render_html_report(d);
  // 29 characters of the end after an ellipsis; the whole name stays in the tooltip and table.
  EXPECT_NE(h.find("\xE2\x80\xA6"
                   "er_11.self_attention.out_proj</text>"),
            std::string::npos);
  EXPECT_NE(h.find("<title>encoder.layers.encoder_layer_11.self_attention.out_proj:"),
            std::string::npos);
}

TEST(HtmlReport, EmptyDataRenders) {
  ReportData d;
  const std::string h = render_html_report(d);
  EXPECT_NE(h.find("No layers."), std::string::npos);
  EXPECT_NE(h.find("No energy figures."), std::string::npos);
  EXPECT_NE(h.find("No timeline events."), std::string::npos);
}

TEST(HtmlReport, TimelineDownsampling) {
  std::vector<ReportEvent> ev;
  for (int i = 0; i < 10000; ++i) ev.push_back({"array", "t", i * 10.0, 8.0});
  // 10 units per event, 0.01 px per unit: 0.1 px per event -> merged into few rects.
  const auto few = timeline_rects(ev, 0.01, 2000);
  std::size_t total = 0;
  for (const auto& r : few) total += r.events;
  EXPECT_EQ(total, 10000u);
  EXPECT_EQ(few.size(), 1u);  // gaps of 2 units are far below a pixel
  EXPECT_EQ(few[0].name, "10000 events");
  EXPECT_DOUBLE_EQ(few[0].end, 99998.0);
  // At 1 px per unit the 2-unit gaps are visible: nothing merges.
  EXPECT_EQ(timeline_rects(ev, 1.0, 2000).size(), 10000u);
  // Few events: one rectangle each, whatever the scale.
  std::vector<ReportEvent> some(ev.begin(), ev.begin() + 100);
  EXPECT_EQ(timeline_rects(some, 0.001, 2000).size(), 100u);
  const std::string h = render_html_report(sample(20000));
  EXPECT_NE(h.find("rectangles (events closer than one pixel merged)"), std::string::npos);
  EXPECT_LT(h.size(), 2'000'000u);
}

TEST(HtmlReportBrowser, ChromiumRendersWithoutConsoleErrors) {
  LPSIM_REQUIRE_TOOL(kChromium);
  const auto dir = test::fresh_dir("report");
  const auto html = (dir / "report.html").string();
  write_html_report(html, sample(3000));
  const auto png = dir / "report.png";
  const ChromiumRun r = run_chromium(dir, html, "--screenshot=" + test::quote(png.string()));
  ASSERT_EQ(r.rc, 0) << r.stderr_text;
  EXPECT_EQ(console_errors(r.stderr_text), std::vector<std::string>{});
  ASSERT_TRUE(std::filesystem::exists(png)) << r.stderr_text;
  const std::string img = test::slurp(png);
  EXPECT_EQ(png_size(img), (std::pair<unsigned, unsigned>{1280, 2000}));
  EXPECT_GT(img.size(), 40'000u) << "screenshot looks blank";  // a blank page is a few KB

  // The browser's DOM has the three charts and the escaped texts as text, not markup.
  const ChromiumRun dom = run_chromium(dir, html, "--dump-dom");
  ASSERT_EQ(dom.rc, 0) << dom.stderr_text;
  EXPECT_EQ(console_errors(dom.stderr_text), std::vector<std::string>{});
  std::size_t svgs = 0;
  for (auto p = dom.stdout_text.find("<svg"); p != std::string::npos;
       p = dom.stdout_text.find("<svg", p + 1))
    ++svgs;
  EXPECT_EQ(svgs, 3u);
  EXPECT_EQ(dom.stdout_text.find("<script"), std::string::npos);
  EXPECT_NE(dom.stdout_text.find("fc &lt;script&gt;"), std::string::npos);
  if (const char* keep = std::getenv("LPSIM_KEEP_REPORT")) {
    std::filesystem::copy_file(png, keep, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(html, std::string(keep) + ".html",
                               std::filesystem::copy_options::overwrite_existing);
  }
  std::filesystem::remove_all(dir);
}

TEST(HtmlReportBrowser, ConsoleErrorDetectorCatchesErrors) {
  LPSIM_REQUIRE_TOOL(kChromium);
  const auto dir = test::fresh_dir("report_bad");
  const auto html = (dir / "bad.html").string();
  {
    std::ofstream(html) << "<!DOCTYPE html><html><body><p>x</p><script>"
                           "console.error('boom'); undefinedFunction();</script></body></html>";
  }
  const ChromiumRun r = run_chromium(dir, html, "--dump-dom");
  ASSERT_EQ(r.rc, 0) << r.stderr_text;
  const auto bad = console_errors(r.stderr_text);
  ASSERT_EQ(bad.size(), 2u) << r.stderr_text;
  EXPECT_NE(bad[0].find("boom"), std::string::npos);
  EXPECT_NE(bad[1].find("Uncaught ReferenceError"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lpsim::traces
