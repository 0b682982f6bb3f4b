// The run API (see pipeline.hpp): prepare, simulate (in this process or a worker process).
#include "sim/run/pipeline.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <unordered_set>

#include "hw/array/array_backend.hpp"
#include "hw/common/asan_stack.hpp"
#include "hw/common/config_error.hpp"
#include "hw/ctrl/tiler.hpp"
#include "hw/top/accelerator.hpp"
#include "sim/run/analytic.hpp"
#include "sim/run/npy.hpp"
#include "sim/scalesim/topology.hpp"
#include "sw/common/error.hpp"
#include "sw/common/fd_io.hpp"
#include "sw/compiler/layer_code.hpp"
#include "sw/driver/driver.hpp"
#include "sw/energy/energy_model.hpp"
#include "sw/model/normal_rng.hpp"
#include "sw/model/onnx_import.hpp"
#include "sw/model/zoo.hpp"

namespace lpsim::sim {
namespace {

// True when a layer's format text needs the FP32 values of its tensor: fitted formats (int,
// af, ant, ...) and an sf: auto. An LP format with its sf given does not.
bool needs_values(const std::string& text) {
  const bool lp = text.rfind("lp<", 0) == 0 || text.rfind("lp:", 0) == 0;
  return !lp || compiler::is_auto_sf(text);
}

// The FP32 tensors a run reads besides the graph's inputs and outputs (which it always keeps):
// the calibration of the layers' formats, and the tensors of their sf: auto.
std::unordered_set<std::string> fp32_needed(const model::Graph& graph,
                                            const compiler::Program& program) {
  std::unordered_set<std::string> keep(graph.inputs().begin(), graph.inputs().end());
  for (const compiler::Step& s : program.steps) {
    if (!s.compute) continue;
    const compiler::ComputeStep& c = s.layer;
    if (needs_values(c.act_format)) keep.insert(c.input);
    if (!c.input_b.empty() && needs_values(c.wgt_format)) keep.insert(c.input_b);
    if (needs_values(c.out_format)) keep.insert(c.output);
  }
  return keep;
}

constexpr std::uint64_t kWeightSeed = 1;  // synthetic weights; the input has its own seed

// SCALE-Sim topology rows as independent convolutions (no padding, seeded weights).
model::Graph topology_graph(const std::string& path, bool with_weights) {
  const scalesim::Topology topo = scalesim::read_topology(path);
  // Each row is simulated as its own layer (~1 ms and a few hundred KB each, more for large ones).
  constexpr std::size_t kMaxRunLayers = 10000;
  if (topo.layers.size() > kMaxRunLayers)
    throw UserError(
        path + ": the topology has " + std::to_string(topo.layers.size()) +
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
    if (with_weights) {
      model::NormalRng rng(kWeightSeed, l.name);
      const double sd = std::sqrt(2.0 / static_cast<double>(l.window()));
      n.weights.resize(static_cast<std::size_t>(model::num_elements(n.weight_shape)));
      for (float& v : n.weights) v = static_cast<float>(sd * rng.normal());
    }
    g.add_node(n);
    g.add_output(l.name + ".out");
  }
  g.finalize();
  return g;
}

// with_weights false: a shape-only graph (analytic fidelity computes no values); an ONNX
// model is read whole either way.
model::Graph build_graph(const Workload& w, bool with_weights) {
  switch (w.source) {
    case ModelSource::Zoo: {
      const auto names = model::list_zoo_models();
      if (std::find(names.begin(), names.end(), w.model) == names.end()) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        throw UserError(w.where("model") + ": model: unknown zoo model '" + w.model +
                        "' (known: " + list + ")");
      }
      model::ZooOptions o;
      o.batch = w.input.batch;
      o.seed = kWeightSeed;
      o.input_size = w.zoo.input_size;
      o.width_divisor = w.zoo.width_divisor;
      o.max_blocks = w.zoo.max_blocks;
      o.num_classes = w.zoo.num_classes;
      o.with_weights = with_weights;
      try {
        return model::build_zoo_model(w.model, o);
      } catch (const UserError& e) {
        throw UserError(w.where("zoo.input_size") + ": zoo: " + e.what());
      }
    }
    case ModelSource::Onnx: {
      model::OnnxImportOptions o;
      o.batch = w.input.batch;
      // A dynamic batch dimension takes the .npy's batch unless input.batch is set.
      if (!w.input.npy.empty() && !w.origin.count("input.batch")) {
        const NpyArray a = read_npy(w.input.npy);
        if (!a.shape.empty() && a.shape[0] >= 1 && a.shape[0] <= 1024) o.data_batch = a.shape[0];
      }
      return model::import_onnx(w.model, o);
    }
    case ModelSource::Topology:
      return topology_graph(w.model, with_weights);
  }
  throw UserError("unreachable");
}

model::TensorValues make_inputs(const model::Graph& g, const Workload& w) {
  model::TensorValues in;
  if (!w.input.npy.empty()) {
    if (g.inputs().size() != 1)
      throw UserError(w.where("input.npy") + ": input.npy: the model has " +
                      std::to_string(g.inputs().size()) + " inputs; an .npy file gives one");
    const NpyArray a = read_npy(w.input.npy);
    const model::Shape& want = g.shape(g.inputs()[0]);
    if (a.shape != want) {
      std::string hint;
      if (a.shape.size() == want.size() && !want.empty() && a.shape[0] != want[0] &&
          std::equal(a.shape.begin() + 1, a.shape.end(), want.begin() + 1))
        hint = w.origin.count("input.batch")
                   ? " (its batch " + std::to_string(a.shape[0]) + " differs from input.batch " +
                         std::to_string(w.input.batch) + ": set input.batch to " +
                         std::to_string(a.shape[0]) + " or leave it unset)"
                   : " (the model's batch dimension is fixed at " + std::to_string(want[0]) + ")";
      throw UserError(w.where("input.npy") + ": input.npy: shape " + model::shape_str(a.shape) +
                      " does not match the model input " + model::shape_str(want) + hint);
    }
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

// The layer's PE type must model the accelerator.datapath settings: an error here names the
// datapath key, the layer and its formats (before, it surfaced from the tiling check as
// "accelerator.buffers: ... cannot be tiled").
void check_datapath(const hw::LayerDescriptor& d, const compiler::ComputeStep& c,
                    const hw::DatapathOptions& dp, const Workload& w) {
  const hw::PeType pe = hw::ArrayBackend::pe_type_of(d);
  const std::string of_layer = "the " + hw::to_string(pe) + " PE of layer '" + c.node->name +
                               "' (" + c.act_format + " activations, " + c.wgt_format + " weights)";
  if (hw::is_scalar_pe(pe)) {
    if (dp.acc_mode != hw::AccMode::exact) {
      const std::string acc = dp.acc_mode == hw::AccMode::narrow ? "narrow" : "small_float";
      throw UserError(w.where("accelerator.datapath.accumulator") +
                      ": accelerator.datapath.accumulator: " + acc + " is not modelled for " +
                      of_layer +
                      ": the posit, adaptivfloat, fp8 and ant PEs accumulate exactly "
                      "(use exact; small_float and narrow are for LP and INT layers)");
    }
    if (dp.psum == hw::PsumMode::small_float)
      throw UserError(w.where("accelerator.datapath.psum.format") +
                      ": accelerator.datapath.psum.format: small_float is not modelled for " +
                      of_layer +
                      ": the posit, adaptivfloat, fp8 and ant PEs keep exact partial "
                      "sums (use accumulator or exact; small_float is for LP and INT layers)");
  }
  try {
    (void)hw::ArrayBackend::array_config(hw::ArrayConfig{}, d, dp);  // validates the PE
  } catch (const hw::ConfigError& e) {
    // Anything else the PE refuses: a non-default accumulator or psum format the layer's formats
    // cannot have (small_float on a grid wider than 127 bits) names that key; otherwise the
    // formats are at fault: name the quantization key that chose them.
    const std::string key =
        dp.acc_mode != hw::AccMode::exact      ? "accelerator.datapath.accumulator"
        : dp.psum == hw::PsumMode::small_float ? "accelerator.datapath.psum.format"
        : w.quant.layers.count(c.node->name)   ? "quantization.layers." + c.node->name
                                               : "quantization.default";
    throw UserError(w.where(key) + ": " + key + ": " + of_layer +
                    " cannot run with this accelerator.datapath: " + e.what());
  }
}

// Every layer must tile into the buffers before anything is simulated.
void check_fits(const model::Graph& prog_graph, const compiler::Program& prog,
                const hw::AcceleratorConfig& cfg, const Workload& w) {
  hw::ArrayConfig base;
  base.rows = cfg.rows;
  base.cols = cfg.cols;
  for (const compiler::Step& s : prog.steps) {
    if (!s.compute) continue;
    const compiler::ComputeStep& c = s.layer;
    hw::LayerDescriptor d = compiler::layer_shape(prog_graph, c);
    // Storage width and PE family are what tiling needs; fitted scales do not matter here.
    d.fmt_a = compiler::hw_format(c.act_format, {}, c.mode).op;
    d.fmt_w = compiler::hw_format(c.wgt_format, {}, c.mode).op;
    d.fmt_o = compiler::hw_format(c.out_format, {}, 0).op;  // (an sf `auto` read as 0)
    d.mode = static_cast<std::uint32_t>(c.mode);
    d.dataflow = w.dataflow;
    check_datapath(d, c, cfg.datapath, w);
    try {
      hw::TilerConfig t = cfg.controller().tiler;
      t.psum_bytes = hw::ArrayBackend::psum_bytes_for(base, d, cfg.datapath);
      hw::plan_tiles(d, t);
    } catch (const hw::ConfigError& e) {
      throw UserError(w.where("accelerator.buffers.weight_kb") + ": accelerator.buffers: layer '" +
                      c.node->name + "' (GEMM " + std::to_string(c.view.m) + "x" +
                      std::to_string(c.view.k) + "x" + std::to_string(c.view.n) +
                      ") cannot be tiled: " + e.what());
    }
  }
}

Accuracy accuracy(const std::vector<float>& q, const std::vector<float>& ref,
                  const model::Shape& shape) {
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
      same +=
          std::max_element(row_q, row_q + C) - row_q == std::max_element(row_r, row_r + C) - row_r;
    }
    a.top1_agreement = static_cast<double>(same) / static_cast<double>(B);
  }
  return a;
}

// Energies are rounded to a grid of 2^-10 pJ, so that sums of them are exact in any order
// (below 2^43 pJ = 8.8 J): the layers' components add up to the run's, and the components to
// the total, bit for bit, whoever adds them.
double grid_pj(double v) {
  return std::round(v * 1024.0) / 1024.0;
}

// A run keeps every FP32 intermediate plus, per tensor, its codes and decoded copy: about
// 12 bytes per activation element. Refuse a run that cannot fit in memory before it starts.
void check_memory(const model::Graph& g, const Workload& w) {
  std::uint64_t elements = 0;
  for (const model::TensorInfo& t : g.tensors())
    if (t.kind != model::TensorKind::Constant)
      elements += static_cast<std::uint64_t>(model::num_elements(t.shape));
  const std::uint64_t need = elements * 12;
  const std::uint64_t have = static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                             static_cast<std::uint64_t>(sysconf(_SC_PAGE_SIZE));
  if (have > 0 && need > have / 4 * 3)
    throw UserError(w.where("input.batch") + ": input.batch: this run needs about " +
                    std::to_string(need >> 20) + " MiB for its activations; the machine has " +
                    std::to_string(have >> 20) + " MiB (reduce input.batch or zoo.input_size)");
}

// The simulation itself, in this process (SystemC elaborates here: once per process).
RunResult simulate_here(const Prepared& p, const SimulateOptions& opt) {
  const Workload& w = p.workload;
  const model::Graph& graph = *p.graph;
  const compiler::Program& prog = p.program;
  const hw::AcceleratorConfig& cfg = p.config;

  // Elaborate once and simulate the whole network.
  hw::Accelerator acc("lpa", cfg);
  driver::RunnerOptions ro;
  ro.check = opt.check;
  ro.dataflow = w.dataflow;
  ro.device.dram_bytes = cfg.dram_bytes;
  ro.device.lin_frac_bits = cfg.datapath.lin_frac_bits;
  {  // accelerator.datapath for the reference, and the controller's K tile of each layer
    const hw::DatapathOptions& dp = cfg.datapath;
    ref::DatapathSpec& s = ro.device.datapath;
    s.acc = dp.acc_mode == hw::AccMode::narrow        ? ref::AccKind::narrow
            : dp.acc_mode == hw::AccMode::small_float ? ref::AccKind::small_float
                                                      : ref::AccKind::exact;
    s.narrow_bits = dp.narrow_bits;
    s.narrow_frac_bits = dp.narrow_frac_bits;
    s.float_frac_bits = dp.float_frac_bits;
    s.float_exp_bits = dp.float_exp_bits;
    s.psum = dp.psum == hw::PsumMode::exact         ? ref::PsumKind::exact
             : dp.psum == hw::PsumMode::small_float ? ref::PsumKind::small_float
                                                    : ref::PsumKind::accumulator;
    s.psum_frac_bits = dp.psum_frac_bits;
    // The controller's own plan (hw::plan_tiles with the backend's psum bytes), so the check
    // closes K tiles where the device does.
    ro.device.k_tile = [cfg](const hw::LayerDescriptor& d) -> std::int64_t {
      hw::TilerConfig t = cfg.controller().tiler;
      t.psum_bytes = hw::ArrayBackend::psum_bytes_for(cfg.array(), d, cfg.datapath);
      return static_cast<std::int64_t>(hw::plan_tiles(d, t).kt);
    };
  }
  driver::NetworkRunner runner(graph, prog, p.fp32, ro);
  RunRecorder::Options rec_opt;
  rec_opt.progress = opt.progress;
  rec_opt.total_layers = prog.compute_layers();
  for (const compiler::Step& s : prog.steps)
    if (s.compute) rec_opt.total_macs += static_cast<std::uint64_t>(s.layer.view.macs());
  rec_opt.probe = opt.probe ? &*opt.probe : nullptr;
  rec_opt.network_layer = [&runner] { return runner.result().layers.size(); };
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
  hw::resync_asan_main_stack();  // before anything can throw on this stack again
  recorder.finish_progress();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const driver::DeviceError& e) {
      // The device's own diagnostics (its controller's last error) complete the driver's.
      throw UserError(std::string(e.what()) + ": " + acc.i_ctrl.last_error());
    }
  }
  // Out of events with the host still waiting (for an interrupt that never came): the device
  // stopped, which valid input never does; say so rather than report a partial run.
  if (!host_done)
    throw std::logic_error(
        "the simulation ran out of events while the host was waiting for the device (after " +
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

  RunResult r = result_header(p, opt.check);
  r.probe = opt.probe;
  r.layers = res.layers;
  r.records = records;
  r.pe_samples = recorder.pe_samples();
  complete_result(r, p);

  bool all_checked = true;
  for (const driver::LayerResult& l : res.layers) all_checked = all_checked && l.checked;
  // Top-1 agreement only for a single [batch, classes] output.
  r.accuracy =
      accuracy(res.output, res.fp32_output,
               graph.outputs().size() == 1 ? graph.shape(res.output_tensor) : model::Shape{});
  if (!p.labels.empty()) {
    const std::int64_t C = static_cast<std::int64_t>(res.output.size() / p.labels.size());
    auto top1 = [&](const std::vector<float>& v) {
      std::int64_t ok = 0;
      for (std::size_t b = 0; b < p.labels.size(); ++b) {
        auto row = v.begin() + static_cast<std::int64_t>(b) * C;
        ok += std::max_element(row, row + C) - row == p.labels[b];
      }
      return 100.0 * static_cast<double>(ok) / static_cast<double>(p.labels.size());
    };
    r.accuracy.top1_fp32 = top1(res.fp32_output);
    r.accuracy.top1_accelerator = top1(res.output);
  }
  r.verified = opt.check && all_checked && res.verified;
  r.first_mismatch = res.first_mismatch;
  r.output_names = graph.outputs();
  for (const std::string& t : graph.outputs()) r.output_shapes.push_back(graph.shape(t));
  r.output_accelerator = res.output;
  r.output_fp32 = res.fp32_output;
  return r;
}

}  // namespace

