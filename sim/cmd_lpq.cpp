// `lpsim lpq WORKLOAD.yaml`: LPQ, the genetic layer-wise LP quantizer (docs/lpq.md). Searches
// per-layer LP formats of weights and activations on calibration data (sw/lpq), runs the chosen
// configuration on the simulated accelerator (bit-exact against sw/ref, as any run) and writes
// lpq.yaml (a workload lpsim run accepts), lpq.json and report.html into an output directory.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "hw/common/config_error.hpp"
#include "hw/ctrl/tiler.hpp"
#include "hw/top/accelerator.hpp"
#include "sim/commands.hpp"
#include "sim/output/output_dir.hpp"
#include "sim/run/npy.hpp"
#include "sim/run/pipeline.hpp"
#include "sw/common/error.hpp"
#include "sw/compiler/layer_code.hpp"
#include "sw/formats/adaptivfloat_format.hpp"
#include "sw/formats/format_parse.hpp"
#include "sw/formats/int_format.hpp"
#include "sw/lpq/objectives.hpp"
#include "sw/lpq/quant_net.hpp"
#include "sw/lpq/search.hpp"

namespace lpsim::cli {
namespace {

using namespace lpsim::sim;
using lpq::Chromosome;

struct LpqOptions {
  std::string workload;
  std::string out_dir;  // "" = runs/<name>-lpq
  std::vector<std::string> sets;
  bool quiet = false;
  int threads = 0;
  bool emulated_baselines = false;  // lpq.baselines without accelerator runs
};

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

lpq::Settings settings_of(const LpqSpec& q, int threads) {
  lpq::Settings s;
  s.iterations = q.iterations;
  s.population = q.population;
  s.block = q.block;
  s.mutation_rate = q.mutation_rate;
  s.crossover_rate = q.crossover_rate;
  s.diverse = q.diverse;
  s.weight_bits = q.weight_bits;
  s.activation_bits = q.activation_bits;
  s.es_max = q.es_max;
  s.sf_range = q.sf_range;
  s.sf_samples = q.sf_samples;
  s.objective = lpq::objective_from_string(q.objective);
  s.tau = q.tau;
  s.local_weight = q.local_weight;
  s.local_layers = q.local_layers;
  s.compression = q.compression;
  s.lambda = q.lambda;
  s.seed = q.seed;
  s.threads = threads;
  return s;
}

// The calibration workload: the calibration images (or seeded synthetic ones), no labels.
Workload calibration_workload(const Workload& w) {
  Workload c = w;
  c.input.labels.clear();
  if (!w.lpq.calibration_npy.empty()) {
    const NpyArray a = read_npy(w.lpq.calibration_npy);
    if (a.shape.empty() || a.shape[0] < 1 || a.shape[0] > 4096)
      throw UserError(w.where("lpq.calibration.npy") +
                      ": lpq.calibration.npy: expected 1 to 4096 images along the first axis");
    c.input.npy = w.lpq.calibration_npy;
    c.input.batch = static_cast<int>(a.shape[0]);
    c.origin["input.npy"] = w.where("lpq.calibration.npy");
  } else {
    c.input.npy.clear();
    c.input.batch = w.lpq.calibration_count;
    c.input.seed = w.lpq.calibration_seed;
  }
  return c;
}

// Whether layer `c` tiles into the buffers at MODE `mode` with `out_bits`-bit outputs (as
// prepare() checks every run).
bool tiles(const model::Graph& g, const compiler::ComputeStep& c, const hw::AcceleratorConfig& cfg,
           hw::Dataflow df, int mode, int out_bits) {
  hw::LayerDescriptor d = compiler::layer_shape(g, c);
  d.fmt_a = hw::OperandFormat{hw::FormatFamily::lp, mode, 0, 1, 0};
  d.fmt_w = d.fmt_a;
  d.fmt_o = hw::OperandFormat{hw::FormatFamily::lp, out_bits, 0, 1, 0};
  d.mode = static_cast<std::uint32_t>(mode);
  d.dataflow = df;
  hw::ArrayConfig base;
  base.rows = cfg.rows;
  base.cols = cfg.cols;
  try {
    hw::TilerConfig t = cfg.controller().tiler;
    t.psum_bytes = hw::ArrayBackend::psum_bytes_for(base, d, cfg.datapath);
    hw::plan_tiles(d, t);
    return true;
  } catch (const hw::ConfigError&) {
    return false;
  }
}

int mode_index(int m) {
  return m == 2 ? 0 : m == 4 ? 1 : 2;
}

// Per layer and MODE {2, 4, 8}: latency (cycles) or energy (pJ) of one image on the configured
// accelerator, from the simulator's analytic model (the cost model of every run).
// A layer that cannot run at a MODE (tiling) runs at 8 in that pass, and so do the layers
// reading its output when it still cannot (its output width is theirs); such a layer's cost at
// that MODE is its cost at 8.
std::vector<std::array<double, 3>> layer_costs(const Workload& w, const lpq::QuantNet& net,
                                               const std::vector<std::string>& names,
                                               const std::string& what) {
  std::vector<std::array<double, 3>> cost(names.size(), {0, 0, 0});
  std::vector<std::array<bool, 3>> forced(names.size(), {false, false, false});
  for (int m : {8, 4, 2}) {
    Workload a = w;
    a.lpq.present = false;
    a.input = InputSpec{};
    a.accel.fidelity = hw::Fidelity::analytic;
    a.quant = QuantSpec{};
    a.quant.default_format = "lp<" + std::to_string(m) + ",0,1,0>";
    // Layers that cannot run at this MODE run at 8 (their cost at m is never used).
    for (std::size_t tries = 0;; ++tries) {
      try {
        const Prepared p = prepare(a);
        SimulateOptions so;
        so.in_process = true;
        so.check = false;
        const RunResult r = simulate(p, so);
        for (std::size_t i = 0; i < r.layers.size() && i < names.size(); ++i) {
          const std::size_t k = static_cast<std::size_t>(mode_index(m));
          cost[i][k] = forced[i][k]        ? cost[i][2]
                       : what == "latency" ? static_cast<double>(r.records[i].cycles)
                                           : r.layer_total_pj[i];
        }
        break;
      } catch (const UserError& e) {
        const std::string msg = e.what();
        const std::size_t at = msg.find("layer '");
        if (at == std::string::npos || tries > 2 * names.size()) throw;
        const std::size_t end = msg.find('\'', at + 7);
        const std::string name = msg.substr(at + 7, end - at - 7);
        const auto it = std::find(names.begin(), names.end(), name);
        if (it == names.end()) throw;
        const std::size_t l = static_cast<std::size_t>(it - names.begin());
        std::vector<std::size_t> set{l};
        if (a.quant.layers.count(name))  // already at 8: its output width is its readers'
          set = net.consumer_layers(l);
        for (std::size_t s : set) {
          a.quant.layers[names[s]] = "lp<8,0,1,0>";
          forced[s][static_cast<std::size_t>(mode_index(m))] = true;
        }
      }
    }
  }
  return cost;
}

std::string lp_text(const fmt::LpParams& p) {
  return fmt::lp_name(p);
}

// ---- report.html (inline SVG) ------------------------------------------------------------

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s)
    o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
  return o;
}

