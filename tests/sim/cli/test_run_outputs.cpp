// `lpsim run` outputs through the real binary: energy in summary.json/layers.csv (exact sums),
// tiles.csv vs trace.json vs waveform.vcd (one time base), PE-level VCD, report.html in headless
// Chromium, determinism, and the bad-option corpus (--energy, --vcd-pe, --vcd-window).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "run_command.hpp"
#include "run_fixture.hpp"
#include "tests/traces/tool_helpers.hpp"
#include "vcd_reader.hpp"

namespace {

namespace fs = std::filesystem;
using lpsim::test::read_vcd;
using lpsim::test::run_lpsim;
using lpsim::test::slurp;
using lpsim::test::Vcd;
namespace tt = lpsim::traces::test;

std::vector<std::string> split(const std::string& line, char sep = ',') {
  // Enough CSV for these files: quoted fields hold commas (formats), never quotes or newlines.
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == sep && !quoted) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// A CSV file as header -> column of strings.
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t col(const std::string& name) const {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw std::runtime_error("no column " + name);
    return static_cast<std::size_t>(it - header.begin());
  }
};

Csv read_csv(const fs::path& p) {
  std::istringstream in(slurp(p));
  Csv c;
  std::string line;
  std::getline(in, line);
  c.header = split(line);
  while (std::getline(in, line)) c.rows.push_back(split(line));
  return c;
}

class RunOutputs : public lpsim::test::RunFixture {};

const std::string kSmall =
    "model: resnet18\nzoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}\n";
const char* const kComponents[] = {"pe_mac",  "decoder", "encoder", "pe_regs", "sram_wb",
                                   "sram_ib", "sram_ob", "dram",    "ppu",     "leakage"};

// summary.json's accelerator object lists the datapath (every key, as effective.yaml names
// them); layers.csv's last column `pe` and summary.json's layers[i].pe name the PE type each
// layer ran on (an ANT layer's formats read int<...> like an INT layer's; `pe` tells them
// apart), the same in analytic fidelity. The columns before `pe` keep their order.
TEST_F(RunOutputs, SummaryListsTheDatapathAndLayersCsvThePeTypeOfEachLayer) {
  const std::string mixed =
      kSmall +
      "accelerator: {rows: 8, cols: 8}\nquantization:\n  default: \"lp<8,2,3,0>\"\n"
      "  layers: {conv1: \"ant:8\", layer1.0.conv1: int8, layer1.0.conv2: \"af:8,3\", "
      "layer2.0.conv1: fp8_e4m3, layer3.0.conv1: \"ant:4\", layer4.0.conv1: \"int:8,channel\", "
      "fc: \"posit:8,1\"}\n";
  ASSERT_EQ(run(mixed, "", "tile").exit_code, 0);
  ASSERT_EQ(run(mixed, "--set accelerator.fidelity=analytic", "analytic").exit_code, 0);
  const std::map<std::string, std::string> want = {{"conv1", "ant"},
                                                   {"layer1.0.conv1", "int"},
                                                   {"layer1.0.conv2", "adaptivfloat"},
                                                   {"layer2.0.conv1", "fp8"},
                                                   {"layer3.0.conv1", "ant"},
                                                   {"layer4.0.conv1", "int"},
                                                   {"fc", "posit"}};
  for (const char* out : {"tile", "analytic"}) {
    SCOPED_TRACE(out);
    const Csv csv = read_csv(m_dir / out / "layers.csv");
    EXPECT_EQ(csv.header.back(), "pe");
    EXPECT_EQ(csv.header.at(0), "layer");
    EXPECT_EQ(csv.header.at(7), "act_format");
    EXPECT_EQ(csv.header.at(19), "verified");
    EXPECT_EQ(csv.header.at(csv.header.size() - 2), "energy_leakage_pj");
    const auto s = summary(out);
    ASSERT_EQ(csv.rows.size(), s["layers"].size());
    for (std::size_t i = 0; i < csv.rows.size(); ++i) {
      const std::string& name = csv.rows[i][0];
      const auto it = want.find(name);
      const std::string pe = it == want.end() ? "lp" : it->second;
      EXPECT_EQ(csv.rows[i][csv.col("pe")], pe) << name;
      EXPECT_EQ(s["layers"][i]["pe"], pe) << name;
    }
    // The datapath: the defaults, every key.
    const nlohmann::json dp = {{"accumulator", "exact"},
                               {"small_float", {{"fraction_bits", 8}, {"exponent_bits", "auto"}}},
                               {"narrow", {{"width", 32}, {"fraction_bits", 16}}},
                               {"converter_fraction_bits", 8},
                               {"psum", {{"format", "accumulator"}, {"fraction_bits", 23}}}};
    EXPECT_EQ(s["accelerator"]["datapath"], dp) << s["accelerator"].dump();
  }
  // A non-default datapath, as set (through the worker process of the run API too: wire.cpp).
  ASSERT_EQ(
      run(kSmall + "accelerator: {rows: 8, cols: 8}\n",
          "--set accelerator.datapath.accumulator=small_float "
          "--set accelerator.datapath.small_float.exponent_bits=6 "
          "--set accelerator.datapath.narrow.width=24 --set accelerator.datapath.psum.format=exact "
          "--set accelerator.datapath.converter_fraction_bits=5",
          "sf")
          .exit_code,
      0);
  const auto dp = summary("sf")["accelerator"]["datapath"];
  EXPECT_EQ(dp["accumulator"], "small_float");
  EXPECT_EQ(dp["small_float"]["exponent_bits"], 6);
  EXPECT_EQ(dp["small_float"]["fraction_bits"], 8);
  EXPECT_EQ(dp["narrow"]["width"], 24);
  EXPECT_EQ(dp["psum"]["format"], "exact");
  EXPECT_EQ(dp["converter_fraction_bits"], 5);
  for (const auto& row : read_csv(m_dir / "sf" / "layers.csv").rows) EXPECT_EQ(row.back(), "lp");
}