RunResult result_header(const Prepared& p, bool checked) {
  const Workload& w = p.workload;
  const hw::AcceleratorConfig& cfg = p.config;
  RunResult r;
  r.workload = w.name;
  r.model = p.graph->name();
  r.rows = cfg.rows;
  r.cols = cfg.cols;
  r.dataflow = hw::to_string(w.dataflow);
  r.fidelity = hw::to_string(cfg.fidelity);
  r.clock_mhz = cfg.clock_mhz;
  r.period_ns = cfg.clock_period_ns();
  r.datapath = cfg.datapath;
  r.effective_yaml = effective_yaml(w);
  r.energy_yaml = energy::to_yaml(p.tables);
  r.energy_file = p.energy_file;
  r.checked = checked;
  return r;
}

void complete_result(RunResult& r, const Prepared& p) {
  const Workload& w = p.workload;
  const hw::AcceleratorConfig& cfg = p.config;
  const std::vector<LayerRecord>& records = r.records;
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    LayerRecord& rec = r.records[i];
    const double peak = static_cast<double>(cfg.rows) * cfg.cols * (8.0 / rec.mode);
    rec.utilization = rec.cycles ? static_cast<double>(r.layers[i].macs) /
                                       (static_cast<double>(rec.cycles) * peak)
                                 : 0.0;
  }

  // Totals.
  for (std::size_t i = 0; i < r.layers.size(); ++i) {
    r.cycles += r.records[i].cycles;
    r.macs += r.layers[i].macs;
    r.stalls += r.records[i].stall_cycles;
  }
  r.latency_ms = static_cast<double>(r.cycles) * r.period_ns * 1e-6;
  r.tops = r.latency_ms > 0 ? 2.0 * static_cast<double>(r.macs) / (r.latency_ms * 1e-3) / 1e12 : 0;

  // Energy: per layer from its action counts, rounded to the 2^-10 pJ grid; the run's
  // components are the sums of the layers' and the total the sum of the components.
  // Area: the PE type of every layer when they agree (a mixed run is charged LP PEs).
  bool one_type = !records.empty();
  for (const LayerRecord& rec : records) one_type = one_type && rec.pe_type == records[0].pe_type;
  energy::RunInfo info;
  info.pe_kind = one_type ? energy::pe_kind_from_name(hw::to_string(hw::PeType(records[0].pe_type)))
                          : energy::PeKind::lp;
  info.pe_count = static_cast<std::uint64_t>(cfg.rows) * static_cast<std::uint64_t>(cfg.cols);
  info.clock_period_ns = r.period_ns;
  info.inferences = static_cast<std::uint64_t>(std::max(1, w.input.batch));
  r.inferences = info.inferences;
  const std::size_t kComp = energy::kEnergyComponents.size();
  r.layer_energy_pj.assign(records.size(), std::vector<double>(kComp, 0.0));
  r.layer_total_pj.assign(records.size(), 0.0);
  r.energy_components_pj.assign(kComp, 0.0);
  for (std::size_t i = 0; i < records.size(); ++i) {
    energy::RunInfo li = info;
    li.cycles = records[i].cycles;
    const energy::EnergyReport er = energy::evaluate(records[i].counts, li, p.tables);
    for (std::size_t c = 0; c < kComp; ++c) {
      r.layer_energy_pj[i][c] = grid_pj(er.breakdown_pj.at(energy::kEnergyComponents[c]));
      r.layer_total_pj[i] += r.layer_energy_pj[i][c];
      r.energy_components_pj[c] += r.layer_energy_pj[i][c];
    }
    r.counts += records[i].counts;
  }
  for (double v : r.energy_components_pj) r.energy_pj += v;
  info.cycles = r.cycles;
  const energy::EnergyReport run_er = energy::evaluate(r.counts, info, p.tables);
  r.tops_per_w = r.energy_pj > 0 ? run_er.ops / r.energy_pj : 0.0;
  r.power_w = run_er.seconds > 0 ? r.energy_pj * 1e-12 / run_er.seconds : 0.0;
  r.area_mm2 = run_er.area_mm2;
  r.pe_area_mm2 = run_er.pe_area_mm2;
  r.sram_area_mm2 = run_er.sram_area_mm2;
  r.tops_per_mm2 = run_er.tops_per_mm2;
  r.compute_tops_per_mm2 = run_er.compute_tops_per_mm2;
}

