// The sweep file reader, the where-expression evaluator, point enumeration and the Pareto front
// (sim/sweep, traces/sweep_report): valid files, the bad-file corpus (one error naming the
// file, line and key), stable order and ids.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sim/sweep/sweep.hpp"
#include "sw/common/error.hpp"
#include "traces/sweep_report.hpp"

namespace lpsim::sim::sweep {
namespace {

namespace fs = std::filesystem;

class SweepSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() /
            ("lpsim-sweepspec-" +
             std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
             std::to_string(::getpid()));
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
    write(
        "base.yaml",
        "model: resnet18\nzoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}\n"
        "accelerator: {rows: 8, cols: 8}\n");
  }
  void TearDown() override { fs::remove_all(m_dir); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(m_dir / name) << text;
    return (m_dir / name).string();
  }
  // The error of loading `text` as a sweep file ("" when it loads).
  std::string error_of(const std::string& text) {
    const std::string f = write("s.yaml", text);
    try {
      load_sweep(f);
    } catch (const UserError& e) {
      std::string msg = e.what();
      const std::string dir = m_dir.string() + "/";
      for (std::size_t p; (p = msg.find(dir)) != std::string::npos;) msg.erase(p, dir.size());
      return msg;
    }
    return "";
  }
  fs::path m_dir;
};

std::string texts(const Point& p) {
  std::string s;
  for (const Value& v : p.values) s += (s.empty() ? "" : ",") + v.text;
  return s;
}

TEST_F(SweepSpecTest, ProductInWrittenOrderLastAxisFastest) {
  const SweepSpec s = load_sweep(write("s.yaml",
                                       "base: base.yaml\naxes:\n  accelerator.rows: [4, 8]\n"
                                       "  accelerator.dataflow: [ws, os, is]\n"));
  const auto pts = enumerate_points(s);
  ASSERT_EQ(pts.size(), 6u);
  EXPECT_EQ(texts(pts[0]), "4,ws");
  EXPECT_EQ(texts(pts[1]), "4,os");
  EXPECT_EQ(texts(pts[2]), "4,is");
  EXPECT_EQ(texts(pts[3]), "8,ws");
  for (std::size_t i = 0; i < pts.size(); ++i) EXPECT_EQ(pts[i].index, i);
  EXPECT_EQ(pts[0].overrides(s),
            (std::vector<std::string>{"accelerator.rows=4", "accelerator.dataflow=ws"}));
  EXPECT_EQ(result_columns(s).front(), "accelerator.rows");
  EXPECT_EQ(result_columns(s)[2], "status");
  EXPECT_EQ(result_columns(s).back(), "verified");
  EXPECT_EQ(s.name, "s");
}

TEST_F(SweepSpecTest, IdsDependOnValuesNotOnPosition) {
  const auto a = enumerate_points(
      load_sweep(write("a.yaml", "base: base.yaml\naxes:\n  accelerator.rows: [4, 8]\n")));
  const auto b = enumerate_points(
      load_sweep(write("b.yaml", "base: base.yaml\naxes:\n  accelerator.rows: [8, 16, 4]\n")));
  EXPECT_EQ(a[0].id, b[2].id);  // rows=4
  EXPECT_EQ(a[1].id, b[0].id);  // rows=8
  EXPECT_NE(a[0].id, a[1].id);
  EXPECT_EQ(a[0].id.size(), 16u);
}

TEST_F(SweepSpecTest, ZipGroupsVaryTogetherAtTheFirstKeysPlace) {
  const SweepSpec s =
      load_sweep(write("s.yaml",
                       "base: base.yaml\naxes:\n  accelerator.rows: [4, 8, 16]\n"
                       "  accelerator.dataflow: [ws, os]\n  accelerator.cols: [16, 8, 4]\n"
                       "zip:\n  - [accelerator.rows, accelerator.cols]\n"));
  const auto pts = enumerate_points(s);
  ASSERT_EQ(pts.size(), 6u);
  EXPECT_EQ(texts(pts[0]), "4,ws,16");
  EXPECT_EQ(texts(pts[1]), "4,os,16");
  EXPECT_EQ(texts(pts[2]), "8,ws,8");
  EXPECT_EQ(texts(pts[5]), "16,os,4");
}

