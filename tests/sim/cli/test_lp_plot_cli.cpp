// `lpsim lp plot`: decimal accuracy against log2|x| as SVG (the LP paper's Figure 1b); never
// replaces a file; bad formats are one error line, exit 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "run_fixture.hpp"

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;

class LpPlotCli : public RunFixture {};

TEST_F(LpPlotCli, WritesOneCurvePerFormat) {
  const std::string out = (m_dir / "fig.svg").string();
  const CommandResult r =
      run_lpsim("lp plot --format lp:8,2,3,0 --vs af:8,3,-8 --vs posit:8,2 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string svg = slurp(out);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  std::size_t paths = 0;
  for (std::size_t at = svg.find("<path"); at != std::string::npos; at = svg.find("<path", at + 1))
    ++paths;
  EXPECT_EQ(paths, 3u);
  EXPECT_NE(svg.find("lp&lt;8,2,3,0&gt;"), std::string::npos);
  EXPECT_NE(svg.find("posit&lt;8,2&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("lp<8"), std::string::npos);  // names are escaped: the file is valid XML
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  // A second plot to the same name is refused; the first file is untouched.
  const CommandResult again = run_lpsim("lp plot --format lp:4,0,2,0 --out " + out);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("never replaces a file"), std::string::npos) << again.err;
  EXPECT_EQ(slurp(out), svg);
  EXPECT_EQ(std::distance(fs::directory_iterator(m_dir), fs::directory_iterator()), 1);
}

TEST_F(LpPlotCli, BadInput) {
  const std::string out = (m_dir / "x.svg").string();
  for (const std::string& args :
       {"lp plot --format lp:8,2,9,0 --out " + out,
        "lp plot --format lp:8,2,3,0 --vs nope:1 --out " + out,
        "lp plot --format lp:8,2,3,0 --out " + (m_dir / "no" / "x.svg").string()}) {
    const CommandResult r = run_lpsim(args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(r.err.rfind("lpsim: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(out));
  }
}

}  // namespace
}  // namespace lpsim::test
