// Analytic fidelity (sim/run/analytic.hpp) against tile fidelity: on every example workload
// (reduced where a tile run would take long) and on seeded random configurations (array shape,
// dataflow, buffers, DRAM, clock, batch, formats and MODE mixes), every number of the result is
// equal: per layer cycles, compute cycles, stalls, tiles, bytes, action counts and energy by
// component; totals, energy, TOPS/W, TOPS/mm2, area. Plus the CLI: summary.json without
// `verified`, layers.csv, exit 0.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "run_fixture.hpp"
#include "sim/run/pipeline.hpp"
#include "sim/run/reporters.hpp"
#include "sw/common/error.hpp"

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;
using namespace lpsim::sim;

// A format name of the analytic run: equal to tile's, except a fitted INT format, which has no
// scale without values ("int<8>" for tile's "int<8,0.03125>").
// An LP sf `auto` is chosen on values: "lp<4,0,2,auto>" for tile's "lp<4,0,2,3>".
void expect_same_format(const std::string& tile, const std::string& analytic) {
  const std::size_t at = analytic.find(",auto>");
  if (analytic.rfind("int<", 0) == 0 && analytic.find(',') == std::string::npos) {
    // "int<4>@8" for "int<4,0.25>@8"
    const std::size_t close = analytic.find('>');
    EXPECT_EQ(tile.rfind(analytic.substr(0, close) + ",", 0), 0u) << tile << " vs " << analytic;
    EXPECT_EQ(tile.substr(tile.find('>')), analytic.substr(close)) << tile << " vs " << analytic;
  } else if (at != std::string::npos) {
    const std::string head = analytic.substr(0, at + 1), tail = analytic.substr(at + 5);
    EXPECT_EQ(tile.rfind(head, 0), 0u) << tile << " vs " << analytic;
    const std::size_t end = tile.find('>', head.size());
    ASSERT_NE(end, std::string::npos) << tile;
    EXPECT_NE(tile.substr(head.size(), end - head.size()).find_first_of("-0123456789"),
              std::string::npos)
        << tile;
    EXPECT_EQ(tile.substr(end), tail) << tile << " vs " << analytic;
  } else {
    EXPECT_EQ(tile, analytic);
  }
}

void expect_same_counts(const energy::ActionCounts& t, const energy::ActionCounts& a) {
  EXPECT_EQ(t.macs, a.macs);
  EXPECT_EQ(t.decoder_words, a.decoder_words);
  EXPECT_EQ(t.encoder_words, a.encoder_words);
  EXPECT_EQ(t.pe_reg_write_bytes, a.pe_reg_write_bytes);
  for (const auto& [bt, ba] : {std::pair{&t.wb, &a.wb}, {&t.ib, &a.ib}, {&t.ob, &a.ob}}) {
    EXPECT_EQ(bt->size_bytes, ba->size_bytes);
    EXPECT_EQ(bt->read_bytes, ba->read_bytes);
    EXPECT_EQ(bt->write_bytes, ba->write_bytes);
  }
  EXPECT_EQ(t.dram_read_bytes, a.dram_read_bytes);
  EXPECT_EQ(t.dram_write_bytes, a.dram_write_bytes);
  EXPECT_EQ(t.ppu_adds, a.ppu_adds);
  EXPECT_EQ(t.ppu_mults, a.ppu_mults);
  EXPECT_EQ(t.ppu_activations, a.ppu_activations);
  EXPECT_EQ(t.ppu_encodes, a.ppu_encodes);
  EXPECT_EQ(t.leakage_pe_cycles, a.leakage_pe_cycles);
}

