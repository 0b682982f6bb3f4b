// End-to-end contract of `lpsim lp` (README and issue #2 define it; users rely on it exactly).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "run_command.hpp"

namespace {

using lpsim::test::run_lpsim;

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

TEST(CliLp, TableOfLp4MatchesTheSpecExample) {
  const auto r = run_lpsim("lp table --format lp:4,1,3,0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> want = {
      "0x0 0",    "0x1 0.0625", "0x2 0.25", "0x3 0.5",   "0x4 1",     "0x5 2",
      "0x6 4",    "0x7 16",     "0x8 nan",  "0x9 -16",   "0xa -4",    "0xb -2",
      "0xc -1",   "0xd -0.5",   "0xe -0.25", "0xf -0.0625"};
  EXPECT_EQ(lines(r.out), want);
  EXPECT_EQ(r.err, "");
}

TEST(CliLp, TableAcceptsTheAngleFormAndOtherFamilies) {
  const auto a = run_lpsim("lp table --format 'lp<8,2,3,0>'");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto l = lines(a.out);
  ASSERT_EQ(l.size(), 256u);
  EXPECT_EQ(l[0x32], "0x32 0.29730177875068026");  // 2^-1.75
  EXPECT_EQ(l[0x80], "0x80 nan");
  EXPECT_EQ(l[0x7f], "0x7f 3444.3117168792146");  // 2^11.75

  const auto p = run_lpsim("lp table --format posit:8,0");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(lines(p.out).size(), 256u);
  EXPECT_EQ(lines(p.out)[0x40], "0x40 1");
  EXPECT_EQ(lines(p.out)[0x7f], "0x7f 64");

  const auto e4 = run_lpsim("lp table --format fp8:e4m3");
  ASSERT_EQ(e4.exit_code, 0) << e4.err;
  EXPECT_EQ(lines(e4.out)[0x7e], "0x7e 448");
  EXPECT_EQ(lines(e4.out)[0x7f], "0x7f nan");
  const auto e5 = run_lpsim("lp table --format fp8:e5m2");
  ASSERT_EQ(e5.exit_code, 0) << e5.err;
  EXPECT_EQ(lines(e5.out)[0x7b], "0x7b 57344");
  EXPECT_EQ(lines(e5.out)[0x7c], "0x7c inf");
}

TEST(CliLp, QuantizePrintsPatternAndValueInInputOrder) {
  const auto r = run_lpsim("lp quantize --format lp:8,2,3,0", "0.3\n-0.3 3.0\t1e6 0 -1e-30 nan +2\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> want = {
      "0x32 0.29730177875068026", "0xce -0.29730177875068026", "0x4d 3.0844216508158815",
      "0x7f 3444.3117168792146",  "0x00 0",                    "0xff -0.00029033376831121119",
      "0x80 nan",                 "0x48 2"};
  EXPECT_EQ(lines(r.out), want);
}

TEST(CliLp, QuantizeOfNothingPrintsNothing) {
  const auto r = run_lpsim("lp quantize --format lp:8,2,3,0", "  \n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

TEST(CliLp, IntFormatFitsItsScaleToTheInput) {
  // max|x| = 254 gives scale 2 exactly; 1 and 5 are ties (0.5, 2.5) and go to even codes.
  const auto r = run_lpsim("lp quantize --format int:8", "254 -100 1 3 5 -3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> want = {"0x7f 254", "0xce -100", "0x00 0",
                                         "0x02 4",   "0x02 4",    "0xfe -4"};
  EXPECT_EQ(lines(r.out), want);
}

TEST(CliLp, ErrorReportsRmseAndAccuracy) {
  const auto r = run_lpsim("lp error --format lp:4,1,3,0", "1 2 3\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 3 -> 2 or 4: log2 3 = 1.585 is nearer 2 (L=2, value 4): error 1 on one of three values.
  const auto l = lines(r.out);
  ASSERT_EQ(l.size(), 7u);
  EXPECT_EQ(l[0], "format lp<4,1,3,0>");
  EXPECT_EQ(l[1], "count 3");
  EXPECT_EQ(l[2], "rmse 0.577350269");
  EXPECT_EQ(l[3], "max_rel_error 0.333333333");
  EXPECT_EQ(l[5], "exact 2");
  const double acc = std::stod(l[4].substr(l[4].find(' ') + 1));
  EXPECT_NEAR(acc, -std::log10(std::log10(4.0 / 3.0)), 1e-6);
}

struct BadCase {
  std::string args, input, needle;
};

TEST(CliLp, BadInputIsOneLineErrorWithExitCode2AndNoOutput) {
  const std::vector<BadCase> cases = {
      {"lp table --format foo:1", "", "unknown format family 'foo'"},
      {"lp table --format lp:8,2,9,0", "", "rs=9"},
      {"lp table --format lp:17,2,3,0", "", "n=17"},
      {"lp table --format lp:8,5,3,0", "", "es=5"},
      {"lp table --format lp:8,2,3,99", "", "sf=99"},
      {"lp table --format lp:8,2,3", "", "expected lp:N,ES,RS,SF"},
      {"lp table --format lp:8,x,3,0", "", "es='x' is not an integer"},
      {"lp table --format posit:8,7", "", "es=7"},
      {"lp table --format fp8:e3m4", "", "fp8"},
      {"lp quantize --format lp:8,2,3,0", "0.5 1.5 abc 2", "token 3 ('abc') is not a number"},
      {"lp quantize --format lp:8,2,3,0", "1 2 0x10", "token 3 ('0x10')"},
      {"lp error --format lp:8,2,3,0", "1,5", "token 1 ('1,5')"},
      {"lp error --format lp:8,2,3,0", "", "no values"},
      {"lp table", "", "--format"},
      {"lp", "", "subcommand"},
      {"lp frobnicate --format lp:8,2,3,0", "", "unknown subcommand 'frobnicate' of 'lpsim lp'"},
      {"frob", "", "unknown subcommand 'frob' of 'lpsim'"},
  };
  for (const auto& c : cases) {
    const auto r = run_lpsim(c.args, c.input);
    EXPECT_EQ(r.exit_code, 2) << c.args;
    EXPECT_EQ(r.out, "") << c.args;
    EXPECT_EQ(r.err.rfind("lpsim: error: ", 0), 0u) << c.args << ": " << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.args << ": " << r.err;
  }
}

}  // namespace
