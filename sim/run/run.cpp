// `lpsim run` orchestration (see run.hpp).
#include "sim/run/run.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <functional>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>

#include <unistd.h>

#include "hw/common/config_error.hpp"
#include "hw/ctrl/tiler.hpp"
#include "hw/top/accelerator.hpp"
#include "sim/output/output_dir.hpp"
#include "sim/run/npy.hpp"
#include "sim/run/recorder.hpp"
#include "sim/run/trace_files.hpp"
#include "sim/scalesim/topology.hpp"
#include "sw/common/error.hpp"
#include "sim/workload/workload.hpp"
#include "sw/compiler/program.hpp"
#include "sw/driver/driver.hpp"
#include "sw/driver/network_runner.hpp"
#include "sw/energy/cost_tables.hpp"
#include "sw/energy/energy_model.hpp"
#include "sw/model/fp32_forward.hpp"
#include "sw/model/normal_rng.hpp"
#include "sw/model/onnx_import.hpp"
#include "sw/model/zoo.hpp"
#include "traces/csv_writer.hpp"
#include "traces/html_report.hpp"

namespace lpsim::sim {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kWeightSeed = 1;  // synthetic weights; the input has its own seed

// SCALE-Sim topology rows as independent convolutions (no padding, seeded weights).
model::Graph topology_graph(const std::string& path) {
  const scalesim::Topology topo = scalesim::read_topology(path);
  // Each row is simulated as its own layer (~1 ms and a few hundred KB each, more for large ones).
  constexpr std::size_t kMaxRunLayers = 10000;
  if (topo.layers.size() > kMaxRunLayers)
    throw UserError(path + ": the topology has " + std::to_string(topo.layers.size()) +
                    " layers after depthwise expansion (one per channel); lpsim run simulates at most " +
                    std::to_string(kMaxRunLayers));
  model::Graph g(topo.name);
  for (const scalesim::Layer& l : topo.layers) {
    const std::string in = l.name + ".in";
    g.add_input(in, {1, l.channels, l.ifmap_h, l.ifmap_w});
    model::Node n;
    n.name = l.name;
    n.op = model::OpKind::Conv;
    n.inputs = {in};
    n.outputs = {l.name + ".out"};
    n.attrs.stride = {l.stride_h, l.stride_w};
    n.weight_shape = {l.num_filters, l.channels, l.filter_h, l.filter_w};
    model::NormalRng rng(kWeightSeed, l.name);
    const double sd = std::sqrt(2.0 / static_cast<double>(l.window()));
    n.weights.resize(static_cast<std::size_t>(model::num_elements(n.weight_shape)));
    for (float& v : n.weights) v = static_cast<float>(sd * rng.normal());
    g.add_node(n);
    g.add_output(l.name + ".out");
  }
  g.finalize();
  return g;
}

model::Graph build_graph(const Workload& w) {
  switch (w.source) {
    case ModelSource::Zoo: {
      const auto names = model::list_zoo_models();
      if (std::find(names.begin(), names.end(), w.model) == names.end()) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        throw UserError(w.where("model") + ": model: unknown zoo model '" + w.model + "' (known: " + list + ")");
      }
      model::ZooOptions o;
      o.batch = w.input.batch;
      o.seed = kWeightSeed;
      o.input_size = w.zoo.input_size;
      o.width_divisor = w.zoo.width_divisor;
      o.max_blocks = w.zoo.max_blocks;
      o.num_classes = w.zoo.num_classes;
      try {
        return model::build_zoo_model(w.model, o);
      } catch (const UserError& e) {
        throw UserError(w.where("zoo.input_size") + ": zoo: " + e.what());
      }
    }
    case ModelSource::Onnx: {
      model::OnnxImportOptions o;
      o.batch = w.input.batch;
      return model::import_onnx(w.model, o);
    }
    case ModelSource::Topology:
      return topology_graph(w.model);
  }
  throw UserError("unreachable");
}