// Every number of the two results, exactly (doubles with ==).
void expect_same(const RunResult& t, const RunResult& a) {
  ASSERT_EQ(t.fidelity, "tile");
  ASSERT_EQ(a.fidelity, "analytic");
  EXPECT_TRUE(t.verified);
  EXPECT_FALSE(a.checked);
  ASSERT_EQ(t.layers.size(), a.layers.size());
  ASSERT_EQ(t.records.size(), a.records.size());
  for (std::size_t i = 0; i < t.layers.size(); ++i) {
    SCOPED_TRACE("layer " + t.layers[i].name);
    const driver::LayerResult &lt = t.layers[i], &la = a.layers[i];
    EXPECT_EQ(lt.name, la.name);
    EXPECT_EQ(lt.op, la.op);
    EXPECT_EQ(lt.fused, la.fused);
    EXPECT_EQ(lt.view.m, la.view.m);
    EXPECT_EQ(lt.view.k, la.view.k);
    EXPECT_EQ(lt.view.n, la.view.n);
    EXPECT_EQ(lt.view.groups, la.view.groups);
    expect_same_format(lt.act_format, la.act_format);
    expect_same_format(lt.wgt_format, la.wgt_format);
    expect_same_format(lt.out_format, la.out_format);
    EXPECT_EQ(lt.mode, la.mode);
    EXPECT_EQ(lt.macs, la.macs);
    EXPECT_EQ(lt.runs, la.runs);
    const LayerRecord &rt = t.records[i], &ra = a.records[i];
    EXPECT_EQ(rt.cycles, ra.cycles);
    EXPECT_EQ(rt.compute_cycles, ra.compute_cycles);
    EXPECT_EQ(rt.stall_cycles, ra.stall_cycles);
    EXPECT_EQ(rt.tile_count, ra.tile_count);
    EXPECT_EQ(rt.mode, ra.mode);
    EXPECT_EQ(rt.is_int, ra.is_int);
    EXPECT_EQ(rt.wb_halves, ra.wb_halves);
    EXPECT_EQ(rt.ib_halves, ra.ib_halves);
    EXPECT_EQ(rt.utilization, ra.utilization);
    expect_same_counts(rt.counts, ra.counts);
    EXPECT_EQ(t.layer_energy_pj[i], a.layer_energy_pj[i]);
    EXPECT_EQ(t.layer_total_pj[i], a.layer_total_pj[i]);
  }
  EXPECT_EQ(t.cycles, a.cycles);
  EXPECT_EQ(t.macs, a.macs);
  EXPECT_EQ(t.stalls, a.stalls);
  EXPECT_EQ(t.latency_ms, a.latency_ms);
  EXPECT_EQ(t.tops, a.tops);
  EXPECT_EQ(t.energy_components_pj, a.energy_components_pj);
  EXPECT_EQ(t.energy_pj, a.energy_pj);
  expect_same_counts(t.counts, a.counts);
  EXPECT_EQ(t.inferences, a.inferences);
  EXPECT_EQ(t.tops_per_w, a.tops_per_w);
  EXPECT_EQ(t.power_w, a.power_w);
  EXPECT_EQ(t.area_mm2, a.area_mm2);
  EXPECT_EQ(t.pe_area_mm2, a.pe_area_mm2);
  EXPECT_EQ(t.sram_area_mm2, a.sram_area_mm2);
  EXPECT_EQ(t.tops_per_mm2, a.tops_per_mm2);
  EXPECT_EQ(t.compute_tops_per_mm2, a.compute_tops_per_mm2);
}

// Tile fidelity (a worker process) and analytic fidelity (this process) of one workload.
void compare(const std::string& path, std::vector<std::string> sets) {
  sets.push_back("accelerator.fidelity=tile");
  const RunResult t = simulate(prepare(load_workload(path, sets)));
  sets.back() = "accelerator.fidelity=analytic";
  const RunResult a = evaluate(load_workload(path, sets));
  expect_same(t, a);
}

class Analytic : public RunFixture {};

// Every workload under examples/; zoo models reduced (input size, width) so the tile run takes
// well under a second, on the example's own accelerator.
TEST_F(Analytic, EqualsTileFidelityOnEveryExample) {
  const fs::path ex = fs::path(LPSIM_SOURCE_DIR) / "examples";
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(ex))
    if (e.path().extension() == ".yaml" && e.path().parent_path().filename() != "sweeps")
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 5u);
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    const Workload w = load_workload(f.string());
    std::vector<std::string> sets;
    std::string path = f.string();
    if (w.source == ModelSource::Zoo && w.zoo.input_size == 0)  // a full-size model
      sets = {"zoo.input_size=32", "zoo.width_divisor=4", "zoo.max_blocks=1"};
    if (!w.input.npy.empty() && w.input.batch > 8) {
      // A large .npy batch (the digits' 500 images): the same workload on 8 seeded images.
      std::istringstream in(effective_yaml(w));
      std::string yaml, line;
      while (std::getline(in, line))
        if (line.rfind("  npy:", 0) != 0 && line.rfind("  labels:", 0) != 0)
          yaml += (line.rfind("  batch:", 0) == 0 ? "  batch: 8" : line) + "\n";
      path = write(f.stem().string() + "_8.yaml", yaml);
    }
    compare(path, sets);
  }
}

