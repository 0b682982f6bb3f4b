// Bad input corpus: every malformed topology/cfg gives UserError "FILE:LINE: what" and no run
// directory appears.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "scalesim_test_util.hpp"
#include "sim/scalesim/scalesim_config.hpp"
#include "sim/scalesim/scalesim_run.hpp"
#include "sim/scalesim/topology.hpp"
#include "sw/common/error.hpp"

namespace lpsim::scalesim {
namespace {

using test::data;
using test::TempDir;

const char* const kConvHeader =
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
    "Strides,\n";

std::string topo_error(const std::string& path) {
  try {
    read_topology(path);
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string cfg_error(const std::string& path) {
  try {
    read_config(path);
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

struct Bad {
  const char* name;
  std::string text;
  std::string expect;  // after "PATH:"
};

TEST(ScaleSimErrors, SharedMalformedResnet50) {
  const std::string p = data("Resnet50_malformed.csv");
  EXPECT_EQ(topo_error(p), p + ":1: header column 9 is empty (malformed header)");
}

TEST(ScaleSimErrors, TopologyCorpus) {
  const std::string h = kConvHeader;
  const Bad cases[] = {
      {"junk_row", h + ",,,,\nL,5,5,2,2,1,1,1,\n", "2: empty layer row (only commas)"},
      {"extra_cols", h + "L,5,5,2,2,1,1,1,,,110,110,\n",
       "2: layer row has 12 columns, expected 8 as in the header"},
      {"few_cols", h + "L,5,5,2,2,1,\n", "2: layer row has 6 columns, expected 8 as in the header"},
      {"non_int", h + "L,5,abc,2,2,1,1,1,\n", "2: IFMAP Width 'abc' is not an integer"},
      {"float", h + "A,5,5,2,2,1,1,1,\nL,5,5,2.5,2,1,1,1,\n",
       "3: Filter Height '2.5' is not an integer"},
      {"empty_field", h + "L,5,5,2,2,,1,1,\n", "2: Channels is empty"},
      {"zero", h + "L,5,5,2,2,1,0,1,\n", "2: Num Filter 0 must be positive"},
      {"negative", h + "L,5,5,2,2,1,1,-2,\n", "2: Strides -2 must be positive"},
      {"filter_h", h + "L,3,5,4,2,1,1,1,\n", "2: Filter Height 4 is larger than IFMAP Height 3"},
      {"filter_w", h + "L,5,3,2,4,1,1,1,\n", "2: Filter Width 4 is larger than IFMAP Width 3"},
      {"no_name", h + ",5,5,2,2,1,1,1,\n", "2: layer name is empty"},
      {"huge", h + "L,99999999999,5,2,2,1,1,1,\n", "2: IFMAP Height 99999999999 is too large"},
      {"bad_header", "Layer, H, W,\nL,1,1,\n",
       "1: header has 3 columns; expected 8 (conv: Layer name, IFMAP Height, IFMAP Width, Filter "
       "Height, Filter Width, Channels, Num Filter, Strides) or 4 (GEMM: Layer Name, M, N, K)"},
      {"header_only", h, "1: topology has no layers"},
      {"gemm_bad", "Layer Name, M, N, K,\nG, 4, x, 2,\n", "2: N 'x' is not an integer"},
      {"gemm_zero", "Layer Name, M, N, K,\nG, 4, 3, 0,\n", "2: K 0 must be positive"},
  };
  TempDir dir;
  for (const Bad& b : cases) {
    const std::string p = dir.put(std::string(b.name) + ".csv", b.text);
    EXPECT_EQ(topo_error(p), p + ":" + b.expect) << b.name;
  }
  const std::string empty = dir.put("empty.csv", "");
  EXPECT_EQ(topo_error(empty), empty + ": topology file is empty (no header)");
  EXPECT_EQ(topo_error(dir.file("missing.csv")),
            dir.file("missing.csv") + ": cannot open topology file");
  EXPECT_EQ(topo_error(dir.path()), dir.path() + ": is a directory, not a topology file");
}

std::string good_cfg() {
  return test::read_text(data("tiny_4x4/tiny_os.cfg"));
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto pos = s.find(from);
  if (pos == std::string::npos) throw std::runtime_error("test setup: no '" + from + "'");
  return s.replace(pos, from.size(), to);
}

TEST(ScaleSimErrors, ConfigCorpus) {
  const std::string g = good_cfg();
  const Bad cases[] = {
      {"no_banks", replace(g, "MemoryBanks:   1\n", ""),
       "4: missing key MemoryBanks in [architecture_presets]"},
      {"no_run_presets", replace(g, "[run_presets]\nInterfaceBandwidth: CALC \n", ""),
       " missing section [run_presets]"},
      {"unknown_key", replace(g, "MemoryBanks:   1\n", "MemoryBanks:   1\nFooBar: 3\n"),
       "16: unknown key 'FooBar' in [architecture_presets] (expected ArrayHeight, ArrayWidth, "
       "IfmapSramSzkB, FilterSramSzkB, OfmapSramSzkB, IfmapOffset, FilterOffset, OfmapOffset, "
       "Bandwidth, Dataflow, MemoryBanks)"},
      {"unknown_section", g + "[sparsity]\nSparsitySupport: false\n",
       "19: unknown section [sparsity] (expected [general], [architecture_presets], "
       "[run_presets])"},
      {"bad_dataflow", replace(g, "Dataflow : os", "Dataflow : xs"),
       "14: Dataflow 'xs' is not one of os, ws, is"},
      {"zero_rows", replace(g, "ArrayHeight:    4", "ArrayHeight: 0"),
       "5: ArrayHeight = 0 must be positive"},
      {"text_width", replace(g, "ArrayWidth:     4", "ArrayWidth: four"),
       "6: ArrayWidth = 'four' is not an integer"},
      {"neg_offset", replace(g, "IfmapOffset:    0", "IfmapOffset: -5"),
       "10: IfmapOffset = -5 must not be negative"},
      {"bad_bw_mode", replace(g, "InterfaceBandwidth: CALC", "InterfaceBandwidth: FAST"),
       "18: InterfaceBandwidth 'FAST' is not CALC or USER"},
      {"bad_bw", replace(g, "Bandwidth : 10", "Bandwidth : 10,,2"),
       "13: Bandwidth = '' is not an integer"},
      {"dup_key", replace(g, "MemoryBanks:   1\n", "MemoryBanks:   1\nmemorybanks: 2\n"),
       "16: duplicate key 'memorybanks' in [architecture_presets]"},
      {"no_value_sep", replace(g, "MemoryBanks:   1", "MemoryBanks 1"),
       "15: expected 'key = value' or 'key: value', got 'MemoryBanks 1'"},
      {"run_name_slash", replace(g, "run_name = tiny_4x4_os", "run_name = a/b"),
       "2: run_name 'a/b' cannot be used as a directory name"},
      {"key_before_section", "x = 1\n" + g, "1: key outside any [section]"},
  };
  TempDir dir;
  for (const Bad& b : cases) {
    const std::string p = dir.put(std::string(b.name) + ".cfg", b.text);
    EXPECT_EQ(cfg_error(p), p + ":" + b.expect) << b.name;
  }
  EXPECT_EQ(cfg_error(dir.file("nope.cfg")), dir.file("nope.cfg") + ": cannot open config file");
}

TEST(ScaleSimErrors, NoOutputOnBadInputOrUnwritableOutdir) {
  TempDir dir;
  RunOptions opt;
  opt.config_path = data("tiny_4x4/tiny_os.cfg");
  opt.topology_path = dir.put("bad.csv", std::string(kConvHeader) + "L,5,5,2,2,1,1,0,\n");
  opt.outdir = dir.file("out");
  EXPECT_THROW(run_scalesim(opt, nullptr), UserError);
  EXPECT_FALSE(std::filesystem::exists(dir.file("out")));  // validated before writing

  // OUTDIR is a regular file: error, nothing created next to it.
  opt.topology_path = data("tiny_4x4/tiny.csv");
  opt.outdir = dir.put("file", "x");
  try {
    run_scalesim(opt, nullptr);
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(opt.outdir + ": cannot create output directory", 0), 0u)
        << e.what();
  }
  // run_name exists as a file in OUTDIR.
  std::filesystem::create_directory(dir.file("o2"));
  test::write_text(dir.file("o2/tiny_4x4_os"), "x");
  opt.outdir = dir.file("o2");
  EXPECT_THROW(run_scalesim(opt, nullptr), UserError);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.file("o2")))
    ++entries;
  EXPECT_EQ(entries, 1u);
}

}  // namespace
}  // namespace lpsim::scalesim