struct Frame {
  double x0, x1, y0, y1;
  int w = 560, h = 260, left = 60, bottom = 40, top = 20, right = 20;
  double X(double x) const {
    return left + (x - x0) / (x1 - x0 > 0 ? x1 - x0 : 1) * (w - left - right);
  }
  double Y(double y) const {
    return h - bottom - (y - y0) / (y1 - y0 > 0 ? y1 - y0 : 1) * (h - bottom - top);
  }
  std::string axes(const std::string& xl, const std::string& yl) const {
    std::ostringstream s;
    s << "<line x1='" << left << "' y1='" << h - bottom << "' x2='" << w - right << "' y2='"
      << h - bottom << "' stroke='#333'/><line x1='" << left << "' y1='" << top << "' x2='" << left
      << "' y2='" << h - bottom << "' stroke='#333'/>";
    for (int i = 0; i <= 4; ++i) {
      const double xv = x0 + (x1 - x0) * i / 4, yv = y0 + (y1 - y0) * i / 4;
      s << "<text x='" << X(xv) << "' y='" << h - bottom + 14
        << "' font-size='10' text-anchor='middle'>" << fixed(xv, std::fabs(x1 - x0) < 10 ? 2 : 0)
        << "</text>";
      s << "<text x='" << left - 4 << "' y='" << Y(yv) + 3 << "' font-size='10' text-anchor='end'>"
        << fixed(yv, std::fabs(y1 - y0) < 10 ? 3 : 0) << "</text>";
    }
    s << "<text x='" << (left + w - right) / 2 << "' y='" << h - 6
      << "' font-size='11' text-anchor='middle'>" << esc(xl) << "</text><text x='12' y='"
      << (top + h - bottom) / 2 << "' font-size='11' transform='rotate(-90 12 "
      << (top + h - bottom) / 2 << ")' text-anchor='middle'>" << esc(yl) << "</text>";
    return s.str();
  }
  std::string open() const {
    return "<svg xmlns='http://www.w3.org/2000/svg' width='" + std::to_string(w) + "' height='" +
           std::to_string(h) + "'>";
  }
};

