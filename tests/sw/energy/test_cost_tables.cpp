// Cost tables: published defaults, derived entries, SRAM size curve, YAML loading and errors.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "sw/common/error.hpp"
#include "sw/energy/cost_tables.hpp"

namespace lpsim::energy {
namespace {

TEST(EnergyTableDefaults, PublishedHorowitzFigures) {
  const EnergyTable t;
  EXPECT_DOUBLE_EQ(t.value("int_add_8b"), 0.03);
  EXPECT_DOUBLE_EQ(t.value("int_add_32b"), 0.1);
  EXPECT_DOUBLE_EQ(t.value("int_mult_8b"), 0.2);
  EXPECT_DOUBLE_EQ(t.value("int_mult_32b"), 3.1);
  EXPECT_DOUBLE_EQ(t.value("fp16_add"), 0.4);
  EXPECT_DOUBLE_EQ(t.value("fp32_add"), 0.9);
  EXPECT_DOUBLE_EQ(t.value("fp16_mult"), 1.1);
  EXPECT_DOUBLE_EQ(t.value("fp32_mult"), 3.7);
  EXPECT_DOUBLE_EQ(t.value("sram_read_64b_8kb"), 10);
  EXPECT_DOUBLE_EQ(t.value("sram_read_64b_32kb"), 20);
  EXPECT_DOUBLE_EQ(t.value("sram_read_64b_1mb"), 100);
  EXPECT_DOUBLE_EQ(t.value("dram_access_64b"), 1950);
  for (const auto& e : t.entries()) {
    EXPECT_FALSE(e.source.empty()) << e.key;
    EXPECT_FALSE(e.unit.empty()) << e.key;
    EXPECT_FALSE(e.set_by_user) << e.key;
    if (e.derived) {
      EXPECT_EQ(e.source.rfind("derived:", 0), 0u) << e.key;
    } else {
      EXPECT_NE(e.source.find("Horowitz"), std::string::npos) << e.key;
    }
    EXPECT_GT(e.value, 0) << e.key;
  }
}

TEST(EnergyTableDefaults, DerivedEntries) {
  const EnergyTable t;
  const double a8 = 0.03, a16 = 0.03 + 0.07 / 3, a32 = 0.1, conv = 4 * a8;
  EXPECT_DOUBLE_EQ(t.value("int_add_16b"), a16);
  EXPECT_DOUBLE_EQ(t.int_add_pj(16), a16);
  EXPECT_DOUBLE_EQ(t.int_add_pj(8), a8);
  EXPECT_DOUBLE_EQ(t.int_add_pj(32), a32);
  EXPECT_DOUBLE_EQ(t.int_add_pj(64), 0.2);
  EXPECT_DOUBLE_EQ(t.int_add_pj(4), 0.015);
  EXPECT_DOUBLE_EQ(t.value("decoder_word"), 2 * a8 + 2 * a16);
  EXPECT_DOUBLE_EQ(t.value("encoder_word"), a32 + a32 + conv + a16 + a8);
  const double lp_word = 2 * a16 + conv + a8 + a32 + a32;
  EXPECT_DOUBLE_EQ(t.mac_pj(MacKind::lp8), lp_word);
  EXPECT_DOUBLE_EQ(t.mac_pj(MacKind::lp4), (lp_word + a16) / 2);
  EXPECT_DOUBLE_EQ(t.mac_pj(MacKind::lp2), (lp_word + 3 * a16) / 4);
  EXPECT_NEAR(t.mac_pj(MacKind::lp8), 0.456667, 1e-6);
  EXPECT_DOUBLE_EQ(t.mac_pj(MacKind::int8), 0.2 + 0.1);  // 8-bit mult + 32-bit add
  EXPECT_DOUBLE_EQ(t.mac_pj(MacKind::int4), (2 * 0.05 + a8 + a32) / 2);
  EXPECT_DOUBLE_EQ(t.mac_pj(MacKind::int2), (4 * 0.0125 + 3 * 0.015 + a32) / 4);
  EXPECT_DOUBLE_EQ(t.mac_pj(MacKind::fp16), 1.5);
  EXPECT_DOUBLE_EQ(t.mac_pj(MacKind::fp32), 4.6);
  // Per-MAC energy falls with the MODE: lanes share the word datapath.
  EXPECT_GT(t.mac_pj(MacKind::lp8), t.mac_pj(MacKind::lp4));
  EXPECT_GT(t.mac_pj(MacKind::lp4), t.mac_pj(MacKind::lp2));
  EXPECT_DOUBLE_EQ(t.dram_pj_per_byte(), 1950.0 / 8);
  EXPECT_THROW(t.derive_lp_mac_pj(3), std::invalid_argument);
  EXPECT_THROW(t.derive_int_mac_pj(16), std::invalid_argument);
}

TEST(EnergyTable, DerivedEntriesFollowTheirInputsUnlessSet) {
  EnergyTable t;
  t.set("int_add_32b", 0.2);
  EXPECT_DOUBLE_EQ(t.value("acc_add"), 0.2);
  EXPECT_DOUBLE_EQ(t.mac_pj(MacKind::int8), 0.4);
  EXPECT_EQ(t.entry("int_add_32b").source, "user");
  t.set("mac_int8", 1.0, "my synthesis");
  t.set("int_mult_8b", 0.5);
  EXPECT_DOUBLE_EQ(t.mac_pj(MacKind::int8), 1.0);  // set directly: stays
  EXPECT_DOUBLE_EQ(t.mac_pj(MacKind::int4), (2 * 0.125 + 0.03 + 0.2) / 2);
  t.set("acc_add", 0.05);
  EXPECT_DOUBLE_EQ(t.mac_pj(MacKind::lp8), t.derive_lp_mac_pj(8));
  EXPECT_THROW(t.set("nope", 1), std::out_of_range);
  EXPECT_THROW(t.set("int_add_8b", -1), std::invalid_argument);
  EXPECT_THROW(t.set("int_add_8b", NAN), std::invalid_argument);
}

TEST(EnergyTable, SramEnergyHitsThePublishedPointsAndGrowsWithSize) {
  const EnergyTable t;
  EXPECT_NEAR(t.sram_pj_per_byte(8 * 1024), 10.0 / 8, 1e-12);
  EXPECT_NEAR(t.sram_pj_per_byte(32 * 1024), 20.0 / 8, 1e-12);
  EXPECT_NEAR(t.sram_pj_per_byte(1024 * 1024), 100.0 / 8, 1e-12);
  // 16 KB is the log-log midpoint of 8 and 32 KB: sqrt(10 * 20).
  EXPECT_NEAR(t.sram_pj_per_byte(16 * 1024), std::sqrt(200.0) / 8, 1e-12);
  double prev = 0;
  for (std::uint64_t s = 256; s <= (std::uint64_t{64} << 20); s += s / 4 + 1) {
    const double e = t.sram_pj_per_byte(s);
    EXPECT_GT(e, prev) << s;
    prev = e;
  }
  EXPECT_GT(t.sram_pj_per_byte(0), 0);
}

TEST(AreaTableDefaults, PerPeAndSram) {
  const AreaTable a;
  EXPECT_NEAR(a.pe_um2(PeKind::lp), 0.0121e6 / 203, 1e-9);
  EXPECT_NEAR(a.pe_um2(PeKind::int_), 0.0051e6 / 44, 1e-9);
  EXPECT_NEAR(a.pe_um2(PeKind::fp), 0.0234e6 / 64, 1e-9);
  EXPECT_NEAR(a.value("sram_um2_per_kb"), 8192 * 0.346 / 0.5, 1e-9);
  EXPECT_NEAR(a.sram_mm2(128 * 1024), 128 * 8192 * 0.346 / 0.5 / 1e6, 1e-12);
  for (const auto& e : a.entries()) EXPECT_FALSE(e.source.empty()) << e.key;
  AreaTable b;
  EXPECT_THROW(b.set("sram_array_efficiency", 1.5), std::invalid_argument);
  EXPECT_THROW(b.set("pe_lp", 0), std::invalid_argument);
  b.set("sram_array_efficiency", 0.25);
  EXPECT_NEAR(b.value("sram_um2_per_kb"), 8192 * 0.346 / 0.25, 1e-9);
}

TEST(CostFile, LoadsNumbersAndMappingsAndKeepsTheRest) {
  const CostTables t = parse_cost_tables(
      "# test\n"
      "energy:\n"
      "  int_add_32b: 0.2\n"
      "  dram_access_64b: {value: 1300, source: \"Horowitz low end\"}\n"
      "area:\n"
      "  pe_lp: 100\n",
      "cost.yaml");
  EXPECT_DOUBLE_EQ(t.energy.value("int_add_32b"), 0.2);
  EXPECT_DOUBLE_EQ(t.energy.mac_pj(MacKind::int8), 0.4);  // derived follows
  EXPECT_DOUBLE_EQ(t.energy.value("dram_access_64b"), 1300);
  EXPECT_EQ(t.energy.entry("dram_access_64b").source, "Horowitz low end");
  EXPECT_EQ(t.energy.entry("int_add_32b").source, "file cost.yaml");
  EXPECT_DOUBLE_EQ(t.energy.value("int_add_8b"), 0.03);
  EXPECT_DOUBLE_EQ(t.area.pe_um2(PeKind::lp), 100);
  EXPECT_DOUBLE_EQ(t.area.pe_um2(PeKind::int_), 0.0051e6 / 44);
}

TEST(CostFile, EmptyFileAndEmptySectionsGiveDefaults) {
  for (const char* text : {"", "# nothing\n", "energy:\narea:\n", "energy: {}\n"}) {
    const CostTables t = parse_cost_tables(text, "e.yaml");
    EXPECT_DOUBLE_EQ(t.energy.mac_pj(MacKind::int8), 0.3) << text;
  }
}

TEST(CostFile, DumpRoundTrips) {
  CostTables t;
  t.energy.set("int_add_8b", 0.04, "quote \" and backslash \\ in source");
  const std::string y = to_yaml(t);
  const CostTables u = parse_cost_tables(y, "dump.yaml");
  for (const auto& e : t.energy.entries()) {
    EXPECT_NEAR(u.energy.value(e.key), e.value, 1e-9 * e.value) << e.key;
    EXPECT_EQ(u.energy.entry(e.key).source, e.source) << e.key;
  }
  for (const auto& e : t.area.entries()) EXPECT_NEAR(u.area.value(e.key), e.value, 1e-9 * e.value);
}

// Fuzzing finding: a source with line breaks (a multi-line quoted scalar in the user's file)
// was dumped raw inside the quotes, and the dump read back with the breaks folded into spaces.
TEST(CostFile, DumpRoundTripsControlCharactersInSources) {
  const std::string source = "line 1\nline 2\n\n\ttab, cr\r, bell\x07, del\x7f, \xc3\xa9";
  CostTables t;
  t.energy.set("int_add_8b", 0.04, source);
  const std::string y = to_yaml(t);
  EXPECT_EQ(y.find("line 1\nline"), std::string::npos) << "a raw line break in the dump";
  EXPECT_EQ(parse_cost_tables(y, "dump.yaml").energy.entry("int_add_8b").source, source);
  const CostTables from_file =
      parse_cost_tables("energy:\n  int_add_8b: {value: 0.04, source: \"a\n\n\n  b\"}\n", "e.yaml");
  EXPECT_EQ(from_file.energy.entry("int_add_8b").source, "a\n\nb");
  EXPECT_EQ(parse_cost_tables(to_yaml(from_file), "dump.yaml").energy.entry("int_add_8b").source,
            "a\n\nb");
}

TEST(CostFile, LoadFromDiskAndUnreadableFile) {
  const auto p = std::filesystem::temp_directory_path() / ("lpsim_test_energy_" + std::to_string(::getpid()) + ".yaml");
  { std::ofstream(p) << "energy:\n  mac_lp8: 0.25\n"; }
  EXPECT_DOUBLE_EQ(load_cost_tables(p.string()).energy.mac_pj(MacKind::lp8), 0.25);
  std::filesystem::remove(p);
  try {
    load_cost_tables("/nonexistent/dir/e.yaml");
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/dir/e.yaml: cannot open energy table file");
  }
}

struct BadCase {
  const char* text;
  const char* expect;  // the complete one-line message
};

class CostFileErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(CostFileErrors, NameFileLineAndKey) {
  const BadCase& c = GetParam();
  try {
    parse_cost_tables(c.text, "bad.yaml");
    FAIL() << "accepted: " << c.text;
  } catch (const UserError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_EQ(m.rfind(c.expect, 0), 0u) << "got: " << m << "\nwant prefix: " << c.expect;
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, CostFileErrors,
    ::testing::Values(
        BadCase{"energy:\n  int_add_8b: 0.03\npower: 3\n",
                "bad.yaml:3: power: unknown key (expected energy, area)"},
        BadCase{"energy:\n  int_add_8b: 0.03\n  int_add_9b: 0.03\n",
                "bad.yaml:3: energy.int_add_9b: unknown key (expected one of int_add_8b,"},
        BadCase{"area:\n  pe_tpu: 3\n", "bad.yaml:2: area.pe_tpu: unknown key"},
        BadCase{"energy:\n  int_add_8b: cheap\n",
                "bad.yaml:2: energy.int_add_8b: expected a number, got 'cheap'"},
        BadCase{"energy:\n  int_add_8b: 0.03pJ\n",
                "bad.yaml:2: energy.int_add_8b: expected a number, got '0.03pJ'"},
        BadCase{"energy:\n  int_add_8b: [1, 2]\n",
                "bad.yaml:2: energy.int_add_8b: expected a number"},
        BadCase{"energy:\n  int_add_8b: -0.03\n",
                "bad.yaml:2: energy.int_add_8b: value -0.03 pJ is negative"},
        BadCase{"energy:\n  int_add_8b: nan\n",
                "bad.yaml:2: energy.int_add_8b: value must be a finite number"},
        BadCase{"energy:\n  int_add_8b: inf\n",
                "bad.yaml:2: energy.int_add_8b: value must be a finite number"},
        BadCase{"energy:\n  int_add_8b: .inf\n",
                "bad.yaml:2: energy.int_add_8b: expected a number, got '.inf'"},
        BadCase{"energy:\n  int_add_8b: 0.03\n  int_add_8b: 0.04\n",
                "bad.yaml:3: energy.int_add_8b: duplicate key"},
        BadCase{"energy:\n  mac_lp8: {source: x}\n", "bad.yaml:2: energy.mac_lp8: missing 'value'"},
        BadCase{"energy:\n  mac_lp8: {value: 1, pj: 2}\n",
                "bad.yaml:2: energy.mac_lp8.pj: unknown key (expected value, source)"},
        BadCase{"energy:\n  mac_lp8: {value: x}\n",
                "bad.yaml:2: energy.mac_lp8.value: expected a number, got 'x'"},
        BadCase{"energy:\n  mac_lp8: {value: 1, source: [a]}\n",
                "bad.yaml:2: energy.mac_lp8.source: expected text"},
        BadCase{"energy: 3\n", "bad.yaml:1: energy: expected a mapping of entry names"},
        BadCase{"- energy\n", "bad.yaml:1: expected a mapping with 'energy' and/or 'area'"},
        BadCase{"energy:\n  int_add_8b: [1, 2\n", "bad.yaml:3: YAML syntax error:"},
        BadCase{"energy:\n  sram_read_64b_32kb: 5\n",
                "bad.yaml:2: energy: SRAM energies must be positive and grow with size"},
        BadCase{"area:\n  pe_lp: 0\n", "bad.yaml:2: area.pe_lp: value 0 um2 must be > 0"},
        BadCase{"area:\n  sram_array_efficiency: 2\n",
                "bad.yaml:2: area.sram_array_efficiency: value 2 must be a fraction in (0, 1]"},
        BadCase{"energy:\n  energy:\n    int_add_8b: 1\n",
                "bad.yaml:2: energy.energy: unknown key"}));

}  // namespace
}  // namespace lpsim::energy

namespace lpsim::energy {
namespace {

// The complete example file in docs/energy.md parses and means what the doc says.
TEST(CostFile, DocumentedExampleParses) {
  std::ifstream in(std::string(LPSIM_SOURCE_DIR) + "/docs/energy.md");
  ASSERT_TRUE(in) << "docs/energy.md";
  std::string line, yaml;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```yaml") {
      inside = true;
    } else if (inside && line == "```") {
      break;
    } else if (inside) {
      yaml += line + "\n";
    }
  }
  ASSERT_FALSE(yaml.empty());
  const CostTables t = parse_cost_tables(yaml, "docs/energy.md");
  EXPECT_DOUBLE_EQ(t.energy.value("dram_access_64b"), 1300);
  EXPECT_DOUBLE_EQ(t.energy.mac_pj(MacKind::lp8), 0.42);
  EXPECT_DOUBLE_EQ(t.energy.value("acc_add"), 0.231);
  EXPECT_NEAR(t.energy.int_add_pj(74), 0.231, 0.001);
  EXPECT_DOUBLE_EQ(t.energy.mac_pj(MacKind::int8), 0.2 + 0.231);  // follows acc_add
  EXPECT_DOUBLE_EQ(t.area.pe_um2(PeKind::lp), 59.6);
}

}  // namespace
}  // namespace lpsim::energy