TEST_F(RunOutputs, EnergyBreakdownAddsUpExactlyInSummaryAndLayers) {
  const auto r = run(kSmall + "accelerator: {rows: 8, cols: 8}\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = summary();
  const double total = s["energy_pj"].get<double>();
  ASSERT_GT(total, 0);
  // Components in the documented order and in reverse: exactly the total either way.
  double fwd = 0, rev = 0;
  for (const char* c : kComponents) fwd += s["energy_breakdown_pj"][c].get<double>();
  for (int i = 9; i >= 0; --i) rev += s["energy_breakdown_pj"][kComponents[i]].get<double>();
  EXPECT_EQ(fwd, total);
  EXPECT_EQ(rev, total);
  EXPECT_EQ(s["energy_breakdown_pj"].size(), 10u);
  for (const char* c : kComponents)
    if (std::string(c) != "ppu") {
      EXPECT_GT(s["energy_breakdown_pj"][c].get<double>(), 0) << c;
    }
  // layers.csv: every component column sums over the layers to the run's component; each
  // layer's energy_pj is the sum of its components; summary layers carry the same energy.
  const Csv csv = read_csv(m_dir / "out" / "layers.csv");
  ASSERT_EQ(csv.rows.size(), s["layers"].size());
  double layers_total = 0;
  for (std::size_t i = 0; i < csv.rows.size(); ++i) {
    double sum = 0;
    for (const char* c : kComponents)
      sum += std::stod(csv.rows[i][csv.col(std::string("energy_") + c + "_pj")]);
    EXPECT_EQ(sum, std::stod(csv.rows[i][csv.col("energy_pj")])) << i;
    EXPECT_EQ(sum, s["layers"][i]["energy_pj"].get<double>()) << i;
    layers_total += sum;
    EXPECT_GT(std::stoull(csv.rows[i][csv.col("sram_wb_bytes")]), 0u);
    EXPECT_GT(std::stoull(csv.rows[i][csv.col("sram_ib_bytes")]), 0u);
  }
  EXPECT_EQ(layers_total, total);
  for (const char* c : kComponents) {
    double col = 0;
    for (const auto& row : csv.rows)
      col += std::stod(row[csv.col(std::string("energy_") + c + "_pj")]);
    EXPECT_EQ(col, s["energy_breakdown_pj"][c].get<double>()) << c;
  }
  // Metrics from the counts.
  const auto macs = s["total_macs"].get<double>();
  EXPECT_DOUBLE_EQ(s["tops_per_w"].get<double>(), 2 * macs / total);
  EXPECT_DOUBLE_EQ(s["energy_per_inference_pj"].get<double>(), total);
  EXPECT_GT(s["area_mm2"].get<double>(), s["pe_area_mm2"].get<double>());
  EXPECT_GT(s["tops_per_mm2"].get<double>(), 0);
  const auto& ac = s["action_counts"];
  EXPECT_EQ(ac["lane_macs"]["lp8"].get<double>(), macs);  // every MODE-8 lane is a real MAC here
  EXPECT_EQ(ac["leakage_pe_cycles"].get<std::uint64_t>(),
            s["total_cycles"].get<std::uint64_t>() * 64);
  EXPECT_EQ(ac["sram_wb"]["size_bytes"], 128 * 1024);
  EXPECT_EQ(ac["sram_ib"]["size_bytes"], 256 * 1024);
  std::uint64_t dram = 0;
  for (const auto& l : s["layers"]) dram += l["dram_read_bytes"].get<std::uint64_t>();
  EXPECT_EQ(ac["dram_read_bytes"].get<std::uint64_t>(), dram);
  EXPECT_NE(r.out.find("TOPS/W"), std::string::npos);
}

TEST_F(RunOutputs, EnergyFileChangesTheCostsAndIsRecorded) {
  const auto base = run(kSmall + "accelerator: {rows: 8, cols: 8}\n", "", "base");
  ASSERT_EQ(base.exit_code, 0) << base.err;
  const std::string tables =
      write("costs.yaml",
            "energy:\n  dram_access_64b: {value: 3900, source: \"twice the default\"}\n"
            "area:\n  pe_lp: 119.22\n");
  const auto r = run(kSmall + "accelerator: {rows: 8, cols: 8}\n", "--energy " + tables, "mine");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = summary("base"), b = summary("mine");
  EXPECT_NEAR(b["energy_breakdown_pj"]["dram"].get<double>(),
              2 * a["energy_breakdown_pj"]["dram"].get<double>(), 1e-2);
  EXPECT_EQ(b["energy_breakdown_pj"]["pe_mac"], a["energy_breakdown_pj"]["pe_mac"]);
  EXPECT_NEAR(b["pe_area_mm2"].get<double>(), 64 * 119.22e-6, 1e-12);
  EXPECT_NE(slurp(m_dir / "mine" / "energy.yaml").find("twice the default"), std::string::npos);
  EXPECT_NE(b["energy_tables"].get<std::string>().find("costs.yaml"), std::string::npos);
}

TEST_F(RunOutputs, TilesCsvTraceJsonAndVcdShareOneTimeBase) {
  const auto r = run(kSmall + "accelerator: {rows: 8, cols: 8, clock_mhz: 400}\n", "--vcd");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path out = m_dir / "out";
  const Csv tiles = read_csv(out / "tiles.csv");
  ASSERT_FALSE(tiles.rows.empty());
  const double period_ns = 2.5;
  const auto s = summary();
  std::uint64_t tile_count = 0;
  for (const auto& l : s["layers"]) tile_count += l["tiles"].get<std::uint64_t>();
  const std::size_t L = tiles.col("layer_index"), T = tiles.col("tile"), B = tiles.col("block"),
                    S = tiles.col("start_cycle"), E = tiles.col("end_cycle"),
                    BY = tiles.col("bytes"), M = tiles.col("macs");

  // trace.json parses; its tile slices are exactly the tiles.csv rows, in microseconds.
  const auto trace = nlohmann::json::parse(slurp(out / "trace.json"));
  std::map<std::tuple<std::uint64_t, std::uint64_t, std::string>,
           std::pair<std::uint64_t, std::uint64_t>>
      slices;
  std::set<std::string> tracks;
  std::size_t layer_slices = 0;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name")
      tracks.insert(e["args"]["name"].get<std::string>());
    if (e["ph"] != "X") continue;
    const auto start = e["args"]["start_cycle"].get<std::uint64_t>(),
               end = e["args"]["end_cycle"].get<std::uint64_t>();
    EXPECT_NEAR(e["ts"].get<double>(), start * period_ns * 1e-3, 1e-9);
    EXPECT_NEAR(e["dur"].get<double>(), (end - start) * period_ns * 1e-3, 1e-9);
    if (!e["args"].contains("tile")) {
      ++layer_slices;
      continue;
    }
    slices[{e["args"]["layer_index"].get<std::uint64_t>(), e["args"]["tile"].get<std::uint64_t>(),
            e["cat"].get<std::string>()}] = {start, end};
  }
  EXPECT_EQ(tracks, (std::set<std::string>{"controller", "dma", "array", "ppu"}));
  EXPECT_EQ(layer_slices, s["layers"].size());
  EXPECT_EQ(slices.size(), tiles.rows.size());
  std::set<std::pair<std::string, std::string>> array_tiles;
  std::uint64_t macs = 0;
  for (const auto& row : tiles.rows) {
    const auto key = std::make_tuple(std::stoull(row[L]), std::stoull(row[T]), row[B]);
    ASSERT_TRUE(slices.count(key)) << row[L] << "/" << row[T] << "/" << row[B];
    EXPECT_EQ(slices[key].first, std::stoull(row[S]));
    EXPECT_EQ(slices[key].second, std::stoull(row[E]));
    if (row[B] == "array") array_tiles.insert({row[L], row[T]}), macs += std::stoull(row[M]);
  }
  EXPECT_EQ(array_tiles.size(), tile_count);  // every tile computed, one array row each
  EXPECT_EQ(macs, s["total_macs"].get<std::uint64_t>());

  // The VCD loads in GTKWave's tools, and its signals change exactly at the tiles.csv cycles.
  LPSIM_REQUIRE_TOOL("/usr/bin/vcd2fst");
  EXPECT_EQ(tt::run("/usr/bin/vcd2fst " + tt::quote((out / "waveform.vcd").string()) + " " +
                    tt::quote((m_dir / "w.fst").string()) + " >/dev/null 2>&1"),
            0);
  const Vcd v = read_vcd(out / "waveform.vcd");
  EXPECT_EQ(v.timescale, "1 ps");   // 2.5 ns: the timescale follows the clock
  const std::uint64_t tick = 2500;  // per cycle
  std::set<std::uint64_t> dma_ends, array_starts = {0};
  std::uint64_t dma_bytes = 0;
  for (const auto& row : tiles.rows) {
    const std::uint64_t t0 = std::stoull(row[S]) * tick, t1 = std::stoull(row[E]) * tick;
    const std::string& b = row[B];
    const std::string where = row[L] + "/" + row[T] + "/" + b;
    EXPECT_NE(v.at("lpa.ctrl.state", t0), 0u) << where;  // not idle: a layer is running
    EXPECT_EQ(v.at("lpa.ctrl.layer", t0), std::stoull(row[L])) << where;
    if (b == "array") {
      EXPECT_EQ(v.at("lpa.array.busy", t0), 1u) << where;
      EXPECT_EQ(v.at("lpa.ctrl.state", t0), 2u) << where;  // compute
      EXPECT_EQ(v.at("lpa.array.tile", t0), std::stoull(row[T])) << where;
      EXPECT_EQ(v.at("lpa.ctrl.tile", t0), std::stoull(row[T])) << where;
      EXPECT_EQ(v.at("lpa.array.busy", t1 - 1), 1u) << where;
      array_starts.insert(t0);
    } else if (b == "ppu") {
      EXPECT_EQ(v.at("lpa.ppu.busy", t0), 1u) << where;
      EXPECT_EQ(v.at("lpa.ctrl.state", t0), 3u) << where;  // post
      EXPECT_EQ(v.at("lpa.array.busy", t0), 0u) << where;
    } else {
      EXPECT_EQ(v.at(b == "dma_load" ? "lpa.dma.load" : "lpa.dma.store", t0), 1u) << where;
      EXPECT_EQ(v.at("lpa.dma.busy", t1 - 1), 1u) << where;
      EXPECT_EQ(v.at("lpa.dma.xfer_bytes", t0), std::stoull(row[BY])) << where;
      dma_ends.insert(t1);
      dma_bytes += std::stoull(row[BY]);
    }
  }
  std::set<std::uint64_t> total_times = v.times("lpa.dma.total_bytes");
  total_times.erase(0);
  EXPECT_EQ(total_times, dma_ends);
  EXPECT_EQ(v.changes.at("lpa.dma.total_bytes").back().second, dma_bytes);
  for (std::uint64_t t : v.times("lpa.array.tile")) EXPECT_TRUE(array_starts.count(t)) << t;
  EXPECT_EQ(v.changes.at("lpa.array.macs").back().second, s["total_macs"].get<std::uint64_t>());
  EXPECT_GT(v.changes.at("lpa.wb.occupancy_bytes").size(), 2u);
  EXPECT_EQ(v.changes.at("lpa.wb.occupancy_bytes").back().second,
            0u);  // empty after the last layer
  EXPECT_EQ(v.changes.at("lpa.ob.store_pending_bytes").back().second, 0u);
}

