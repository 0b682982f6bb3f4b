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
#include <iostream>
#include <sstream>

#include "hw/common/config_error.hpp"
#include "hw/ctrl/tiler.hpp"
#include "hw/top/accelerator.hpp"
#include "sim/run/npy.hpp"
#include "sim/scalesim/topology.hpp"
#include "sim/user_error.hpp"
#include "sim/workload/workload.hpp"
#include "sw/compiler/program.hpp"
#include "sw/driver/driver.hpp"
#include "sw/driver/network_runner.hpp"
#include "sw/formats/format_parse.hpp"
#include "sw/formats/int_format.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/model/fp32_forward.hpp"
#include "sw/model/normal_rng.hpp"
#include "sw/model/onnx_import.hpp"
#include "sw/model/zoo.hpp"

namespace lpsim::sim {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kWeightSeed = 1;  // synthetic weights; the input has its own seed

// SCALE-Sim topology rows as independent convolutions (no padding, seeded weights).
model::Graph topology_graph(const std::string& path) {
  const scalesim::Topology topo = scalesim::read_topology(path);
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

// The register view of a format text (storage width and PE family are what tiling needs).
hw::OperandFormat operand_of(const std::string& text) {
  const fmt::FormatPtr f = fmt::parse_format(text);
  if (const auto* lp = dynamic_cast<const fmt::LpFormat*>(f.get())) {
    const auto& p = lp->params();
    return {hw::FormatFamily::lp, p.n, p.es, p.rs, p.sf};
  }
  return {hw::FormatFamily::int_, f->bits(), 0, 0, 0};
}

// Every layer must tile into the buffers before anything is simulated.
void check_fits(const compiler::Program& prog, const hw::AcceleratorConfig& cfg, const Workload& w) {
  hw::ArrayConfig base;
  base.rows = cfg.rows;
  base.cols = cfg.cols;
  for (const compiler::Step& s : prog.steps) {
    if (!s.compute) continue;
    const compiler::ComputeStep& c = s.layer;
    hw::LayerDescriptor d;
    d.op = hw::LayerOp::gemm;
    d.m = static_cast<std::uint32_t>(c.view.m);
    d.k = static_cast<std::uint32_t>(c.view.k);
    d.n = static_cast<std::uint32_t>(c.view.n);
    d.groups = static_cast<std::uint32_t>(c.view.groups);
    d.fmt_a = operand_of(c.act_format);
    d.fmt_w = operand_of(c.wgt_format);
    d.fmt_o = operand_of(c.out_format);
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

// Writes the run's files into a fresh directory next to `dir`, then moves it into place, so
// a directory named `dir` is always complete.
void write_outputs(const std::string& dir, const std::string& effective, const nlohmann::json& summary,
                   const std::string& layers_csv) {
  const fs::path final_dir(dir);
  const fs::path tmp = final_dir.string() + ".partial";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) throw UserError(tmp.string() + ": cannot create output directory: " + ec.message());
  auto put = [&](const char* name, const std::string& text) {
    std::ofstream f(tmp / name, std::ios::binary);
    f << text;
    if (!f) throw UserError((tmp / name).string() + ": cannot write");
  };
  put("effective.yaml", effective);
  put("layers.csv", layers_csv);
  put("summary.json", summary.dump(2) + "\n");
  fs::remove_all(final_dir, ec);
  fs::rename(tmp, final_dir, ec);
  if (ec) throw UserError(final_dir.string() + ": cannot move the output directory into place: " + ec.message());
}

}  // namespace

int run_workload(const RunOptions& opt, std::ostream& out) {
  const auto wall0 = std::chrono::steady_clock::now();
  const Workload w = load_workload(opt.workload, opt.sets);
  const std::string out_dir = opt.out_dir.empty() ? "runs/" + w.name : opt.out_dir;

  // Model, inputs and the FP32 reference (which also calibrates fitted formats).
  model::Graph graph = build_graph(w);
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
  check_fits(prog, cfg, w);

  // Elaborate once and simulate the whole network.
  hw::Accelerator acc("lpa", cfg);
  driver::RunnerOptions ro;
  ro.check = opt.check;
  ro.dataflow = hw::dataflow_from_string(w.accel.dataflow);
  driver::NetworkRunner runner(graph, prog, fp32, acc, ro);
  std::exception_ptr failure;
  // The simulation ends by itself when the driver's thread returns (no more events).
  driver::Driver host("host", hw::kCtrlBase, [&](driver::Driver& d) {
    try {
      runner.run(d);
    } catch (...) {
      failure = std::current_exception();
    }
  });
  host.isock.bind(acc.i_bus.tsock);
  host.irq_i(acc.s_irq);
  sc_core::sc_start();
  if (failure) std::rethrow_exception(failure);
  const driver::NetworkResult& res = runner.result();

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
  const Accuracy acc_fp32 = accuracy(res.output, res.fp32_output, graph.shape(res.output_tensor));
  const bool verified = opt.check && all_checked && res.verified;

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
  nlohmann::json layers = nlohmann::json::array();
  std::ostringstream csv;
  csv << "layer,op,fused,m,k,n,groups,act_format,wgt_format,out_format,mode,macs,cycles,compute_cycles,stall_cycles,"
         "utilization,tiles,dram_read_bytes,dram_write_bytes,verified\n";
  for (const auto& l : res.layers) {
    layers.push_back({{"name", l.name}, {"op", l.op}, {"fused", l.fused}, {"m", l.view.m}, {"k", l.view.k},
                      {"n", l.view.n}, {"groups", l.view.groups}, {"format", l.act_format}, {"mode", l.mode},
                      {"macs", l.macs}, {"cycles", l.cycles}, {"stall_cycles", l.stall_cycles},
                      {"utilization", l.utilization}, {"tiles", l.tiles}, {"dram_read_bytes", l.dram_read_bytes},
                      {"dram_write_bytes", l.dram_write_bytes}, {"verified", l.checked && l.verified}});
    csv << '"' << l.name << "\"," << l.op << ',' << l.fused << ',' << l.view.m << ',' << l.view.k << ',' << l.view.n
        << ',' << l.view.groups << ",\"" << l.act_format << "\",\"" << l.wgt_format << "\",\"" << l.out_format << "\","
        << l.mode << ',' << l.macs << ',' << l.cycles << ',' << l.compute_cycles << ',' << l.stall_cycles << ','
        << fixed(l.utilization, 6) << ',' << l.tiles << ',' << l.dram_read_bytes << ',' << l.dram_write_bytes << ','
        << (l.checked && l.verified ? "true" : "false") << "\n";
  }
  j["layers"] = layers;
  write_outputs(out_dir, effective_yaml(w), j, csv.str());
  out << "outputs: " << out_dir << "/{summary.json,layers.csv,effective.yaml}\n";
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