// The golden workloads (tests/data/golden): a MODE mix with a fitted INT layer and batch 2,
// MobileNetV2 (depthwise), ResNet-50 with small buffers, ViT (MatMul), a SCALE-Sim topology.
TEST_F(Analytic, EqualsTileFidelityOnTheGoldenWorkloads) {
  const fs::path g = fs::path(LPSIM_SOURCE_DIR) / "tests" / "data" / "golden";
  int n = 0;
  for (const auto& e : fs::directory_iterator(g)) {
    const fs::path wl = e.path() / "workload.yaml";
    if (!fs::exists(wl)) continue;
    SCOPED_TRACE(wl.string());
    compare(wl.string(), {});
    ++n;
  }
  EXPECT_GE(n, 6);
}

// Seeded random configurations: a reduced zoo model or a topology, array rows/cols, dataflow,
// buffer sizes, DRAM bandwidth and latency, clock, batch, default format and per-layer formats
// (LP at MODE 8/4/2, INT 8/4/2 with and without a scale, LP sf auto, weight/activation pairs).
// Configurations that cannot run (a layer that does not tile) are skipped; 50 that run must agree.
TEST_F(Analytic, EqualsTileFidelityOnRandomConfigurations) {
  const std::string topo =
      (fs::path(LPSIM_SOURCE_DIR) / "tests" / "data" / "scalesim" / "tiny_4x4" / "tiny.csv")
          .string();
  const std::vector<std::string> models = {
      "model: resnet18\nzoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}\n",
      "model: mobilenetv2\nzoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: "
      "10}\n",
      "model: vit_b16\nzoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}\n",
      "model: resnet50\nzoo: {input_size: 32, width_divisor: 16, max_blocks: 1, num_classes: 10}\n",
      "topology: " + topo + "\n"};
  // Per-layer names of the reduced ResNet-18 (formats of other models: the default only).
  const std::vector<std::string> r18_layers = {"conv1",          "layer1.0.conv1", "layer1.0.conv2",
                                               "layer2.0.conv1", "layer3.0.conv2", "fc"};
  const std::vector<std::string> formats = {
      "lp<8,2,3,0>",
      "lp<8,1,7,0>",
      "lp<8,0,3,2>",
      "lp<4,1,3,0>",
      "lp<4,0,2,1>",
      "lp<2,0,1,0>",
      "int8",
      "int:8,0.01",
      "int4",
      "int:2,0.5",
      "lp<8,2,3,auto>",
      "{weights: \"lp<4,0,2,auto>\", activations: \"lp<8,2,3,0>\"}",
      "{weights: \"lp<2,0,1,0>\", activations: \"lp<4,1,3,0>\"}",
      "{weights: \"int4\", activations: \"int8\"}"};
  // A format value: a quoted text, or a {weights, activations} mapping as written.
  auto value = [](const std::string& f) { return f[0] == '{' ? f : "\"" + f + "\""; };
  const std::vector<std::string> dataflows = {"ws", "os", "is"};
  const std::vector<int> sizes = {1, 2, 3, 4, 5, 8, 12, 16, 32};
  const std::vector<int> kbs = {2, 4, 8, 16, 32, 64, 256};
  std::mt19937_64 rng(20261202);
  auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  int ran = 0, refused = 0;
  for (int i = 0; i < 400 && ran < 50; ++i) {
    const std::size_t mi = rng() % models.size();
    std::string yaml = models[mi];
    yaml += "input: {batch: " + std::to_string(1 + rng() % 2) +
            ", seed: " + std::to_string(rng() % 100) + "}\n";
    const std::string def = pick(formats);
    yaml += "quantization:\n  default: " + value(def) + "\n";
    if (mi == 0 && rng() % 2) {
      yaml += "  layers:\n";
      for (const std::string& l : r18_layers)
        if (rng() % 2) yaml += "    " + l + ": " + value(pick(formats)) + "\n";
    }
    yaml += "accelerator:\n  rows: " + std::to_string(pick(sizes)) +
            "\n  cols: " + std::to_string(pick(sizes)) + "\n  dataflow: " + pick(dataflows) +
            "\n  clock_mhz: " + std::to_string(100 + rng() % 900) +
            "\n  buffers: {weight_kb: " + std::to_string(pick(kbs)) +
            ", input_kb: " + std::to_string(pick(kbs)) +
            ", output_kb: " + std::to_string(pick(kbs)) + "}" +
            "\n  dram: {bytes_per_cycle: " + std::to_string(1u << (rng() % 7)) +
            ", latency_cycles: " + std::to_string(rng() % 300) + "}\n";
    SCOPED_TRACE("configuration " + std::to_string(i) + ":\n" + yaml);
    const std::string wl = write("r" + std::to_string(i) + ".yaml", yaml);
    Prepared tile;
    try {
      tile = prepare(load_workload(wl, {"accelerator.fidelity=tile"}));
    } catch (const UserError& e) {
      // Refused before anything runs; analytic refuses it with the same message.
      try {
        evaluate(load_workload(wl, {"accelerator.fidelity=analytic"}));
        ADD_FAILURE() << "analytic accepted what tile refused: " << e.what();
      } catch (const UserError& a) {
        EXPECT_EQ(std::string(a.what()), std::string(e.what()));
      }
      ++refused;
      continue;
    }
    const RunResult t = simulate(tile);
    const RunResult a = evaluate(load_workload(wl, {"accelerator.fidelity=analytic"}));
    expect_same(t, a);
    if (::testing::Test::HasFailure()) return;  // one configuration's report is enough
    ++ran;
  }
  EXPECT_EQ(ran, 50) << refused << " refused";
}