TEST_F(RunOutputs, PeLevelVcdShowsTheSubArrayOverTheWindowInCycleFidelity) {
  const std::string yaml = kSmall + "accelerator: {rows: 4, cols: 4, fidelity: cycle}\n";
  const auto first = run(yaml, "", "plain");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // A window over the first array slice of the second layer.
  const Csv tiles = read_csv(m_dir / "plain" / "tiles.csv");
  std::uint64_t w0 = 0;
  for (const auto& row : tiles.rows)
    if (row[tiles.col("layer_index")] == "1" && row[tiles.col("block")] == "array") {
      w0 = std::stoull(row[tiles.col("start_cycle")]);
      break;
    }
  ASSERT_GT(w0, 0u);
  const std::uint64_t w1 = w0 + 40;
  const auto r =
      run(yaml, "--vcd-pe 2x3 --vcd-window " + std::to_string(w0) + ":" + std::to_string(w1));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // PE-level options change nothing but the waveform.
  for (const char* f : {"summary.json", "layers.csv", "tiles.csv", "trace.json"})
    EXPECT_EQ(slurp(m_dir / "plain" / f), slurp(m_dir / "out" / f)) << f;
  LPSIM_REQUIRE_TOOL("/usr/bin/vcd2fst");
  EXPECT_EQ(tt::run("/usr/bin/vcd2fst " + tt::quote((m_dir / "out" / "waveform.vcd").string()) +
                    " " + tt::quote((m_dir / "w.fst").string()) + " >/dev/null 2>&1"),
            0);
  const Vcd v = read_vcd(m_dir / "out" / "waveform.vcd");
  const std::uint64_t tick = 2;  // 2 ns in 1 ns units
  EXPECT_EQ(v.at("lpa.pe.mode", w0 * tick), 8u);
  std::size_t pe_changes = 0;
  for (int rr = 0; rr < 2; ++rr)
    for (int c = 0; c < 3; ++c)
      for (const char* reg : {"act", "vert", "psum"}) {
        const std::string name =
            "lpa.pe.r" + std::to_string(rr) + "_c" + std::to_string(c) + "." + reg;
        ASSERT_TRUE(v.changes.count(name)) << name;
        for (const auto& [t, val] : v.changes.at(name)) {
          if (t == 0) continue;  // $dumpvars
          EXPECT_GE(t, w0 * tick) << name;
          EXPECT_LT(t, w1 * tick) << name;
          ++pe_changes;
        }
      }
  EXPECT_GT(pe_changes, 40u);
  EXPECT_FALSE(v.changes.count("lpa.pe.r2_c0.act"));  // only the 2x3 sub-array
  // Operands enter PE (0,0) first: its activation register changes no later than (1,2)'s.
  EXPECT_LE(
      v.times("lpa.pe.r0_c0.act").size() > 1 ? *std::next(v.times("lpa.pe.r0_c0.act").begin()) : 0,
      v.times("lpa.pe.r1_c2.act").size() > 1 ? *std::next(v.times("lpa.pe.r1_c2.act").begin())
                                             : ~0ull);
}