namespace {

// Reads everything from `fd` until end of file.
std::string read_all(int fd) {
  std::string s;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    s.append(buf, static_cast<std::size_t>(n));
  }
  return s;
}

// A worker process: simulates and sends back 'R' + the result, 'U' + a user error's text, or
// 'I' + any other error's text.
RunResult simulate_in_worker(const Prepared& p, const SimulateOptions& opt) {
  int fds[2];
  if (::pipe(fds) != 0)
    throw std::runtime_error(std::string("simulate: pipe: ") + std::strerror(errno));
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error(std::string("simulate: fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    std::string msg;
    try {
      SimulateOptions here = opt;
      here.in_process = true;
      msg = "R" + serialize(simulate_here(p, here));
    } catch (const UserError& e) {
      msg = std::string("U") + e.what();
    } catch (const std::exception& e) {
      msg = std::string("I") + e.what();
    } catch (...) {
      msg = "Iunknown exception";
    }
    const bool ok = write_all(fds[1], msg);
    ::close(fds[1]);
    std::fflush(stderr);
    ::_exit(ok ? 0 : 3);  // no destructors, no atexit: the parent owns every resource
  }
  ::close(fds[1]);
  const std::string msg = read_all(fds[0]);
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status))
    throw std::runtime_error("simulate: the worker process died of signal " +
                             std::to_string(WTERMSIG(status)));
  if (msg.empty()) throw std::runtime_error("simulate: the worker process returned nothing");
  if (msg[0] == 'U') throw UserError(msg.substr(1));
  if (msg[0] == 'I') throw std::runtime_error(msg.substr(1));
  return deserialize(msg.substr(1));
}

}  // namespace