struct ReportData {
  std::string name;
  std::vector<std::string> layers;
  std::vector<double> history;
  std::vector<lpq::Result::Evaluated> evaluated;
  Chromosome best;
  const lpq::QuantNet* net = nullptr;
  nlohmann::json summary;
};

std::string report_html(const ReportData& d) {
  std::ostringstream h;
  h << "<!DOCTYPE html><html><head><meta charset='utf-8'><title>lpsim lpq: " << esc(d.name)
    << "</title><style>body{font-family:sans-serif;margin:20px}table{border-collapse:collapse}"
       "td,th{border:1px solid #ccc;padding:2px "
       "8px;text-align:right}figure{display:inline-block;margin:8px}"
       "</style></head><body><h1>LPQ: "
    << esc(d.name) << "</h1><table>";
  for (const char* k : {"fp32_top1", "lpq_top1", "verified", "avg_weight_bits",
                        "avg_activation_bits", "best_fitness"})
    if (d.summary.contains(k))
      h << "<tr><th>" << k << "</th><td>" << esc(d.summary[k].dump()) << "</td></tr>";
  h << "</table>";

  // Fitness per iteration.
  {
    double lo = d.history.front(), hi = d.history.front();
    for (double v : d.history) lo = std::min(lo, v), hi = std::max(hi, v);
    Frame f{0, static_cast<double>(std::max<std::size_t>(1, d.history.size() - 1)), lo,
            hi > lo ? hi : lo + 1e-9};
    h << "<figure><figcaption>best fitness L_F per iteration</figcaption>" << f.open()
      << f.axes("iteration", "L_F")
      << "<polyline fill='none' stroke='#1f77b4' stroke-width='2' points='";
    for (std::size_t i = 0; i < d.history.size(); ++i)
      h << f.X(static_cast<double>(i)) << "," << f.Y(d.history[i]) << " ";
    h << "'/></svg></figure>";
  }
  // Chosen bits per layer.
  {
    Frame f{0, static_cast<double>(d.layers.size()), 0, 8};
    f.bottom = 70;
    h << "<figure><figcaption>chosen bits per layer (blue: weights, orange: "
         "activations)</figcaption>"
      << f.open() << f.axes("", "bits");
    const double bw = (f.X(1) - f.X(0)) / 3;
    for (std::size_t l = 0; l < d.layers.size(); ++l) {
      const double x = f.X(static_cast<double>(l)) + bw * 0.5;
      h << "<rect x='" << x << "' y='" << f.Y(d.best[l].w.n) << "' width='" << bw << "' height='"
        << f.Y(0) - f.Y(d.best[l].w.n) << "' fill='#1f77b4'/><rect x='" << x + bw << "' y='"
        << f.Y(d.best[l].a.n) << "' width='" << bw << "' height='" << f.Y(0) - f.Y(d.best[l].a.n)
        << "' fill='#ff7f0e'/>"
        << "<text font-size='9' transform='translate(" << x + bw << "," << f.h - f.bottom + 26
        << ") rotate(30)'>" << esc(d.layers[l]) << "</text>";
    }
    h << "</svg></figure>";
  }
  // Accuracy vs bits of the evaluated candidates.
  {
    Frame f{0, 8.5, 0, 100};
    h << "<figure><figcaption>evaluated candidates: top-1 agreement with FP32 on the calibration "
         "batch vs "
         "average weight bits</figcaption>"
      << f.open() << f.axes("average weight bits", "agreement %");
    for (const auto& e : d.evaluated)
      if (std::isfinite(e.e.fitness))
        h << "<circle cx='" << f.X(e.e.weight_bits) << "' cy='" << f.Y(100 * e.e.agreement)
          << "' r='2.5' fill='#2ca02c' fill-opacity='0.5'/>";
    h << "</svg></figure>";
  }
  // Each layer's weight histogram with the chosen format's representable values (Figure 1a).
  h << "<h2>Weights and the chosen formats' values</h2>";
  for (std::size_t l = 0; l < d.layers.size(); ++l) {
    const std::vector<float>& wt = d.net->layer_node(l).weights;
    if (wt.empty()) continue;
    float m = 0;
    for (float v : wt) m = std::max(m, std::fabs(v));
    if (m <= 0) m = 1;
    constexpr int kBins = 60;
    std::vector<int> bins(kBins, 0);
    for (float v : wt)
      bins[static_cast<std::size_t>(
          std::min(kBins - 1, static_cast<int>((v + m) / (2 * m) * kBins)))]++;
    const int top = *std::max_element(bins.begin(), bins.end());
    Frame f{-m, m, 0, static_cast<double>(top)};
    f.w = 420;
    f.h = 200;
    h << "<figure><figcaption>" << esc(d.layers[l]) << ": weights " << esc(lp_text(d.best[l].w))
      << " (red: representable values)</figcaption>" << f.open() << f.axes("weight", "count");
    for (int b = 0; b < kBins; ++b) {
      const double x0 = -m + 2.0 * m * b / kBins, x1 = -m + 2.0 * m * (b + 1) / kBins;
      h << "<rect x='" << f.X(x0) << "' y='" << f.Y(bins[static_cast<std::size_t>(b)])
        << "' width='" << f.X(x1) - f.X(x0) << "' height='"
        << f.Y(0) - f.Y(bins[static_cast<std::size_t>(b)]) << "' fill='#9ecae1'/>";
    }
    const fmt::LpFormat fmt(d.best[l].w);
    for (fmt::Code c = 0; c < (fmt::Code{1} << d.best[l].w.n); ++c) {
      if (c == fmt.nar()) continue;
      const double v = fmt.decode(c);
      if (std::fabs(v) <= m)
        h << "<line x1='" << f.X(v) << "' x2='" << f.X(v) << "' y1='" << f.Y(0) << "' y2='"
          << f.Y(top) << "' stroke='#d62728' stroke-width='1'/>";
    }
    h << "</svg></figure>";
  }
  h << "<h2>Formats per "
       "layer</h2><table><tr><th>layer</th><th>weights</th><th>activations</th><th>MODE</th></tr>";
  for (std::size_t l = 0; l < d.layers.size(); ++l)
    h << "<tr><td>" << esc(d.layers[l]) << "</td><td>" << esc(lp_text(d.best[l].w)) << "</td><td>"
      << esc(lp_text(d.best[l].a)) << "</td><td>" << lpq::layer_mode(d.best[l]) << "</td></tr>";
  h << "</table></body></html>\n";
  return h.str();
}