// The whole ResNet-18 at 224x224 in analytic fidelity: in this process, fast, and no values.
TEST_F(Analytic, RunsFullResNet18InThisProcessWithoutValues) {
  const std::string wl = (fs::path(LPSIM_SOURCE_DIR) / "examples" / "resnet18.yaml").string();
  const Prepared p = prepare(load_workload(wl, {"accelerator.fidelity=analytic"}));
  EXPECT_TRUE(p.fp32.empty());
  EXPECT_TRUE(p.inputs.empty());
  const RunResult r = simulate(p);
  EXPECT_EQ(r.layers.size(), 21u);
  EXPECT_GT(r.cycles, 1000000u);
  EXPECT_EQ(r.macs, 1814073344u);
  // A Prepared without values cannot be simulated with them.
  Prepared q = prepare(load_workload(wl, {"accelerator.fidelity=analytic"}));
  q.config.fidelity = hw::Fidelity::tile;
  EXPECT_THROW(simulate(q), std::logic_error);
}

TEST_F(Analytic, CliWritesSummaryWithoutVerifiedAndLayersCsv) {
  const auto r = run(kSmallResNet18, "--set accelerator.fidelity=analytic");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json s = summary();
  EXPECT_FALSE(s.contains("verified"));
  EXPECT_FALSE(s.contains("accuracy_vs_fp32"));
  EXPECT_EQ(s["accelerator"]["fidelity"], "analytic");
  EXPECT_GT(s["total_cycles"].get<std::uint64_t>(), 0u);
  EXPECT_GT(s["energy_pj"].get<double>(), 0.0);
  for (const auto& l : s["layers"]) EXPECT_FALSE(l.contains("verified"));
  const std::string csv = slurp(m_dir / "out" / "layers.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            slurp(m_dir / "out" / "layers.csv").substr(0, csv.find('\n')));
  EXPECT_NE(csv.find("\"conv1\""), std::string::npos);
  EXPECT_TRUE(fs::exists(m_dir / "out" / "report.html"));
  EXPECT_FALSE(fs::exists(m_dir / "out" / "tiles.csv"));
  EXPECT_FALSE(fs::exists(m_dir / "out" / "trace.json"));
  EXPECT_NE(r.out.find("analytic fidelity"), std::string::npos);
  EXPECT_NE(r.out.find("outputs: "), std::string::npos);

  // The same numbers as a tile run of the same workload, through the files.
  const auto t = run(kSmallResNet18, "", "tile");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  nlohmann::json st = summary("tile"), sa = s;
  st.erase("verified");
  st.erase("accuracy_vs_fp32");
  for (auto& l : st["layers"]) l.erase("verified");
  st["accelerator"].erase("fidelity");
  sa["accelerator"].erase("fidelity");
  EXPECT_EQ(st, sa);

  // Waveforms need a tile timeline: refused before anything is written.
  const auto v = run(kSmallResNet18, "--vcd --set accelerator.fidelity=analytic", "vcd");
  EXPECT_EQ(v.exit_code, 2);
  EXPECT_NE(v.err.find("lpsim: error: --vcd"), std::string::npos) << v.err;
  EXPECT_FALSE(fs::exists(m_dir / "vcd"));
}

}  // namespace
}  // namespace lpsim::test