model::TensorValues make_inputs(const model::Graph& g, const Workload& w) {
  model::TensorValues in;
  if (!w.input.npy.empty()) {
    if (g.inputs().size() != 1)
      throw UserError(w.where("input.npy") + ": input.npy: the model has " + std::to_string(g.inputs().size()) +
                      " inputs; an .npy file gives one");
    const NpyArray a = read_npy(w.input.npy);
    const model::Shape& want = g.shape(g.inputs()[0]);
    if (a.shape != want)
      throw UserError(w.where("input.npy") + ": input.npy: shape " + model::shape_str(a.shape) +
                      " does not match the model input " + model::shape_str(want));
    in[g.inputs()[0]] = model::FloatTensor{a.shape, a.data};
    return in;
  }
  for (const std::string& name : g.inputs()) {
    model::FloatTensor t;
    t.shape = g.shape(name);
    model::NormalRng rng(w.input.seed, g.inputs().size() == 1 ? "input" : name);
    t.data.resize(static_cast<std::size_t>(model::num_elements(t.shape)));
    for (float& v : t.data) v = static_cast<float>(rng.normal());
    in[name] = std::move(t);
  }
  return in;
}

hw::AcceleratorConfig accel_config(const Workload& w) {
  hw::AcceleratorConfig c;
  c.rows = w.accel.rows;
  c.cols = w.accel.cols;
  c.fidelity = w.accel.fidelity == "cycle" ? hw::Fidelity::cycle : hw::Fidelity::tile;
  c.clock_mhz = w.accel.clock_mhz;
  c.weight_kb = static_cast<std::uint64_t>(w.accel.buffers.weight_kb);
  c.input_kb = static_cast<std::uint64_t>(w.accel.buffers.input_kb);
  c.output_kb = static_cast<std::uint64_t>(w.accel.buffers.output_kb);
  c.dram_bytes_per_cycle = static_cast<unsigned>(w.accel.dram.bytes_per_cycle);
  c.dram_latency_cycles = static_cast<unsigned>(w.accel.dram.latency_cycles);
  return c;
}

// Every layer must tile into the buffers before anything is simulated.
void check_fits(const model::Graph& prog_graph, const compiler::Program& prog, const hw::AcceleratorConfig& cfg,
                const Workload& w) {
  hw::ArrayConfig base;
  base.rows = cfg.rows;
  base.cols = cfg.cols;
  for (const compiler::Step& s : prog.steps) {
    if (!s.compute) continue;
    const compiler::ComputeStep& c = s.layer;
    hw::LayerDescriptor d = driver::layer_shape(prog_graph, c);
    // Storage width and PE family are what tiling needs; fitted scales do not matter here.
    d.fmt_a = driver::hw_format(c.act_format, {}).op;
    d.fmt_w = driver::hw_format(c.wgt_format, {}).op;
    d.fmt_o = driver::hw_format(c.out_format, {}).op;
    d.mode = static_cast<std::uint32_t>(c.mode);
    d.dataflow = hw::dataflow_from_string(w.accel.dataflow);
    try {
      hw::TilerConfig t = cfg.controller().tiler;
      t.psum_bytes = hw::ArrayBackend::psum_bytes_for(base, d, cfg.datapath);
      hw::plan_tiles(d, t);
    } catch (const hw::ConfigError& e) {
      throw UserError(w.where("accelerator.buffers.weight_kb") + ": accelerator.buffers: layer '" +
                      c.node->name + "' (GEMM " + std::to_string(c.view.m) + "x" + std::to_string(c.view.k) +
                      "x" + std::to_string(c.view.n) + ") cannot be tiled: " + e.what());
    }
  }
}

struct Accuracy {
  double rmse = 0, max_abs = 0, cosine = 0;
  double top1_agreement = -1;  // fraction of batch items whose argmax matches FP32; -1: n/a
};