TEST_F(SweepSpecTest, WhereFiltersAndIndexesStayContiguous) {
  const SweepSpec s = load_sweep(
      write("s.yaml",
            "base: base.yaml\naxes:\n  accelerator.rows: [4, 8, 16, 32]\n  accelerator.cols: [4, "
            "8, 16, 32]\n"
            "  accelerator.dataflow: [ws, os]\n"
            "where:\n  - accelerator.rows * accelerator.cols <= 128\n"
            "  - not (accelerator.dataflow == 'os' and accelerator.rows > accelerator.cols)\n"));
  const auto pts = enumerate_points(s);
  std::size_t n = 0;
  for (int r : {4, 8, 16, 32})
    for (int c : {4, 8, 16, 32})
      for (const char* d : {"ws", "os"}) n += r * c <= 128 && !(std::string(d) == "os" && r > c);
  ASSERT_EQ(pts.size(), n);
  for (std::size_t i = 0; i < pts.size(); ++i) {
    EXPECT_EQ(pts[i].index, i);
    EXPECT_LE(pts[i].values[0].number * pts[i].values[1].number, 128);
  }
}

TEST_F(SweepSpecTest, Expressions) {
  const std::vector<std::string> keys = {"a", "b.c", "s"};
  auto v = [](double x) {
    Value r;
    r.kind = Value::Kind::Number;
    r.number = x;
    return r;
  };
  Value s;
  s.text = "os";
  const std::vector<Value> vals = {v(6), v(4), s};
  auto holds = [&](const std::string& e) { return Expr(e, keys, "f:1: where").holds(vals); };
  EXPECT_TRUE(holds("a * b.c == 24"));
  EXPECT_TRUE(holds("a + b.c * 2 == 14"));  // precedence
  EXPECT_TRUE(holds("(a + b.c) * 2 == 20"));
  EXPECT_TRUE(holds("a % 4 == 2 && -a < 0"));
  EXPECT_TRUE(holds("a / 4 == 1.5"));
  EXPECT_TRUE(holds("s == 'os' or s == \"is\""));
  EXPECT_TRUE(holds("!(s != 'os') || false"));
  EXPECT_TRUE(holds("1e3 >= 999.5 and .5 < 1"));
  EXPECT_FALSE(holds("a >= 7"));
  auto err = [&](const std::string& e) {
    try {
      Expr(e, keys, "f:1: where").holds(vals);
    } catch (const UserError& x) {
      return std::string(x.what());
    }
    return std::string();
  };
  EXPECT_EQ(err("a <"), "f:1: where: 'a <': unexpected end of the expression (at character 4)");
  EXPECT_EQ(err("x > 1"),
            "f:1: where: 'x > 1': 'x' is not an axis (axes: a, b.c, s) (at character 1)");
  EXPECT_EQ(err("a > 'x'"), "f:1: where: 'a > 'x'': '>' compares a number with a string");
  EXPECT_EQ(err("a / (b.c - 4) > 1"), "f:1: where: 'a / (b.c - 4) > 1': division by zero");
  EXPECT_EQ(err("a + 1"),
            "f:1: where: 'a + 1': is a number, not a condition (use a comparison such as <=)");
  EXPECT_EQ(err("a > 1 $ 2"), "f:1: where: 'a > 1 $ 2': unexpected character '$' (at character 7)");
  EXPECT_EQ(err("s + 1 > 0"), "f:1: where: 's + 1 > 0': '+' needs a number, got a string ('os')");
  EXPECT_EQ(err("'abc"), "f:1: where: ''abc': unterminated string (at character 1)");
  EXPECT_EQ(
      err("system('rm')"),
      "f:1: where: 'system('rm')': 'system' is not an axis (axes: a, b.c, s) (at character 1)");
}

