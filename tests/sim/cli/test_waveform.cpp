// Waveforms a person can read (docs/outputs.md, "waveform.gtkw"): the GTKWave save file and its
// translate filters, psum_value, the named PE windows (first-tile, layer:NAME, tile:LAYER/N),
// a window without array activity, --vcd-format fst, and GTKWave itself opening the save file
// under Xvfb (the wave pane populated, values translated, a screenshot).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "run_command.hpp"
#include "run_fixture.hpp"
#include "sim/run/reporters.hpp"
#include "sim/run/trace_files.hpp"
#include "tests/traces/tool_helpers.hpp"
#include "vcd_reader.hpp"

namespace {

namespace fs = std::filesystem;
using lpsim::test::read_vcd;
using lpsim::test::run_lpsim_with;
using lpsim::test::slurp;
using lpsim::test::Vcd;
namespace tt = lpsim::traces::test;

const std::string kCycle =
    "model: resnet18\nzoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}\n"
    "accelerator: {rows: 4, cols: 4, fidelity: cycle,\n"
    "              buffers: {weight_kb: 2, input_kb: 4, output_kb: 4}}\n";  // several tiles a layer
constexpr std::uint64_t kTick = 2;  // 500 MHz: 2 ns per cycle in 1 ns units

// The array intervals of tiles.csv: (layer index, tile) -> [start, end) cycles; layer names.
struct ArrayTiles {
  std::map<std::pair<int, int>, std::pair<std::uint64_t, std::uint64_t>> span;
  std::map<int, std::string> name;
};

ArrayTiles array_tiles(const fs::path& csv) {
  std::istringstream in(slurp(csv));
  std::string line;
  std::getline(in, line);  // layer_index,layer,tile,block,start_cycle,end_cycle,bytes,macs
  ArrayTiles a;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    if (f.size() != 8 || f[3] != "array") continue;
    a.span[{std::stoi(f[0]), std::stoi(f[2])}] = {std::stoull(f[4]), std::stoull(f[5])};
    a.name[std::stoi(f[0])] = f[1];
  }
  return a;
}

// Every change time (t > 0) of the PE registers in the VCD, in cycles.
std::vector<std::uint64_t> pe_change_cycles(const Vcd& v) {
  std::vector<std::uint64_t> t;
  for (const auto& [name, ch] : v.changes)
    if (name.rfind("lpa.pe.r", 0) == 0)
      for (const auto& [time, val] : ch)
        if (time > 0) t.push_back(time / kTick);
  return t;
}

// The save file's [timestart]: the window's start less a 2 % margin.
std::string timestart(std::uint64_t t0, std::uint64_t t1) {
  const std::uint64_t margin = (t1 - t0) * kTick / 50;
  return "[timestart] " + std::to_string(t0 * kTick - std::min(margin, t0 * kTick)) + "\n";
}

std::size_t lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

class Waveform : public lpsim::test::RunFixture {};