Accuracy accuracy(const std::vector<float>& q, const std::vector<float>& ref, const model::Shape& shape) {
  Accuracy a;
  double sq = 0, dot = 0, nq = 0, nr = 0;
  for (std::size_t i = 0; i < q.size(); ++i) {
    const double d = static_cast<double>(q[i]) - ref[i];
    sq += d * d;
    a.max_abs = std::max(a.max_abs, std::fabs(d));
    dot += static_cast<double>(q[i]) * ref[i];
    nq += static_cast<double>(q[i]) * q[i];
    nr += static_cast<double>(ref[i]) * ref[i];
  }
  a.rmse = q.empty() ? 0 : std::sqrt(sq / static_cast<double>(q.size()));
  a.cosine = nq > 0 && nr > 0 ? dot / std::sqrt(nq * nr) : 0;
  if (shape.size() == 2 && shape[1] > 1) {
    const std::int64_t B = shape[0], C = shape[1];
    std::int64_t same = 0;
    for (std::int64_t b = 0; b < B; ++b) {
      auto row_q = q.begin() + b * C, row_r = ref.begin() + b * C;
      same += std::max_element(row_q, row_q + C) - row_q == std::max_element(row_r, row_r + C) - row_r;
    }
    a.top1_agreement = static_cast<double>(same) / static_cast<double>(B);
  }
  return a;
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

std::string shape_text(const model::GemmView& v) {
  std::string s = std::to_string(v.m) + "x" + std::to_string(v.k) + "x" + std::to_string(v.n);
  if (v.groups > 1) s += " g" + std::to_string(v.groups);
  return s;
}

// --vcd-pe ROWSxCOLS and --vcd-window START:END, checked against the accelerator.
constexpr std::uint64_t kMaxPeSamples = 4'000'000;  // PEs x window cycles (about 100 MB of VCD)

std::optional<PeProbe> pe_probe(const RunOptions& opt, const Workload& w) {
  if (opt.vcd_pe.empty() && opt.vcd_window.empty()) return std::nullopt;
  if (opt.vcd_pe.empty()) throw UserError("--vcd-window " + opt.vcd_window + ": needs --vcd-pe ROWSxCOLS");
  if (opt.vcd_window.empty()) throw UserError("--vcd-pe " + opt.vcd_pe + ": needs --vcd-window START:END");
  if (w.accel.fidelity != "cycle")
    throw UserError("--vcd-pe: PE-level waveforms need cycle fidelity (accelerator.fidelity is '" + w.accel.fidelity +
                    "'; add --set accelerator.fidelity=cycle)");
  std::smatch m;
  PeProbe p;
  if (!std::regex_match(opt.vcd_pe, m, std::regex("([0-9]{1,6})x([0-9]{1,6})")))
    throw UserError("--vcd-pe " + opt.vcd_pe + ": expected ROWSxCOLS, e.g. 4x4");
  p.rows = std::stoi(m[1]);
  p.cols = std::stoi(m[2]);
  if (p.rows < 1 || p.cols < 1 || p.rows > w.accel.rows || p.cols > w.accel.cols)
    throw UserError("--vcd-pe " + opt.vcd_pe + ": the sub-array must be 1x1 to " + std::to_string(w.accel.rows) + "x" +
                    std::to_string(w.accel.cols) + " (the array)");
  if (!std::regex_match(opt.vcd_window, m, std::regex("([0-9]{1,18}):([0-9]{1,18})")))
    throw UserError("--vcd-window " + opt.vcd_window + ": expected START:END in cycles, e.g. 1000:1200");
  p.start = std::stoull(m[1]);
  p.end = std::stoull(m[2]);
  if (p.start >= p.end) throw UserError("--vcd-window " + opt.vcd_window + ": START must be below END");
  const std::uint64_t pes = static_cast<std::uint64_t>(p.rows) * static_cast<std::uint64_t>(p.cols);
  if (p.end - p.start > kMaxPeSamples / pes)
    throw UserError("--vcd-window " + opt.vcd_window + ": " + std::to_string(pes) + " PEs x " +
                    std::to_string(p.end - p.start) + " cycles is more than " + std::to_string(kMaxPeSamples) +
                    " PE-cycles; narrow the window or the sub-array");
  return p;
}

// Energies are rounded to a grid of 2^-10 pJ, so that sums of them are exact in any order
// (below 2^43 pJ = 8.8 J): the layers' components add up to the run's, and the components to
// the total, bit for bit, whoever adds them.
double grid_pj(double v) { return std::round(v * 1024.0) / 1024.0; }

// "18.688 mJ", "35.736 uJ": pJ in the largest unit that keeps the number >= 1.
std::string energy_text(double pj) {
  const char* units[] = {"pJ", "nJ", "uJ", "mJ", "J"};
  int u = 0;
  while (u < 4 && std::fabs(pj) >= 1000.0) {
    pj /= 1000.0;
    ++u;
  }
  std::ostringstream s;
  s << std::fixed << std::setprecision(3) << pj << " " << units[u];
  return s.str();
}

// A run keeps every FP32 intermediate plus, per tensor, its codes and decoded copy: about
// 12 bytes per activation element. Refuse a run that cannot fit in memory before it starts.
void check_memory(const model::Graph& g, const Workload& w) {
  std::uint64_t elements = 0;
  for (const model::TensorInfo& t : g.tensors())
    if (t.kind != model::TensorKind::Constant) elements += static_cast<std::uint64_t>(model::num_elements(t.shape));
  const std::uint64_t need = elements * 12;
  const std::uint64_t have = static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                             static_cast<std::uint64_t>(sysconf(_SC_PAGE_SIZE));
  if (have > 0 && need > have / 4 * 3)
    throw UserError(w.where("input.batch") + ": input.batch: this run needs about " +
                    std::to_string(need >> 20) + " MiB for its activations; the machine has " +
                    std::to_string(have >> 20) + " MiB (reduce input.batch or zoo.input_size)");
}

}  // namespace