// ---- baselines ----------------------------------------------------------------------------

struct Baseline {
  std::string name;
  double weight_bits;
  std::vector<lpq::LayerQuant> q;  // the emulated (fake-quantized float) pass
  // The same formats as the accelerator runs them, per layer: weights and activations texts
  // with every scale / sf / exp_min chosen on the calibration batch.
  std::vector<std::string> w_text, a_text;
};

std::string num_text(double v) {
  std::ostringstream s;
  s << std::setprecision(17) << v;
  return s.str();
}

// The uniform baselines (docs/lpq.md): weights in one format per tensor (INT: per output
// channel), activations 8-bit of the same family, calibrated on the calibration batch's FP32
// layer inputs `acts`.
std::vector<Baseline> baselines(const lpq::QuantNet& net,
                                const std::vector<std::vector<float>>& acts,
                                const std::vector<std::vector<float>>& outs) {
  std::vector<Baseline> out;
  const std::size_t L = net.layers();
  auto fitted = [](const std::string& text, const std::vector<float>& x) {
    lpq::Quantizer q;
    q.kind = lpq::Quantizer::Kind::format;
    q.format = fmt::parse_format(text, x.data(), x.size());
    return q;
  };
  for (int bits : {8, 4, 3, 2}) {
    Baseline b{"int" + std::to_string(bits) + " per-channel", static_cast<double>(bits), {}, {}, {}};
    for (std::size_t l = 0; l < L; ++l) {
      lpq::LayerQuant lq;
      lq.w.kind = lpq::Quantizer::Kind::int_channel;
      lq.w.bits = bits;
      const std::vector<float>& w = net.layer_node(l).weights;
      lq.w.channel_scale = lpq::int_channel_scales(w, net.layer_node(l).weight_shape.at(0), bits);
      lq.a = fitted("int:8", acts[l]);
      lq.o = fitted("int:8", outs[l]);
      b.q.push_back(lq);
      b.w_text.push_back("int:" + std::to_string(bits) + ",channel");
      b.a_text.push_back("int:8," + num_text(fmt::IntFormat::fit_scale(8, acts[l].data(), acts[l].size())));
    }
    out.push_back(b);
  }
  {
    Baseline b{"posit<8,2>", 8, {}, {}, {}};
    for (std::size_t l = 0; l < L; ++l) {
      b.q.push_back({fitted("posit:8,2", {}), fitted("posit:8,2", {}), {}});
      b.w_text.push_back("posit:8,2");
      b.a_text.push_back("posit:8,2");
    }
    out.push_back(b);
  }
  {
    Baseline b{"af<8,3> (AdaptivFloat)", 8, {}, {}, {}};
    auto text = [](const lpq::Quantizer& q) {
      const auto* af = dynamic_cast<const fmt::AdaptivFloatFormat*>(q.format.get());
      return "af:8,3," + std::to_string(af->params().exp_min);
    };
    for (std::size_t l = 0; l < L; ++l) {
      b.q.push_back({fitted("af:8,3", net.layer_node(l).weights), fitted("af:8,3", acts[l]),
                     fitted("af:8,3", outs[l])});
      b.w_text.push_back(text(b.q.back().w));
      b.a_text.push_back(text(b.q.back().a));
    }
    out.push_back(b);
  }
  for (const fmt::LpParams& p : {fmt::LpParams{8, 2, 3, 0}, fmt::LpParams{4, 0, 2, 0},
                                 fmt::LpParams{3, 0, 2, 0}, fmt::LpParams{2, 0, 1, 0}}) {
    Baseline b{"lp<" + std::to_string(p.n) + "," + std::to_string(p.es) + "," +
                   std::to_string(p.rs) + ",best sf> per tensor",
               static_cast<double>(p.n),
               {}, {}, {}};
    for (std::size_t l = 0; l < L; ++l) {
      fmt::LpParams w = p, a{8, 2, 3, 0};
      w.sf = lpq::best_sf(p.n, p.es, p.rs, net.layer_node(l).weights);
      a.sf = lpq::best_sf(8, 2, 3, acts[l]);
      b.q.push_back({lpq::Quantizer::of_lp(w), lpq::Quantizer::of_lp(a), {}});
      b.w_text.push_back(lp_text(w));
      b.a_text.push_back(lp_text(a));
    }
    out.push_back(b);
  }
  return out;
}