TEST_F(RunOutputs, ReportOfARealRunRendersInChromiumWithoutConsoleErrors) {
  const auto r = run(kSmall + "accelerator: {rows: 8, cols: 8}\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path html = m_dir / "out" / "report.html";
  const std::string page = slurp(html);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  for (const char* bad : {" src=", " href=", "url(", "@import"})
    EXPECT_EQ(page.find(bad), std::string::npos) << bad;
  EXPECT_NE(page.find("layer1.0.conv2"), std::string::npos);
  EXPECT_NE(page.find("+add+relu"), std::string::npos);
  EXPECT_NE(page.find("Horowitz"), std::string::npos);  // the cost tables' sources are cited
  EXPECT_NE(page.find("TOPS/W"), std::string::npos);
  LPSIM_REQUIRE_TOOL(tt::kChromium);
  const fs::path png = m_dir / "report.png";
  const auto shot =
      tt::run_chromium(m_dir, html.string(), "--screenshot=" + tt::quote(png.string()));
  ASSERT_EQ(shot.rc, 0) << shot.stderr_text;
  EXPECT_EQ(tt::console_errors(shot.stderr_text), std::vector<std::string>{});
  ASSERT_TRUE(fs::exists(png)) << shot.stderr_text;
  EXPECT_GT(fs::file_size(png), 40'000u) << "screenshot looks blank";
  const auto dom = tt::run_chromium(m_dir, html.string(), "--dump-dom");
  ASSERT_EQ(dom.rc, 0) << dom.stderr_text;
  EXPECT_EQ(tt::console_errors(dom.stderr_text), std::vector<std::string>{});
  EXPECT_NE(dom.stdout_text.find("layer1.0.conv2"), std::string::npos);
}

TEST_F(RunOutputs, SameInputsGiveByteIdenticalFilesAndNoProgressWithoutATerminal) {
  const std::string yaml = kSmall + "accelerator: {rows: 8, cols: 4}\n";
  const std::string wl = write("w.yaml", yaml);
  // Not quiet: stderr is a file here, so no progress line may appear.
  const auto a = run_lpsim("run " + wl + " --vcd -o " + (m_dir / "a").string());
  const auto b = run_lpsim("run " + wl + " --vcd -o " + (m_dir / "b").string());
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  for (const char* f : {"summary.json", "layers.csv", "tiles.csv", "trace.json", "waveform.vcd",
                        "report.html", "effective.yaml", "energy.yaml"})
    EXPECT_EQ(slurp(m_dir / "a" / f), slurp(m_dir / "b" / f)) << f;
  EXPECT_EQ(a.err.find('\r'), std::string::npos) << a.err;
  EXPECT_EQ(a.err.find("ETA"), std::string::npos) << a.err;
}

struct Bad {
  std::string extra, needle;
};

TEST_F(RunOutputs, BadOutputOptionsExitTwoWithOneLineAndNoOutputDirectory) {
  write("bad.yaml", "energy:\n  int_add_9b: 1\n");
  const std::string bad_yaml = (m_dir / "bad.yaml").string();
  const std::string cycle = "--set accelerator.fidelity=cycle ";
  const std::vector<Bad> corpus = {
      {"--energy " + (m_dir / "none.yaml").string(), "none.yaml: cannot open energy table file"},
      {"--energy " + bad_yaml, "bad.yaml:2: energy.int_add_9b: unknown key"},
      {"--vcd-pe 2x2 --vcd-window 0:100", "--vcd-pe: PE-level waveforms need cycle fidelity"},
      {cycle + "--vcd-pe 2x2 --vcd-window layer:nope",
       "--vcd-window layer:nope: no accelerator layer 'nope'"},
      {cycle + "--vcd-pe 2x2 --vcd-window layer:", "--vcd-window layer:: expected layer:NAME"},
      {cycle + "--vcd-pe 2x2 --vcd-window tile:conv1",
       "--vcd-window tile:conv1: expected tile:LAYER/N"},
      {cycle + "--vcd-pe 2x2 --vcd-window tile:conv1/x",
       "--vcd-window tile:conv1/x: expected tile:LAYER/N"},
      {cycle + "--vcd-pe 2x2 --vcd-window tile:/3", "--vcd-window tile:/3: expected tile:LAYER/N"},
      {cycle + "--vcd-pe 2x2 --vcd-window tile:nope/0",
       "--vcd-window tile:nope/0: no accelerator layer 'nope'"},
      {cycle + "--vcd-pe 2x2 --vcd-window first", "--vcd-window first: expected START:END"},
      {"--vcd-format vhd", "--vcd-format vhd: expected vcd or fst"},
      {cycle + "--vcd-window 0:10", "--vcd-window 0:10: needs --vcd-pe ROWSxCOLS"},
      {cycle + "--vcd-pe 9x2 --vcd-window 0:10", "--vcd-pe 9x2: the sub-array must be 1x1 to 8x8"},
      {cycle + "--vcd-pe 0x2 --vcd-window 0:10", "--vcd-pe 0x2: the sub-array must be 1x1 to 8x8"},
      {cycle + "--vcd-pe two --vcd-window 0:10", "--vcd-pe two: expected ROWSxCOLS"},
      {cycle + "--vcd-pe 2x2 --vcd-window 10:10", "--vcd-window 10:10: START must be below END"},
      {cycle + "--vcd-pe 2x2 --vcd-window 5-9", "--vcd-window 5-9: expected START:END"},
      {cycle + "--vcd-pe 8x8 --vcd-window 0:99999999", "PE-cycles; narrow the window"},
  };
  for (const Bad& b : corpus) {
    const auto r = run(kSmall + "accelerator: {rows: 8, cols: 8}\n", b.extra, "bad_out");
    EXPECT_EQ(r.exit_code, 2) << b.extra << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("lpsim: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(b.needle), std::string::npos)
        << "want: " << b.needle << "\ngot: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(m_dir / "bad_out")) << b.extra;
  }
}

}  // namespace