int run_workload(const RunOptions& opt, std::ostream& out_final) {
  std::ostringstream out;
  const auto wall0 = std::chrono::steady_clock::now();
  const Workload w = load_workload(opt.workload, opt.sets);
  const std::string out_dir = opt.out_dir.empty() ? "runs/" + w.name : opt.out_dir;
  // Output options and the cost tables are checked before anything runs.
  const std::optional<PeProbe> probe = pe_probe(opt, w);
  const bool want_vcd = opt.vcd || probe.has_value();
  const energy::CostTables tables =
      opt.energy_file.empty() ? energy::CostTables{} : energy::load_cost_tables(opt.energy_file);

  // The output directory is checked (never anyone else's, creatable) before hours of
  // simulation are spent; nothing is created until the results are written.
  OutputDir output(out_dir, "run");

  // Model, inputs and the FP32 reference (which also calibrates fitted formats).
  model::Graph graph = build_graph(w);
  check_memory(graph, w);
  model::TensorValues inputs = make_inputs(graph, w);
  model::TensorValues fp32 = model::forward_fp32(graph, inputs, true);
  for (auto& [k, v] : inputs) fp32[k] = v;

  const compiler::Program prog = compiler::plan_program(
      graph, w.quant.default_format, w.quant.layers, [&](const std::string& key) { return w.where(key); });
  if (prog.compute_layers() == 0) throw UserError(w.file + ": the model has no Conv, Gemm or MatMul layer to run");
  hw::AcceleratorConfig cfg = accel_config(w);
  try {
    cfg.validate();
  } catch (const hw::ConfigError& e) {
    throw UserError(w.where("accelerator.rows") + ": accelerator: " + e.what());
  }
  check_fits(graph, prog, cfg, w);

  // Elaborate once and simulate the whole network.
  hw::Accelerator acc("lpa", cfg);
  driver::RunnerOptions ro;
  ro.check = opt.check;
  ro.dataflow = hw::dataflow_from_string(w.accel.dataflow);
  driver::NetworkRunner runner(graph, prog, fp32, acc, ro);
  RunRecorder::Options rec_opt;
  rec_opt.progress = !opt.quiet && isatty(STDERR_FILENO);
  rec_opt.total_layers = prog.compute_layers();
  for (const compiler::Step& s : prog.steps)
    if (s.compute) rec_opt.total_macs += static_cast<std::uint64_t>(s.layer.view.macs());
  rec_opt.probe = probe ? &*probe : nullptr;
  RunRecorder recorder(acc, rec_opt);
  std::exception_ptr failure;
  bool host_done = false;
  // The simulation ends by itself when the driver's thread returns (no more events).
  driver::Driver host("host", hw::kCtrlBase, [&](driver::Driver& d) {
    try {
      runner.run(d);
    } catch (...) {
      failure = std::current_exception();
    }
    host_done = true;
  });
  host.isock.bind(acc.i_bus.tsock);
  host.irq_i(acc.s_irq);
  sc_core::sc_start();
  recorder.finish_progress();
  if (failure) std::rethrow_exception(failure);
  // Out of events with the host still waiting (for an interrupt that never came): the device
  // stopped, which valid input never does; say so rather than report a partial run.
  if (!host_done)
    throw std::logic_error("the simulation ran out of events while the host was waiting for the device (after " +
                           std::to_string(runner.result().layers.size()) + " of " +
                           std::to_string(prog.compute_layers()) + " layers)");
  const driver::NetworkResult& res = runner.result();
  {
    std::vector<std::uint32_t> runs;
    for (const driver::LayerResult& l : res.layers) runs.push_back(l.runs);
    recorder.merge_runs(runs);
  }
  const std::vector<LayerRecord>& records = recorder.layers();
  if (records.size() != res.layers.size())
    throw std::logic_error("lpsim run: " + std::to_string(records.size()) + " layer records for " +
                           std::to_string(res.layers.size()) + " layers");

  // Totals.
  std::uint64_t cycles = 0, macs = 0, stalls = 0;
  bool all_checked = true;
  for (const auto& l : res.layers) {
    cycles += l.cycles;
    macs += l.macs;
    stalls += l.stall_cycles;
    all_checked = all_checked && l.checked;
  }
  const double period_ns = cfg.clock_period_ns();
  const double latency_ms = static_cast<double>(cycles) * period_ns * 1e-6;
  const double tops = latency_ms > 0 ? 2.0 * static_cast<double>(macs) / (latency_ms * 1e-3) / 1e12 : 0;
  // Top-1 agreement only for a single [batch, classes] output.
  const Accuracy acc_fp32 = accuracy(res.output, res.fp32_output,
                                     graph.outputs().size() == 1 ? graph.shape(res.output_tensor) : model::Shape{});
  const bool verified = opt.check && all_checked && res.verified;

  // Energy: per layer from its action counts, rounded to the 2^-10 pJ grid; the run's
  // components are the sums of the layers' and the total the sum of the components.
  bool all_int = true;
  for (const LayerRecord& r : records) all_int = all_int && r.is_int;
  energy::RunInfo info;
  info.pe_kind = all_int ? energy::PeKind::int_ : energy::PeKind::lp;
  info.pe_count = static_cast<std::uint64_t>(cfg.rows) * static_cast<std::uint64_t>(cfg.cols);
  info.clock_period_ns = period_ns;
  info.inferences = static_cast<std::uint64_t>(std::max(1, w.input.batch));
  const std::size_t kComp = energy::kEnergyComponents.size();
  std::vector<std::vector<double>> layer_pj(records.size(), std::vector<double>(kComp, 0.0));
  std::vector<double> layer_total(records.size(), 0.0), comp_pj(kComp, 0.0);
  energy::ActionCounts counts;
  for (std::size_t i = 0; i < records.size(); ++i) {
    energy::RunInfo li = info;
    li.cycles = res.layers[i].cycles;
    const energy::EnergyReport er = energy::evaluate(records[i].counts, li, tables);
    for (std::size_t c = 0; c < kComp; ++c) {
      layer_pj[i][c] = grid_pj(er.breakdown_pj.at(energy::kEnergyComponents[c]));
      layer_total[i] += layer_pj[i][c];
      comp_pj[c] += layer_pj[i][c];
    }
    counts += records[i].counts;
  }
  double energy_pj = 0.0;
  for (double v : comp_pj) energy_pj += v;
  info.cycles = cycles;
  const energy::EnergyReport run_er = energy::evaluate(counts, info, tables);
  const double tops_per_w = energy_pj > 0 ? run_er.ops / energy_pj : 0.0;
  const double power_w = run_er.seconds > 0 ? energy_pj * 1e-12 / run_er.seconds : 0.0;

  // The per-layer table.
  out << "lpsim run: " << w.name << " (" << graph.name() << ", " << res.layers.size() << " accelerator layers) on "
      << cfg.rows << "x" << cfg.cols << " " << w.accel.dataflow << ", " << w.accel.fidelity << " fidelity, "
      << w.accel.clock_mhz << " MHz\n";
  out << std::left << std::setw(28) << "layer" << std::setw(20) << "gemm MxKxN" << std::setw(14) << "format"
      << std::right << std::setw(14) << "MACs" << std::setw(12) << "cycles" << std::setw(7) << "util" << std::setw(10)
      << "stalls" << "  check\n";
  for (const auto& l : res.layers) {
    std::string name = l.name + (l.fused.empty() ? "" : "+" + l.fused);
    if (name.size() > 27) name = name.substr(0, 24) + "...";
    std::string f = l.act_format;
    if (f.size() > 13) f = f.substr(0, 13);
    out << std::left << std::setw(28) << name << std::setw(20) << shape_text(l.view) << std::setw(14) << f << std::right
        << std::setw(14) << l.macs << std::setw(12) << l.cycles << std::setw(6) << fixed(100 * l.utilization, 1) << "%"
        << std::setw(10) << l.stall_cycles << "  " << (!l.checked ? "-" : l.verified ? "ok" : "MISMATCH") << "\n";
  }
  out << "total: " << cycles << " cycles, " << fixed(latency_ms, 3) << " ms at " << w.accel.clock_mhz << " MHz, "
      << macs << " MACs, " << fixed(tops, 3) << " effective TOPS, " << stalls << " stall cycles\n";
  out << "energy: " << energy_text(energy_pj) << " ("
      << energy_text(energy_pj / static_cast<double>(info.inferences)) << " per inference), " << fixed(tops_per_w, 3)
      << " TOPS/W, " << fixed(run_er.area_mm2, 3) << " mm2, " << fixed(run_er.tops_per_mm2, 4) << " TOPS/mm2\n";
  out << "vs FP32: rmse " << std::setprecision(6) << acc_fp32.rmse << ", cosine " << fixed(acc_fp32.cosine, 6);
  if (acc_fp32.top1_agreement >= 0) out << ", top-1 agreement " << fixed(100 * acc_fp32.top1_agreement, 1) << "%";
  out << "\n";
  out << "verified: " << (verified ? "yes (every layer bit-exact against the reference)" : opt.check ? "NO" : "no (checking off)")
      << "\n";

  // Files.
  nlohmann::json j;
  j["workload"] = w.name;
  j["model"] = graph.name();
  j["total_cycles"] = cycles;
  j["latency_ms"] = latency_ms;
  j["total_macs"] = macs;
  j["effective_tops"] = tops;
  j["stall_cycles"] = stalls;
  j["verified"] = verified;
  if (!res.first_mismatch.empty()) j["first_mismatch"] = res.first_mismatch;
  j["accuracy_vs_fp32"] = {{"rmse", acc_fp32.rmse}, {"max_abs_error", acc_fp32.max_abs}, {"cosine", acc_fp32.cosine}};
  if (acc_fp32.top1_agreement >= 0) j["accuracy_vs_fp32"]["top1_agreement"] = acc_fp32.top1_agreement;
  j["accelerator"] = {{"rows", cfg.rows}, {"cols", cfg.cols}, {"dataflow", w.accel.dataflow},
                      {"fidelity", w.accel.fidelity}, {"clock_mhz", w.accel.clock_mhz}};
  // Energy and area (docs/outputs.md): the breakdown adds up to energy_pj exactly.
  j["energy_pj"] = energy_pj;
  nlohmann::json breakdown = nlohmann::json::object();
  for (std::size_t c = 0; c < kComp; ++c) breakdown[energy::kEnergyComponents[c]] = comp_pj[c];
  j["energy_breakdown_pj"] = breakdown;
  j["energy_per_inference_pj"] = energy_pj / static_cast<double>(info.inferences);
  j["inferences"] = info.inferences;
  j["tops_per_w"] = tops_per_w;
  j["area_mm2"] = run_er.area_mm2;
  j["pe_area_mm2"] = run_er.pe_area_mm2;
  j["sram_area_mm2"] = run_er.sram_area_mm2;
  j["tops_per_mm2"] = run_er.tops_per_mm2;
  j["compute_tops_per_mm2"] = run_er.compute_tops_per_mm2;
  j["average_power_w"] = power_w;
  j["energy_tables"] = opt.energy_file.empty() ? std::string("built-in defaults (docs/energy.md), see energy.yaml")
                                               : opt.energy_file + ", see energy.yaml";
  {
    nlohmann::json ac;
    nlohmann::json by_kind = nlohmann::json::object();
    for (std::size_t k = 0; k < energy::kMacKinds; ++k)
      if (counts.macs[k]) by_kind[energy::mac_kind_name(energy::MacKind(k))] = counts.macs[k];
    ac["lane_macs"] = by_kind;
    ac["decoder_words"] = counts.decoder_words;
    ac["encoder_words"] = counts.encoder_words;
    ac["pe_reg_write_bytes"] = counts.pe_reg_write_bytes;
    for (const auto& [name, b] : {std::pair<const char*, const energy::BufferTraffic*>{"sram_wb", &counts.wb},
                                  {"sram_ib", &counts.ib}, {"sram_ob", &counts.ob}})
      ac[name] = {{"size_bytes", b->size_bytes}, {"read_bytes", b->read_bytes}, {"write_bytes", b->write_bytes}};
    ac["dram_read_bytes"] = counts.dram_read_bytes;
    ac["dram_write_bytes"] = counts.dram_write_bytes;
    ac["ppu_adds"] = counts.ppu_adds;
    ac["ppu_mults"] = counts.ppu_mults;
    ac["ppu_activations"] = counts.ppu_activations;
    ac["leakage_pe_cycles"] = counts.leakage_pe_cycles;
    j["action_counts"] = ac;
  }
  nlohmann::json layers = nlohmann::json::array();
  std::ostringstream csv;
  csv << "layer,op,fused,m,k,n,groups,act_format,wgt_format,out_format,mode,macs,cycles,compute_cycles,stall_cycles,"
         "utilization,tiles,dram_read_bytes,dram_write_bytes,verified,sram_wb_bytes,sram_ib_bytes,sram_ob_bytes,"
         "energy_pj";
  for (const char* c : energy::kEnergyComponents) csv << ",energy_" << c << "_pj";
  csv << "\n";
  std::vector<std::string> names;
  for (std::size_t i = 0; i < res.layers.size(); ++i) {
    const auto& l = res.layers[i];
    const energy::ActionCounts& lc = records[i].counts;
    names.push_back(l.name);
    layers.push_back({{"name", l.name}, {"op", l.op}, {"fused", l.fused}, {"m", l.view.m}, {"k", l.view.k},
                      {"n", l.view.n}, {"groups", l.view.groups}, {"format", l.act_format}, {"mode", l.mode},
                      {"macs", l.macs}, {"cycles", l.cycles}, {"stall_cycles", l.stall_cycles},
                      {"utilization", l.utilization}, {"tiles", l.tiles}, {"dram_read_bytes", l.dram_read_bytes},
                      {"dram_write_bytes", l.dram_write_bytes}, {"verified", l.checked && l.verified},
                      {"energy_pj", layer_total[i]}});
    csv << '"' << l.name << "\"," << l.op << ',' << l.fused << ',' << l.view.m << ',' << l.view.k << ',' << l.view.n
        << ',' << l.view.groups << ",\"" << l.act_format << "\",\"" << l.wgt_format << "\",\"" << l.out_format << "\","
        << l.mode << ',' << l.macs << ',' << l.cycles << ',' << l.compute_cycles << ',' << l.stall_cycles << ','
        << fixed(l.utilization, 6) << ',' << l.tiles << ',' << l.dram_read_bytes << ',' << l.dram_write_bytes << ','
        << (l.checked && l.verified ? "true" : "false") << ',' << lc.wb.read_bytes + lc.wb.write_bytes << ','
        << lc.ib.read_bytes + lc.ib.write_bytes << ',' << lc.ob.read_bytes + lc.ob.write_bytes << ','
        << traces::csv_number(layer_total[i]);
    for (std::size_t c = 0; c < kComp; ++c) csv << ',' << traces::csv_number(layer_pj[i][c]);
    csv << "\n";
  }
  j["layers"] = layers;

  // The report.
  traces::ReportData rd;
  rd.title = "lpsim run: " + w.name + " (" + graph.name() + ")";
  rd.summary = {
      {"workload", w.name + " (" + graph.name() + ", " + std::to_string(res.layers.size()) + " accelerator layers)"},
      {"accelerator", std::to_string(cfg.rows) + "x" + std::to_string(cfg.cols) + " " + w.accel.dataflow + ", " +
                          w.accel.fidelity + " fidelity, " + fixed(w.accel.clock_mhz, 0) + " MHz"},
      {"cycles", std::to_string(cycles) + " (" + fixed(latency_ms, 3) + " ms), " + std::to_string(stalls) +
                     " stall cycles"},
      {"MACs", std::to_string(macs) + " (" + fixed(tops, 3) + " effective TOPS)"},
      {"energy", energy_text(energy_pj) + ", " + energy_text(energy_pj / static_cast<double>(info.inferences)) +
                     " per inference, " + fixed(power_w * 1e3, 1) + " mW average"},
      {"efficiency", fixed(tops_per_w, 3) + " TOPS/W, " + fixed(run_er.tops_per_mm2, 4) + " TOPS/mm2 (" +
                         fixed(run_er.compute_tops_per_mm2, 3) + " over the PE area)"},
      {"area", fixed(run_er.area_mm2, 3) + " mm2 (PEs " + fixed(run_er.pe_area_mm2, 3) + ", SRAM " +
                   fixed(run_er.sram_area_mm2, 3) + ")"},
      {"cost tables", opt.energy_file.empty()
                          ? std::string("built-in: Horowitz ISSCC 2014 (45 nm) energies, LPA DAC 2024 PE areas, "
                                        "Mistry IEDM 2007 SRAM cell (sources in the configuration below)")
                          : opt.energy_file + " (sources in the configuration below)"},
      {"verified", verified ? "yes, every layer bit-exact against the reference" : opt.check ? "NO" : "not checked"},
      {"accuracy vs FP32", "cosine " + fixed(acc_fp32.cosine, 6) + ", rmse " + fixed(acc_fp32.rmse, 6)}};
  for (std::size_t i = 0; i < res.layers.size(); ++i) {
    const auto& l = res.layers[i];
    traces::ReportLayer rl;
    rl.name = l.name;  // short enough for the chart's labels; the fused ops go with the kind
    rl.kind = l.op + " " + shape_text(l.view) + (l.fused.empty() ? "" : " +" + l.fused);
    rl.mode = (records[i].is_int ? "int" : "lp") + std::to_string(l.mode);
    rl.cycles = l.cycles;
    rl.utilization = l.utilization;
    rl.macs = l.macs;
    rl.energy_pj = layer_total[i];
    rd.layers.push_back(rl);
  }
  for (std::size_t c = 0; c < kComp; ++c) rd.energy_breakdown_pj.emplace_back(energy::kEnergyComponents[c], comp_pj[c]);
  rd.tracks = {"controller", "dma", "array", "ppu"};
  rd.timeline = timeline_events(records, names);
  const std::string effective = effective_yaml(w);
  const std::string energy_yaml = energy::to_yaml(tables);
  rd.config_text = "# effective.yaml\n" + effective + "\n# energy.yaml (cost tables with sources)\n" + energy_yaml;

  std::vector<std::pair<std::string, std::string>> files = {{"effective.yaml", effective},
                                                            {"energy.yaml", energy_yaml},
                                                            {"layers.csv", csv.str()},
                                                            {"summary.json", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"},
                                                            {"tiles.csv", tiles_csv(records, names)}};
  for (const auto& [name, text] : files) output.write_file(name, text);
  const fs::path dir = output.staging();
  try {
    write_trace_json((dir / "trace.json").string(), records, names, period_ns, "lpsim " + w.name);
    traces::write_html_report((dir / "report.html").string(), rd);
    if (want_vcd)
      write_vcd((dir / "waveform.vcd").string(), records, period_ns, probe ? &*probe : nullptr, recorder.pe_samples());
  } catch (const std::runtime_error& e) {
    throw UserError(out_dir + ": " + e.what());
  }
  output.commit();
  out << "outputs: " << out_dir
      << "/{summary.json,layers.csv,tiles.csv,trace.json,report.html,effective.yaml,energy.yaml,lpsim-run.json"
      << (want_vcd ? ",waveform.vcd" : "") << "}\n";
  // The table reaches the terminal only once the outputs are complete and in place.
  out_final << out.str() << std::flush;
  if (!opt.quiet) {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    std::cerr << "lpsim: simulated " << macs << " MACs in " << fixed(wall, 2) << " s\n";
  }
  if (opt.check && !res.verified) {
    std::cerr << "lpsim: error: " << res.first_mismatch << "\n";
    return 1;
  }
  return 0;
}

}  // namespace lpsim::sim