int run_lpq(const LpqOptions& opt, std::ostream& out) {
  const auto wall0 = std::chrono::steady_clock::now();
  const Workload w = load_workload(opt.workload, opt.sets);
  if (!w.lpq.present)
    throw UserError(opt.workload +
                    ": the workload has no 'lpq:' section (the LPQ settings, docs/lpq.md)");
  if (opt.threads < 0 || opt.threads > 1024)
    throw UserError("--threads: must be 0 (every core) to 1024");
  const std::string out_dir = opt.out_dir.empty() ? "runs/" + w.name + "-lpq" : opt.out_dir;
  OutputDir output(out_dir, "lpq");

  // Calibration: the FP32 network on the calibration images.
  const Prepared calib = prepare(calibration_workload(w));
  const model::Graph& g = *calib.graph;
  if (g.inputs().size() != 1 || g.outputs().size() != 1)
    throw UserError(w.file + ": lpq needs a model with one input and one output");
  const lpq::QuantNet net(g);
  const model::FloatTensor& calib_x = calib.inputs.at(g.inputs()[0]);
  std::vector<std::string> names;
  for (std::size_t l = 0; l < net.layers(); ++l) names.push_back(net.layer_name(l));

  // Which MODE / output width each layer can run at (tiling), and the cost model.
  std::vector<std::array<std::array<bool, 3>, 3>> fits(net.layers());
  {
    std::size_t l = 0;
    for (const compiler::Step& s : calib.program.steps) {
      if (!s.compute) continue;
      for (int m : {2, 4, 8})
        for (int o : {2, 4, 8})
          fits[l][static_cast<std::size_t>(mode_index(m))]
              [static_cast<std::size_t>(mode_index(o))] =
                  tiles(g, s.layer, calib.config, w.dataflow, m, o);
      ++l;
    }
  }
  const lpq::Settings settings = settings_of(w.lpq, opt.threads);
  std::vector<std::array<double, 3>> cost;
  if (settings.compression != "bits") cost = layer_costs(w, net, names, settings.compression);
  const lpq::Problem problem(net, calib_x, settings, cost, [&fits](std::size_t l, int m, int o) {
    return fits[l][static_cast<std::size_t>(mode_index(m))]
               [static_cast<std::size_t>(mode_index(o))];
  });

  // The search, with a progress line on a terminal.
  const bool progress = !opt.quiet && isatty(STDERR_FILENO);
  const auto t0 = std::chrono::steady_clock::now();
  const lpq::Result res = lpq::search(problem, [&](int it, double best) {
    if (!progress) return;
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int n = std::max(1, settings.iterations);
    const int done = std::min(it, n);
    const double eta = it > 0 ? el / it * (n - it) : 0;
    const int bar = 30 * done / n;
    std::cerr << "\rlpq: [" << std::string(static_cast<std::size_t>(bar), '#')
              << std::string(static_cast<std::size_t>(30 - bar), '.') << "] " << it << "/" << n
              << "  best L_F " << fixed(best, 5) << "  ETA " << fixed(eta, 0) << " s   "
              << std::flush;
  });
  if (progress) std::cerr << "\n";
  if (!std::isfinite(res.best_eval.fitness))
    throw UserError(w.file +
                    ": lpq: no candidate could run on this accelerator (every one failed to tile)");

  // The chosen configuration as a workload; it runs on the accelerator (checked bit-exactly).
  Workload chosen = w;
  chosen.quant.layers.clear();
  chosen.quant.layer_weights.clear();
  for (std::size_t l = 0; l < names.size(); ++l) {
    chosen.quant.layers[names[l]] = lp_text(res.best[l].a);
    chosen.quant.layer_weights[names[l]] = lp_text(res.best[l].w);
  }
  const std::string lpq_yaml = effective_yaml(chosen);
  const Prepared run = prepare(chosen);
  const RunResult r = simulate(run, SimulateOptions{});  // a worker process

  nlohmann::json j;
  j["workload"] = w.name;
  j["calibration_images"] = calib_x.shape.empty() ? 0 : calib_x.shape[0];
  j["evaluated_images"] = w.input.batch;
  if (r.accuracy.top1_fp32 >= 0) {
    j["fp32_top1"] = r.accuracy.top1_fp32;
    j["lpq_top1"] = r.accuracy.top1_accelerator;
  } else {
    j["fp32_top1"] = nullptr;
    j["lpq_top1"] = nullptr;
  }
  j["top1_agreement"] = r.accuracy.top1_agreement;
  j["verified"] = r.verified;
  j["avg_weight_bits"] = res.best_eval.weight_bits;
  j["avg_activation_bits"] = res.best_eval.activation_bits;
  j["best_fitness"] = res.best_eval.fitness;
  j["l_co"] = res.best_eval.l_co;
  j["l_cr"] = res.best_eval.l_cr;
  j["objective"] = w.lpq.objective;
  j["compression"] = w.lpq.compression;
  j["lambda"] = w.lpq.lambda;
  j["seed"] = w.lpq.seed;
  j["evaluated_candidates"] = res.evaluated.size();
  j["latency_ms"] = r.latency_ms;
  j["energy_pj"] = r.energy_pj;
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t l = 0; l < names.size(); ++l)
    layers.push_back({{"name", names[l]},
                      {"weights", lp_text(res.best[l].w)},
                      {"activations", lp_text(res.best[l].a)},
                      {"mode", lpq::layer_mode(res.best[l])},
                      {"parameters", net.weight_count(l)}});
  j["layers"] = layers;
  j["fitness_history"] = res.history;

  // Baselines and the emulated top-1 on the labelled input (fake-quantized float pass).
  if (w.lpq.baselines) {
    if (run.labels.empty())
      throw UserError(w.where("lpq.baselines") +
                      ": lpq.baselines: needs input.labels (the labelled images)");
    const lpq::QuantNet test(*run.graph);
    const model::FloatTensor& x = run.inputs.at(run.graph->inputs()[0]);
    std::vector<std::vector<float>> acts, outs;
    net.run(calib_x, nullptr, {}, &acts, &outs);
    auto top1 = [&](const std::vector<lpq::LayerQuant>* q) {
      const lpq::QuantNet::Output o = test.run(x, q);
      return lpq::top1_percent(o.out, o.batch, o.classes, run.labels);
    };
    nlohmann::json b = nlohmann::json::array();
    const std::vector<lpq::LayerQuant> chosen_q = problem.quantizers(res.best);
    j["lpq_top1_emulated"] = top1(&chosen_q);
    j["fp32_top1_emulated"] = top1(nullptr);
    for (const Baseline& base : baselines(net, acts, outs)) {
      nlohmann::json e = {{"name", base.name},
                          {"weight_bits", base.weight_bits},
                          {"top1_emulated", top1(&base.q)}};
      // On the accelerator when it has the PE type and MODE (verified like any run), else the
      // emulated figure with the reason.
      Workload bw = w;
      bw.quant.layers.clear();
      bw.quant.layer_weights.clear();
      for (std::size_t l = 0; l < names.size(); ++l) {
        bw.quant.layers[names[l]] = base.a_text[l];
        bw.quant.layer_weights[names[l]] = base.w_text[l];
      }
      auto emulated = [&](const std::string& why) {
        e["top1"] = e["top1_emulated"];
        e["run"] = "emulated";
        e["why_emulated"] = why;
      };
      if (opt.emulated_baselines) {
        emulated("--emulated-baselines");
      } else {
        try {
          const RunResult br = simulate(prepare(bw), SimulateOptions{});
          e["top1"] = br.accuracy.top1_accelerator;
          e["run"] = "accelerator";
          e["verified"] = br.verified;
        } catch (const UserError& err) {
          // The accelerator has no PE type or MODE for the format: its reason, without the
          // workload / key prefix.
          const std::string why = err.what();
          const std::size_t f = why.rfind(": format '");
          emulated(f == std::string::npos ? why : why.substr(f + 2));
        }
      }
      b.push_back(e);
    }
    j["baselines"] = b;
  }

  ReportData rd;
  rd.name = w.name;
  rd.layers = names;
  rd.history = res.history;
  rd.evaluated = res.evaluated;
  rd.best = res.best;
  rd.net = &net;
  rd.summary = j;
  output.write_file("lpq.yaml", "# lpsim lpq " + opt.workload +
                                    ": the workload with the formats LPQ found\n" + lpq_yaml);
  output.write_file("lpq.json", j.dump(2) + "\n");
  output.write_file("report.html", report_html(rd));
  output.commit();

  out << "lpq: " << w.name << ", " << names.size() << " accelerator layers, "
      << res.evaluated.size() << " candidates evaluated on " << j["calibration_images"]
      << " calibration images (objective " << w.lpq.objective << ", compression "
      << w.lpq.compression << ", lambda " << w.lpq.lambda << ", seed " << w.lpq.seed << ")\n";
  out << std::left << std::setw(28) << "layer" << std::setw(18) << "weights" << std::setw(18)
      << "activations"
      << "MODE\n";
  for (std::size_t l = 0; l < names.size(); ++l)
    out << std::left << std::setw(28) << names[l] << std::setw(18) << lp_text(res.best[l].w)
        << std::setw(18) << lp_text(res.best[l].a) << lpq::layer_mode(res.best[l]) << "\n";
  out << "average bits: weights " << fixed(res.best_eval.weight_bits, 3) << ", activations "
      << fixed(res.best_eval.activation_bits, 3) << "; best L_F " << fixed(res.best_eval.fitness, 5)
      << "\n";
  if (r.accuracy.top1_fp32 >= 0)
    out << "top-1 on the labelled input: fp32 " << fixed(r.accuracy.top1_fp32, 1)
        << "%, lpq (accelerator) " << fixed(r.accuracy.top1_accelerator, 1) << "%\n";
  else
    out << "top-1 agreement with FP32 (accelerator): " << fixed(100 * r.accuracy.top1_agreement, 1)
        << "%\n";
  if (j.contains("baselines"))
    for (const auto& b : j["baselines"])
      out << "  baseline " << std::left << std::setw(28) << b["name"].get<std::string>()
          << " weights " << b["weight_bits"].get<double>() << " bits: top-1 "
          << fixed(b["top1"].get<double>(), 1) << "% ("
          << (b["run"] == "accelerator"
                  ? std::string(b["verified"].get<bool>() ? "accelerator, verified" : "accelerator, NOT verified")
                  : "emulated: " + b["why_emulated"].get<std::string>())
          << ")\n";
  out << "verified: "
      << (r.verified ? "yes (every layer bit-exact against the reference)"
                     : "NO: " + r.first_mismatch)
      << "\n";
  out << "outputs: " << out_dir << "/{lpq.yaml,lpq.json,report.html,lpsim-run.json}\n"
      << std::flush;
  if (!opt.quiet) {
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    std::cerr << "lpsim: lpq took " << fixed(wall, 2) << " s\n";
  }
  return r.verified ? 0 : 1;
}

}  // namespace

void add_lpq_command(CLI::App& app) {
  auto opt = std::make_shared<LpqOptions>();
  auto* cmd = app.add_subcommand(
      "lpq",
      "LPQ: search per-layer LP formats of weights and activations (genetic, docs/lpq.md), run the "
      "chosen configuration on the accelerator, write lpq.yaml, lpq.json, report.html");
  cmd->add_option("workload", opt->workload, "workload file with an lpq: section (docs/lpq.md)")
      ->required();
  cmd->add_option("--out,-o", opt->out_dir, "output directory (default runs/<workload name>-lpq)");
  cmd->add_option("--set", opt->sets, "override a key: dotted.key=value (repeatable)");
  cmd->add_option("--threads", opt->threads,
                  "evaluation threads (0 = every core; results do not depend on it)");
  cmd->add_flag("--quiet,-q", opt->quiet, "no progress or timing on stderr");
  cmd->add_flag("--emulated-baselines", opt->emulated_baselines,
                "lpq.baselines: the fake-quantized float pass only (no accelerator runs; faster)");
  cmd->callback([opt] {
    const int rc = run_lpq(*opt, std::cout);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace lpsim::cli