TEST_F(SweepSpecTest, InlineBaseAndQuotedValues) {
  const SweepSpec s =
      load_sweep(write("s.yaml",
                       "name: study\nbase:\n  model: resnet18\n  zoo: {input_size: 32, "
                       "width_divisor: 8, max_blocks: 1, num_classes: 10}\n"
                       "axes:\n  quantization.default: ['lp<8,2,3,0>', \"int:8\"]\n"));
  EXPECT_TRUE(s.base_inline);
  EXPECT_EQ(s.name, "study");
  const auto pts = enumerate_points(s);
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0].overrides(s)[0], "quantization.default=\"lp<8,2,3,0>\"");
  Row bad;
  bad.status = "x, \"y\"";
  EXPECT_EQ(csv_line(pts[0], bad), "\"lp<8,2,3,0>\",\"x, \"\"y\"\"\",,,,,,,,,");
}

TEST_F(SweepSpecTest, BadSweepFiles) {
  // Each: one error naming the file, the line and the key.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"axes:\n  accelerator.rows: [4]\n",
       "s.yaml: base: required (a workload file, or a workload mapping)"},
      {"base: nothere.yaml\naxes:\n  accelerator.rows: [4]\n",
       "s.yaml:1: base: workload file 'nothere.yaml' does not exist or is not a regular file"},
      {"base: base.yaml\n",
       "s.yaml: axes: required, a mapping from dotted workload keys to lists of values"},
      {"base: base.yaml\naxes: {}\n",
       "s.yaml:2: axes: required, a mapping from dotted workload keys to lists of values"},
      {"base: base.yaml\naxes:\n  accelerator.rows: 4\n",
       "s.yaml:3: axes.accelerator.rows: expected a non-empty list of values, e.g. [8, 16, 32]"},
      {"base: base.yaml\naxes:\n  accelerator.rows: []\n",
       "s.yaml:3: axes.accelerator.rows: expected a non-empty list of values, e.g. [8, 16, 32]"},
      {"base: base.yaml\naxes:\n  accelerator.rows: [4, 4]\n",
       "s.yaml:3: axes.accelerator.rows: value '4' is listed twice"},
      {"base: base.yaml\naxes:\n  accelerator.rowz: [4]\n",
       "s.yaml:3: axes.accelerator.rowz: value '4': accelerator.rowz: unknown key (expected one of "
       "rows, cols, "},
      {"base: base.yaml\naxes:\n  accelerator.rows: [4, 0]\n",
       "s.yaml:3: axes.accelerator.rows: value '0': accelerator.rows: value 0 is out of range "
       "1..1024"},
      {"base: base.yaml\naxes:\n  accelerator.dataflow: [ws, xs]\n",
       "s.yaml:3: axes.accelerator.dataflow: value 'xs': accelerator.dataflow: dataflow 'xs' is "
       "not one of ws, os, is"},
      {"base: base.yaml\naxes:\n  accelerator.rows: [[4]]\n",
       "s.yaml:3: axes.accelerator.rows: expected a list of scalar values (numbers or texts), got "
       "a sequence"},
      {"base: base.yaml\naxes:\n  accelerator.rows: [4]\nzip: [[accelerator.rows, "
       "accelerator.cols]]\n",
       "s.yaml:4: zip: 'accelerator.cols' is not a key under axes"},
      {"base: base.yaml\naxes:\n  accelerator.rows: [4, 8]\n  accelerator.cols: [4]\nzip: "
       "[[accelerator.rows, accelerator.cols]]\n",
       "s.yaml:5: zip: 'accelerator.cols' has 1 values, 'accelerator.rows' has 2 (keys of a group "
       "vary together)"},
      {"base: base.yaml\naxes:\n  accelerator.rows: [4]\nwhere: accelerator.rows <\n",
       "s.yaml:4: where: 'accelerator.rows <': unexpected end of the expression (at character 19)"},
      {"base: base.yaml\naxes:\n  accelerator.rows: [4]\nwhere: accelerator.cols < 4\n",
       "s.yaml:4: where: 'accelerator.cols < 4': 'accelerator.cols' is not an axis (axes: "
       "accelerator.rows) (at character 1)"},
      {"base: base.yaml\naxes:\n  accelerator.rows: [4]\nwhere: accelerator.rows\n",
       "s.yaml:4: where: 'accelerator.rows': is a number, not a condition (use a comparison such "
       "as <=)"},
      {"base: base.yaml\naxes:\n  accelerator.rows: [4]\nextra: 1\n",
       "s.yaml:4: extra: unknown key (expected one of name, base, axes, zip, where)"},
      {"base: base.yaml\naxes:\n  accelerator.rows: [4]\nname: a/b\n",
       "s.yaml:4: name: 'a/b' cannot name an output directory (A-Z a-z 0-9 . _ + -)"},
      {"base: [1]\naxes:\n  accelerator.rows: [4]\n",
       "s.yaml:1: base: expected a workload file name or a workload mapping"},
      {"base: {model: nomodel}\naxes:\n  accelerator.rows: [4]\n",
       ""},  // the zoo name is checked when a point runs
      {"- 1\n", "s.yaml: a sweep file is a mapping with 'base' and 'axes' (docs/sweep.md)"},
  };
  // Exact texts, except that a message ending in ", " is a prefix (the workload reader's list
  // of accelerator keys grows with the hardware).
  for (const auto& [text, want] : cases) {
    const std::string got = error_of(text);
    if (want.size() > 2 && want.compare(want.size() - 2, 2, ", ") == 0)
      EXPECT_EQ(got.substr(0, want.size()), want) << text;
    else
      EXPECT_EQ(got, want) << text;
  }
}