TEST_F(Waveform, SaveFileFiltersAndTheFirstTileByDefault) {
  // --vcd-pe alone: the window is the first array tile.
  const auto r = run(kCycle, "--vcd-pe 2x2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const fs::path out = m_dir / "out";
  for (const char* f : {"waveform.vcd", "waveform.gtkw", "ctrl_state.filter", "layer_names.filter",
                        "lp<8,2,3,0>.filter"}) {
    EXPECT_TRUE(fs::exists(out / f)) << f;
    EXPECT_NE(r.out.find(f), std::string::npos) << f;  // listed on the outputs line
    EXPECT_NE(slurp(out / "lpsim-run.json").find(std::string("\"") + f + "\""), std::string::npos)
        << f;
  }
  // Filters: every 8-bit word of lp<8,2,3,0> in GTKWave's hex radix -> "0x.. value".
  const std::string lp = slurp(out / "lp<8,2,3,0>.filter");
  EXPECT_EQ(lines(lp), 256u);
  EXPECT_NE(lp.find("\n4D 0x4d 3.084\n"), std::string::npos);  // lpsim lp quantize: 3.0844...
  EXPECT_NE(lp.find("\n80 0x80 nan\n"), std::string::npos);    // NaR
  EXPECT_EQ(lp.rfind("00 0x00 0\n", 0), 0u);
  EXPECT_EQ(slurp(out / "ctrl_state.filter"), "0 idle\n1 load\n2 compute\n3 post\n4 store\n");
  const ArrayTiles tiles = array_tiles(out / "tiles.csv");
  const std::string names = slurp(out / "layer_names.filter");
  EXPECT_EQ(names.rfind("0 conv1+relu\n1 layer1.0.conv1+relu\n", 0), 0u) << names;
  EXPECT_EQ(lines(names), tiles.name.size());

  // The save file: dump and filters beside it, groups, labels, radixes, the view on the tile.
  const std::string g = slurp(out / "waveform.gtkw");
  const auto [t0, t1] = tiles.span.at({0, 0});
  for (const std::string& want :
       {std::string("[dumpfile] \"/lpsim-run/waveform.vcd\"\n"),
        std::string("[savefile] \"/lpsim-run/waveform.gtkw\"\n"), timestart(t0, t1),
        std::string("-controller\n"), std::string("-DMA\n"), std::string("-buffers\n"),
        std::string("-array\n"), std::string("-PPU\n"), std::string("-PE row 1\n"),
        std::string("@2024\n^1 /lpsim-run/ctrl_state.filter\n+{ctrl state} lpa.ctrl.state[2:0]\n"),
        std::string("^2 /lpsim-run/layer_names.filter\n+{ctrl layer} lpa.ctrl.layer[15:0]\n"),
        std::string(
            "@2022\n^3 /lpsim-run/lp<8,2,3,0>.filter\n+{r0_c0 act} lpa.pe.r0_c0.act[7:0]\n"),
        std::string("+{wb occupancy_bytes} lpa.wb.occupancy_bytes[31:0]\n"),
        std::string("+{r1_c1 psum_value} lpa.pe.r1_c1.psum_value\n"),
        std::string("[markername] Aconv1+relu\n")})
    EXPECT_NE(g.find(want), std::string::npos) << want << "\nin\n" << g;

  // The PE registers change only inside the first array tile; psum_value follows psum.
  const Vcd v = read_vcd(out / "waveform.vcd");
  const auto pe = pe_change_cycles(v);
  ASSERT_GT(pe.size(), 100u);
  for (std::uint64_t c : pe) {
    EXPECT_GE(c, t0);
    EXPECT_LT(c, t1);
  }
  for (int rr = 0; rr < 2; ++rr)
    for (int cc = 0; cc < 2; ++cc) {
      const std::string p = "lpa.pe.r" + std::to_string(rr) + "_c" + std::to_string(cc) + ".";
      const auto& raw = v.changes.at(p + "psum");
      const auto& val = v.reals.at(p + "psum_value");
      ASSERT_GT(val.size(), 2u) << p;
      for (const auto& [t, x] : val) {
        const auto s = static_cast<std::int64_t>(v.at(p + "psum", t));
        EXPECT_EQ(x == 0, s == 0) << p << " at " << t;
        EXPECT_EQ(x < 0, s < 0) << p << " at " << t;
      }
      EXPECT_GT(raw.size(), 2u);
    }
}

TEST_F(Waveform, LayerAndTileWindowsSampleOnlyThatActivity) {
  const auto plain = run(kCycle, "", "plain");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const ArrayTiles tiles = array_tiles(m_dir / "plain" / "tiles.csv");
  // The first layer with at least two tiles.
  int layer = -1;
  for (const auto& [key, span] : tiles.span)
    if (key.second == 1) {
      layer = key.first;
      break;
    }
  ASSERT_GE(layer, 0);
  const std::string name = tiles.name.at(layer);

  const auto r = run(kCycle, "--vcd-pe 2x2 --vcd-window layer:" + name, "by_layer");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::set<int> seen;
  for (std::uint64_t c : pe_change_cycles(read_vcd(m_dir / "by_layer" / "waveform.vcd"))) {
    int in = -1;
    for (const auto& [key, span] : tiles.span)
      if (key.first == layer && c >= span.first && c < span.second) in = key.second;
    EXPECT_GE(in, 0) << "cycle " << c << " outside layer " << name << "'s array tiles";
    seen.insert(in);
  }
  EXPECT_GE(seen.size(), 2u);  // every tile of the layer, wherever it falls in time

  const auto t = run(kCycle, "--vcd-pe 2x2 --vcd-window tile:" + name + "/1", "by_tile");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const auto [t0, t1] = tiles.span.at({layer, 1});
  const auto pe = pe_change_cycles(read_vcd(m_dir / "by_tile" / "waveform.vcd"));
  ASSERT_FALSE(pe.empty());
  for (std::uint64_t c : pe) {
    EXPECT_GE(c, t0);
    EXPECT_LT(c, t1);
  }
  EXPECT_NE(slurp(m_dir / "by_tile" / "waveform.gtkw").find(timestart(t0, t1)), std::string::npos);
  // The name as the console table shows it (with what the PPU fused), or the index: the same.
  const std::string fused = name == "conv1" ? "conv1+relu" : std::to_string(layer);
  const auto f = run(kCycle, "--vcd-pe 2x2 --vcd-window tile:" + fused + "/1", "by_alias");
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_EQ(slurp(m_dir / "by_alias" / "waveform.vcd"), slurp(m_dir / "by_tile" / "waveform.vcd"));
  // PE options change nothing but the waveform.
  for (const char* file : {"summary.json", "layers.csv", "tiles.csv", "trace.json"})
    EXPECT_EQ(slurp(m_dir / "plain" / file), slurp(m_dir / "by_tile" / file)) << file;
}

TEST_F(Waveform, AWindowWithoutArrayActivityIsOneNoteNotAnError) {
  for (const std::string& w : {std::string("0:5"), std::string("tile:conv1/99999")}) {
    const auto r = run(kCycle, "--vcd-pe 2x2 --vcd-window " + w);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("lpsim: note: --vcd-window " + w + ": ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(w == "0:5" ? "no array activity in it" : "tiles (0 to"), std::string::npos)
        << r.err;
    EXPECT_TRUE(pe_change_cycles(read_vcd(m_dir / "out" / "waveform.vcd")).empty());
    EXPECT_TRUE(fs::exists(m_dir / "out" / "waveform.gtkw"));
  }
  // The hint names where the first tile is.
  const auto r = run(kCycle, "--vcd-pe 2x2 --vcd-window 0:5");
  const auto [t0, t1] = array_tiles(m_dir / "out" / "tiles.csv").span.at({0, 0});
  EXPECT_NE(r.err.find("the first array tile runs cycles " + std::to_string(t0) + " to " +
                       std::to_string(t1) + " (--vcd-window first-tile)"),
            std::string::npos)
      << r.err;
}

TEST_F(Waveform, FstThroughVcd2fstAndAMissingVcd2fstStopsBeforeTheRun) {
  LPSIM_REQUIRE_TOOL("/usr/bin/vcd2fst");
  const std::string tile =
      "model: resnet18\nzoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}\n";
  const auto a = run(tile, "--vcd-format fst", "a");
  const auto b = run(tile, "--vcd-format fst", "b");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_TRUE(fs::exists(m_dir / "a" / "waveform.fst"));
  EXPECT_FALSE(fs::exists(m_dir / "a" / "waveform.vcd"));
  EXPECT_NE(a.out.find("waveform.fst,waveform.gtkw"), std::string::npos) << a.out;
  EXPECT_EQ(slurp(m_dir / "a" / "waveform.fst"), slurp(m_dir / "b" / "waveform.fst"));
  EXPECT_NE(slurp(m_dir / "a" / "waveform.gtkw").find("[dumpfile] \"/lpsim-run/waveform.fst\""),
            std::string::npos);
  EXPECT_NE(slurp(m_dir / "a" / "lpsim-run.json").find("\"waveform.fst\""), std::string::npos);
  // The FST holds the same signals (back to VCD with GTKWave's fst2vcd).
  ASSERT_EQ(tt::run("/usr/bin/fst2vcd " + tt::quote((m_dir / "a" / "waveform.fst").string()) +
                    " >" + tt::quote((m_dir / "back.vcd").string()) + " 2>/dev/null"),
            0);
  const Vcd back = read_vcd(m_dir / "back.vcd");
  const auto c = run(tile, "--vcd", "c");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const Vcd ref = read_vcd(m_dir / "c" / "waveform.vcd");
  for (const char* sig : {"lpa.ctrl.state", "lpa.array.macs", "lpa.dma.total_bytes"}) {
    ASSERT_TRUE(back.changes.count(sig)) << sig;
    EXPECT_EQ(back.changes.at(sig).back(), ref.changes.at(sig).back()) << sig;
    EXPECT_EQ(back.times(sig), ref.times(sig)) << sig;
  }
  // Without vcd2fst on PATH: one error line, exit 2, nothing simulated or written.
  const std::string wl = write("t.yaml", tile);
  const auto r = run_lpsim_with(
      "PATH=/nonexistent ", "run " + wl + " -q --vcd-format fst -o " + (m_dir / "none").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "lpsim: error: --vcd-format fst: GTKWave's vcd2fst is not on PATH (Debian: "
            "apt-get install gtkwave)\n");
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(m_dir / "none"));
}

// GTKWave opens a save file as a user would (`gtkwave DIR/waveform.gtkw`) on a virtual X
// server: a Tcl script (gtkwave -S) reports what it loaded, then ImageMagick's import takes a
// screenshot. Each step runs under its own timeout, so a hung GTKWave fails the test, never
// ctest.
struct Gtkwave {
  int rc = -1;
  std::string log;  // GTKWave's stdout and stderr (the script prints LPSIM-<KEY> <value>)
  std::string field(const std::string& key) const {
    const std::size_t p = log.find("LPSIM-" + key + " ");
    if (p == std::string::npos) return "";
    const std::size_t s = p + key.size() + 7;
    return log.substr(s, log.find('\n', s) - s);
  }
  std::vector<std::string> shown() const {
    std::istringstream in(field("SIGNALS"));
    std::vector<std::string> v;
    for (std::string x; in >> x;) v.push_back(x);
    return v;
  }
};

// Opens `gtkw` in GTKWave under xvfb-run with the script `tcl` (then the standard reports and
// LPSIM-READY); the screenshot goes to dir/shot.png.
Gtkwave open_in_gtkwave(const fs::path& dir, const fs::path& gtkw, const std::string& tcl) {
  std::ofstream(dir / "probe.tcl")
      << "puts \"LPSIM-NUM [gtkwave::getTotalNumTraces]\"\n"
         "puts \"LPSIM-SIGNALS [gtkwave::getDisplayedSignals]\"\n"
         "puts \"LPSIM-DUMP [gtkwave::getDumpFileName]\"\n"
         "puts \"LPSIM-VIEW [gtkwave::getWindowStartTime] [gtkwave::getWindowEndTime]\"\n"
      << tcl << "puts \"LPSIM-READY\"\n";
  // GTKWave in the background; the screenshot once the script has run and the window drawn.
  std::ofstream(dir / "open.sh")
      << "cd \"$1\" || exit 3\n"
         "timeout -k 2 60 gtkwave -S probe.tcl \"$2\" >gtkwave.log 2>&1 &\n"
         "pid=$!\n"
         "for i in $(seq 1 150); do grep -q LPSIM-READY gtkwave.log && break; sleep 0.2; done\n"
         "sleep 1.5\n"
         "timeout -k 2 20 import -window root shot.png\n"
         "rc=$?\n"
         "kill $pid 2>/dev/null; wait $pid 2>/dev/null\n"
         "exit $rc\n";
  // xvfb-run -a picks a free display, but two starting at once can race for one: a random
  // first display number, and a second attempt when the server did not start.
  Gtkwave g;
  for (int attempt = 0; attempt < 2 && g.rc != 0; ++attempt) {
    const int display = 100 + static_cast<int>(std::random_device{}() % 800);
    g.rc = tt::run("timeout -k 5 90 xvfb-run -a -n " + std::to_string(display) +
                   " -s '-screen 0 1400x850x24' sh " + tt::quote((dir / "open.sh").string()) + " " +
                   tt::quote(dir.string()) + " " + tt::quote(gtkw.string()) + " >" +
                   tt::quote((dir / "xvfb.log").string()) + " 2>&1");
  }
  g.log = slurp(dir / "gtkwave.log");
  if (g.rc != 0) g.log += "\nxvfb-run: " + slurp(dir / "xvfb.log");
  return g;
}

// GTKWave reports problems on its log ("GTKWAVE | Could not ...", "Error ...", a filter or
// dump file it cannot open).
void expect_clean_log(const Gtkwave& g) {
  for (const char* bad : {"Could not", "rror", "cannot", "not found", "No such"})
    EXPECT_EQ(g.log.find(bad), std::string::npos) << bad << " in\n" << g.log;
}

// The signals the save file puts in the wave pane (its labelled lines).
std::size_t save_file_signals(const fs::path& gtkw) {
  const std::string g = slurp(gtkw);
  std::size_t n = 0;
  for (std::size_t p = g.find("\n+{"); p != std::string::npos; p = g.find("\n+{", p + 1)) ++n;
  return n;
}

TEST_F(Waveform, GtkwaveOpensTheSaveFileWithThePanePopulatedAndValuesTranslated) {
  LPSIM_REQUIRE_TOOL("/usr/bin/gtkwave");
  LPSIM_REQUIRE_TOOL("/usr/bin/xvfb-run");
  LPSIM_REQUIRE_TOOL("/usr/bin/import");
  const auto r = run(kCycle, "--vcd-pe 2x2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path out = m_dir / "out";
  const auto [t0, t1] = array_tiles(out / "tiles.csv").span.at({0, 0});
  // A marker inside the first tile: the controller computes layer 0 (conv1+relu) there.
  const std::uint64_t mid = (t0 + t1) / 2 * kTick;
  const Gtkwave g = open_in_gtkwave(
      m_dir, "out/waveform.gtkw",
      "gtkwave::setMarker " + std::to_string(mid) +
          "\n"
          "puts \"LPSIM-STATE [gtkwave::getTraceValueAtMarkerFromName {ctrl state}]\"\n"
          "puts \"LPSIM-LAYER [gtkwave::getTraceValueAtMarkerFromName {ctrl layer}]\"\n");
  ASSERT_EQ(g.rc, 0) << g.log;
  expect_clean_log(g);
  EXPECT_EQ(g.field("DUMP"), fs::canonical(out / "waveform.vcd").string());
  // The wave pane holds every signal of the save file (labelled ones: 15 block signals, the
  // mode and 3 per PE), not an empty pane.
  const std::size_t in_save = save_file_signals(out / "waveform.gtkw");
  const auto shown = g.shown();
  EXPECT_EQ(shown.size(), in_save) << g.field("SIGNALS");
  EXPECT_EQ(in_save, 15u + 1u + 4u * 3u);
  EXPECT_NE(std::find(shown.begin(), shown.end(), "lpa.pe.r1_c1.psum_value"), shown.end());
  EXPECT_GT(std::stoul("0" + g.field("NUM")), in_save);  // plus the group rows
  // Values translated by the filters: the controller state and the layer by name (GTKWave
  // looks a labelled trace up by its label).
  EXPECT_EQ(g.field("STATE"), "compute");
  EXPECT_EQ(g.field("LAYER"), "conv1+relu");
  // Zoomed to the PE window (the first tile), not to the whole run.
  std::istringstream view(g.field("VIEW"));
  std::uint64_t v0 = 0, v1 = 0;
  view >> v0 >> v1;
  EXPECT_LE(v0, t0 * kTick);
  EXPECT_GE(v0 + (t1 - t0) * kTick / 20, t0 * kTick);
  EXPECT_GE(v1, t1 * kTick);
  EXPECT_LE(v1, t1 * kTick + (t1 - t0) * kTick / 2);
  // A screenshot of a drawn window (not a blank screen).
  ASSERT_TRUE(fs::exists(m_dir / "shot.png"));
  EXPECT_GT(fs::file_size(m_dir / "shot.png"), 20'000u);
  if (const char* keep = std::getenv("LPSIM_KEEP_SCREENSHOT"))
    fs::copy_file(m_dir / "shot.png", keep, fs::copy_options::overwrite_existing);
}

TEST_F(Waveform, GtkwaveOpensAMovedFstRunFromAnotherDirectory) {
  LPSIM_REQUIRE_TOOL("/usr/bin/gtkwave");
  LPSIM_REQUIRE_TOOL("/usr/bin/xvfb-run");
  LPSIM_REQUIRE_TOOL("/usr/bin/import");
  LPSIM_REQUIRE_TOOL("/usr/bin/vcd2fst");
  const auto r = run(
      "model: resnet18\nzoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}\n",
      "--vcd-format fst");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The save file finds the dump and the filters beside itself, wherever the directory went.
  fs::create_directories(m_dir / "elsewhere");
  fs::rename(m_dir / "out", m_dir / "elsewhere" / "moved");
  const fs::path gtkw = m_dir / "elsewhere" / "moved" / "waveform.gtkw";
  const Gtkwave g = open_in_gtkwave(
      m_dir, gtkw,
      "gtkwave::setMarker 1\n"
      "puts \"LPSIM-STATE [gtkwave::getTraceValueAtMarkerFromName {ctrl state}]\"\n");
  ASSERT_EQ(g.rc, 0) << g.log;
  expect_clean_log(g);
  EXPECT_EQ(g.field("DUMP"),
            fs::canonical(m_dir / "elsewhere" / "moved" / "waveform.fst").string());
  EXPECT_EQ(g.shown().size(), save_file_signals(gtkw));
  EXPECT_EQ(save_file_signals(gtkw), 15u);
  EXPECT_EQ(g.field("STATE"), "idle");  // cycle 0: the host writes the first operands
}

// ---- The save file and the window notes as functions (sim/run/trace_files.hpp, reporters.hpp)

lpsim::sim::RunResult one_layer_result(std::size_t samples, std::uint64_t max_samples) {
  lpsim::sim::RunResult r;
  r.period_ns = 2.0;
  r.dataflow = "ws";
  lpsim::driver::LayerResult l;
  l.name = "conv1";
  l.fused = "relu";
  l.act_format = l.wgt_format = "lp<8,2,3,0>";
  r.layers.push_back(l);
  lpsim::sim::LayerRecord rec;
  rec.start = 5;
  rec.end = 100;
  lpsim::sim::TileSpan t;
  t.compute_start = 10;
  t.post_start = 60;
  t.compute_end = 62;
  rec.tiles.push_back(t);
  r.records.push_back(rec);
  lpsim::sim::PeProbe p;
  p.rows = p.cols = 2;
  p.layer = 0;
  p.max_samples = max_samples;
  p.spec = "layer:conv1";
  r.probe = p;
  for (std::size_t i = 0; i < samples; ++i) {
    lpsim::sim::PeSample s;
    s.cycle = 10 + i;
    s.pes.resize(4);
    r.pe_samples.push_back(s);
  }
  return r;
}

TEST(WaveformUnit, ANamedWindowCutAtTheSampleLimitSaysWhere) {
  // The recorder keeps at most max_samples clocks; reaching the limit is reported.
  EXPECT_EQ(lpsim::sim::pe_window_note(one_layer_result(3, 3)),
            "lpsim: note: --vcd-window layer:conv1: the PE registers stop at cycle 12 (at most 12 "
            "PE-cycles); name one tile with tile:LAYER/N or narrow --vcd-pe\n");
  EXPECT_EQ(lpsim::sim::pe_window_note(one_layer_result(2, 3)), "");
  const auto w = lpsim::sim::pe_window(one_layer_result(2, 3));
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(*w, (std::pair<std::uint64_t, std::uint64_t>{10, 60}));  // the layer's array span
  auto past = one_layer_result(0, 3);
  past.probe->tile = 4;  // the layer has one tile
  EXPECT_FALSE(lpsim::sim::pe_window(past).has_value());
  EXPECT_EQ(lpsim::sim::pe_window_note(past),
            "lpsim: note: --vcd-window layer:conv1: layer 'conv1' has 1 tiles (0 to 0); the "
            "waveform has no PE changes\n");
}

TEST(WaveformUnit, SaveFileWithoutPeRegistersAndAtMost26Markers) {
  std::vector<lpsim::sim::LayerRecord> layers(30);
  lpsim::sim::WaveView v;
  for (int i = 0; i < 30; ++i) {
    layers[static_cast<std::size_t>(i)].start = 100 * static_cast<std::uint64_t>(i);
    layers[static_cast<std::size_t>(i)].end = 100 * static_cast<std::uint64_t>(i) + 50;
    v.layer_names.push_back("layer" + std::to_string(i));
  }
  v.view_end = 2950;
  const std::string g = lpsim::sim::gtkw_text(layers, 2.0, nullptr, v);
  EXPECT_EQ(g.find("PE"), std::string::npos);
  EXPECT_NE(g.find("@800200\n-DMA\n"), std::string::npos);  // groups open without PE rows
  std::size_t markers = 0;
  for (std::size_t p = g.find("[markername] "); p != std::string::npos;
       p = g.find("[markername] ", p + 1))
    ++markers;
  EXPECT_EQ(markers, 26u);
  EXPECT_NE(g.find("[markername] Zlayer25\n"), std::string::npos);
  // The zoom line: zoom, primary marker (none), 26 named markers at the layer starts (ns).
  const std::size_t z = g.find("\n*");
  ASSERT_NE(z, std::string::npos);
  std::istringstream zl(g.substr(z + 2, g.find('\n', z + 1) - z - 2));
  std::vector<std::string> f;
  for (std::string x; zl >> x;) f.push_back(x);
  ASSERT_EQ(f.size(), 28u);
  EXPECT_EQ(f[1], "-1");
  EXPECT_EQ(f[2], "0");
  EXPECT_EQ(f[27], std::to_string(25 * 100 * 2));
  EXPECT_NE(g.find("[timestart] 0\n"), std::string::npos);
  // Unfiltered when no filter is named: no ^ lines.
  EXPECT_EQ(g.find("\n^"), std::string::npos);
}

}  // namespace