std::vector<std::string> RunResult::layer_names() const {
  std::vector<std::string> names;
  for (const auto& l : layers) names.push_back(l.name);
  return names;
}

Prepared prepare(const Workload& w, const energy::CostTables& tables,
                 const std::string& energy_file) {
  Prepared p;
  p.workload = w;
  p.tables = tables;
  p.energy_file = energy_file;
  // Model, inputs and the FP32 reference (which also calibrates fitted formats).
  // Analytic fidelity computes no values: a shape-only model, no inputs, no FP32 pass.
  const bool values = w.accel.fidelity != hw::Fidelity::analytic;
  p.graph = std::make_unique<model::Graph>(build_graph(w, values));
  const model::Graph& graph = *p.graph;
  // An ONNX model's dynamic batch took the .npy's (build_graph): the run's batch is the graph's.
  if (w.source == ModelSource::Onnx && !w.input.npy.empty() && !w.origin.count("input.batch") &&
      graph.inputs().size() == 1)
    p.workload.input.batch = static_cast<int>(graph.shape(graph.inputs()[0]).at(0));
  if (values) {
    check_memory(graph, p.workload);
    p.inputs = make_inputs(graph, p.workload);
  }
  if (!w.input.labels.empty()) {
    const std::string where = w.where("input.labels") + ": input.labels: ";
    if (graph.outputs().size() != 1 || graph.shape(graph.outputs()[0]).size() != 2)
      throw UserError(where + "needs a model with one [batch, classes] output");
    const model::Shape& out = graph.shape(graph.outputs()[0]);
    try {
      p.labels = read_npy_labels(w.input.labels, out[0], out[1]);
    } catch (const UserError& e) {
      throw UserError(where + e.what());
    }
  }

  compiler::FormatChoice formats;
  formats.default_act = w.quant.default_format;
  formats.default_wgt = w.quant.default_weights;
  formats.act = w.quant.layers;
  formats.wgt = w.quant.layer_weights;
  p.program = compiler::plan_program(graph, formats, [&](const std::string& key) { return w.where(key); });
  if (p.program.compute_layers() == 0)
    throw UserError(w.file + ": the model has no Conv, Gemm or MatMul layer to run");
  p.config = w.accel;
  try {
    p.config.validate();  // the blocks' own configurations too (the fields were checked on reading)
  } catch (const hw::ConfigError& e) {
    if (!e.key().empty()) throw UserError(w.where(e.key()) + ": " + e.what());
    throw UserError(w.where("accelerator") + ": accelerator: " + e.what());
  }
  // Buffer fit before the FP32 pass (which may take seconds on a large model): check_fits reads
  // an unresolved sf: auto as sf 0, and the sf changes no size.
  check_fits(graph, p.program, p.config, p.workload);
  if (values) {
    // Only the FP32 tensors something reads later are kept (the pass frees the others as it
    // goes): never the whole network's activations.
    p.fp32 = model::forward_fp32(graph, p.inputs, fp32_needed(graph, p.program));
    for (auto& [k, v] : p.inputs) p.fp32[k] = v;
    // sf: auto, on this run's FP32 values (analytic fidelity has none: the sf does not change
    // timing or energy, and its layers are named with `auto`).
    compiler::resolve_auto_sf(graph, p.fp32, p.program);
    // With every sf resolved: what the run itself reads (calibration, inputs, outputs).
    const std::unordered_set<std::string> keep = fp32_needed(graph, p.program);
    for (auto it = p.fp32.begin(); it != p.fp32.end();) {
      const bool output = std::find(graph.outputs().begin(), graph.outputs().end(), it->first) !=
                          graph.outputs().end();
      it = keep.count(it->first) || output ? std::next(it) : p.fp32.erase(it);
    }
  }
  return p;
}

RunResult simulate(const Prepared& p, const SimulateOptions& opt) {
  if (p.config.fidelity == hw::Fidelity::analytic) {
    if (opt.probe)
      throw UserError(p.workload.where("accelerator.fidelity") +
                      ": accelerator.fidelity: PE-level waveforms need cycle fidelity (analytic "
                      "fidelity simulates nothing)");
    return simulate_analytic(p);  // no SystemC: always in this process
  }
  if (p.fp32.empty())
    throw std::logic_error(
        "simulate: this Prepared was made for analytic fidelity (no values); prepare() it again "
        "for tile or cycle fidelity");
  return opt.in_process ? simulate_here(p, opt) : simulate_in_worker(p, opt);
}

RunResult evaluate(const Workload& w, const energy::CostTables& tables,
                   const std::string& energy_file, const SimulateOptions& opt) {
  return simulate(prepare(w, tables, energy_file), opt);
}

}  // namespace lpsim::sim