TEST(SweepReport, ParetoFront) {
  using traces::pareto_front;
  const std::vector<std::pair<double, double>> pts = {{1, 9}, {2, 5}, {3, 6},   {4, 1},
                                                      {2, 5}, {5, 1}, {0.5, 10}};
  // Minimise both: (0.5,10), (1,9), (2,5), (4,1); (3,6) and (5,1) are dominated, the second
  // (2,5) ties the first.
  EXPECT_EQ(pareto_front(pts, true, true), (std::vector<std::size_t>{6, 0, 1, 3}));
  // Maximise both: (5,1) and (3,6) and (1,9)? (1,9) is beaten by nothing with larger x and y>=9:
  // (0.5,10) has smaller x. Front: (5,1), (3,6), (1,9), (0.5,10).
  EXPECT_EQ(pareto_front(pts, false, false), (std::vector<std::size_t>{6, 0, 2, 5}));
  EXPECT_TRUE(pareto_front({}, true, true).empty());
}

TEST(SweepReport, RendersChartsAndSortedTable) {
  traces::SweepReportData d;
  d.axes = {"accelerator.rows"};
  d.columns = {"accelerator.rows", "status",     "total_cycles", "latency_ms",
               "energy_pj",        "tops_per_w", "tops_per_mm2", "area_mm2",
               "utilization",      "dram_bytes", "verified"};
  d.rows = {{"4", "ok", "10", "3", "5", "1", "2", "1", "0.5", "9", "yes"},
            {"8", "ok", "10", "1", "9", "2", "1", "1", "0.5", "9", "yes"},
            {"16<b>", "layer x: cannot be tiled", "", "", "", "", "", "", "", "", ""}};
  const std::string h = traces::render_sweep_report(d);
  EXPECT_NE(h.find("Latency vs energy"), std::string::npos);
  EXPECT_EQ(h.find("<b>"), std::string::npos);  // escaped
  EXPECT_NE(h.find("16&lt;b&gt;"), std::string::npos);
  EXPECT_EQ(h.find("<script"), std::string::npos);
  // Sorted by latency: rows=8 (1 ms) before rows=4 (3 ms), the failed point last.
  const auto p8 = h.find("<tr class=\"front\"><td>1</td><td class=\"k\">8</td>");
  const auto p4 = h.find("<td class=\"k\">4</td>", h.find("<table class=\"points\">"));
  EXPECT_NE(p8, std::string::npos);
  EXPECT_LT(p8, p4);
  EXPECT_LT(p4, h.find("cannot be tiled"));
}

}  // namespace
}  // namespace lpsim::sim::sweep
