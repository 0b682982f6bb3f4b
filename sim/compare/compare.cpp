// `lpsim compare` (see compare.hpp): PE types, their formats, the paper's figures, the runs and
// the CSV and console renderings.
#include "sim/compare/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "sw/common/error.hpp"
#include "traces/compare_report.hpp"
#include "traces/csv_writer.hpp"

namespace lpsim::sim::compare {

// The PE types and their formats (docs/paper-comparison.md, "How each PE type's formats are
// chosen"). The baselines follow the paper's evaluation set-up (the ANT simulator: 8/4-bit
// high/low precision): mixed-precision designs run the first and last accelerator layers at
// 8 bits and every other layer at 4 bits; 8-bit designs run 8 bits everywhere.
const std::vector<PeType>& pe_types() {
  static const std::vector<PeType> kTypes = {
      {"lp", "LPA: LP PE, the workload's own quantization (e.g. LPQ's lpq.yaml)", "", "", true},
      {"ant", "ANT: int or flint chosen per tensor, 8-bit first/last layer, 4-bit elsewhere",
       "ant:8", "ant:4", true},
      {"bitfusion", "BitFusion-style fused INT PE: INT8 first/last layer, INT4 elsewhere", "int8",
       "int4", true},
      {"adaptivfloat", "AdaptivFloat-8 everywhere (3 exponent bits, exponent bias per tensor)",
       "af:8,3", "", true},
      {"posit", "posit-8 (es = 1) everywhere", "posit:8,1", "", true},
      {"int", "INT8 everywhere on the INT PE (per-tensor pow-2 scale)", "int8", "", false},
      {"fp8", "FP8 E4M3 everywhere", "fp8_e4m3", "", false},
      {"posit-mixed", "posit 2/4/8 PE with the 8/4 rule: posit-8 first/last, posit-4 elsewhere",
       "posit:8,1", "posit:4,1", false},
      {"lp-mixed", "LP PE with the 8/4 rule: LP<8,2,3,0> first/last, LP<4,1,3,auto> elsewhere",
       "lp<8,2,3,0>", "lp<4,1,3,auto>", false},
  };
  return kTypes;
}

std::string default_pe_list() {
  std::string s;
  for (const PeType& t : pe_types())
    if (t.in_default) s += (s.empty() ? "" : ",") + t.name;
  return s;
}

std::vector<PeType> parse_pe_list(const std::string& text) {
  std::string known;
  for (const PeType& t : pe_types()) known += (known.empty() ? "" : ", ") + t.name;
  std::vector<PeType> out;
  std::set<std::string> seen;
  std::stringstream in(text);
  std::string name;
  if (text.empty()) throw UserError("--pe: empty list (known PE types: " + known + ")");
  while (std::getline(in, name, ',')) {
    const auto it = std::find_if(pe_types().begin(), pe_types().end(),
                                 [&](const PeType& t) { return t.name == name; });
    if (name.empty())
      throw UserError("--pe " + text + ": empty name in the list (known PE types: " + known + ")");
    if (it == pe_types().end())
      throw UserError("--pe " + text + ": unknown PE type '" + name + "' (known: " + known + ")");
    if (!seen.insert(name).second)
      throw UserError("--pe " + text + ": '" + name + "' is listed twice");
    out.push_back(*it);
  }
  if (!text.empty() && text.back() == ',')
    throw UserError("--pe " + text + ": empty name in the list (known PE types: " + known + ")");
  return out;
}

std::string paper_model(const Workload& w) {
  if (w.source != ModelSource::Zoo) return "";
  if (w.model != "resnet50" && w.model != "vit_b16") return "";
  const ZooSpec& z = w.zoo;
  if ((z.input_size != 0 && z.input_size != 224) || z.width_divisor != 1 || z.max_blocks != 0 ||
      z.num_classes != 1000)
    return "";
  return w.model;
}

Workload workload_for(const Workload& base, const PeType& pe,
                      const std::vector<std::string>& layers) {
  Workload w = base;
  if (pe.high.empty()) return w;  // the workload's own quantization
  w.quant = QuantSpec{};
  w.quant.default_format = pe.low.empty() ? pe.high : pe.low;
  if (!pe.low.empty() && !layers.empty()) {
    w.quant.layers[layers.front()] = pe.high;
    w.quant.layers[layers.back()] = pe.high;
  }
  return w;
}

std::vector<std::string> accelerator_layers(const Workload& w) {
  Workload a = w;
  a.accel.fidelity = hw::Fidelity::analytic;
  const Prepared p = prepare(a);
  std::vector<std::string> names;
  for (const compiler::Step& s : p.program.steps)
    if (s.compute) names.push_back(s.layer.node->name);
  return names;
}

namespace {

std::string rule_text(const PeType& pe, const Workload& base) {
  if (pe.high.empty()) {
    std::string s = base.quant.default_format;
    if (!base.quant.default_weights.empty() && base.quant.default_weights != s)
      s = "w " + base.quant.default_weights + " / a " + s;
    const std::size_t n = base.quant.layers.size();
    if (n) s += " (+" + std::to_string(n) + " per-layer)";
    return s;
  }
  if (pe.low.empty()) return pe.high;
  return pe.high + " first/last, " + pe.low + " others";
}

std::string fixed(double v, int d) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(d) << v;
  return s.str();
}

std::string opt_num(const std::optional<double>& v) {
  return v ? traces::csv_number(*v) : std::string();
}

}  // namespace

Comparison run_compare(const Workload& base, const CompareOptions& opt) {
  Comparison c;
  c.workload = base.name;
  c.model = base.source == ModelSource::Zoo ? base.model : std::string();
  c.paper_model = paper_model(base);
  const hw::AcceleratorConfig& a = base.accel;
  c.setup = std::to_string(a.rows) + "x" + std::to_string(a.cols) + " " +
            hw::to_string(base.dataflow) + ", " + hw::to_string(a.fidelity) + " fidelity, " +
            fixed(a.clock_mhz, 0) + " MHz, buffers W/I/O " + std::to_string(a.weight_kb) + "/" +
            std::to_string(a.input_kb) + "/" + std::to_string(a.output_kb) + " KB, DRAM " +
            std::to_string(a.dram_bytes_per_cycle) + " B/cycle";

  // Every PE type's workload checked first (formats, tiling): bad input fails before any
  // simulation, and the rows' workloads are known.
  const std::vector<std::string> layers = accelerator_layers(base);
  std::vector<Workload> ws;
  std::vector<std::size_t> raised(opt.pes.size(), 0);
  for (std::size_t i = 0; i < opt.pes.size(); ++i) {
    const PeType& pe = opt.pes[i];
    Workload w = workload_for(base, pe, layers);
    // A low-precision layer that cannot be tiled at its width (e.g. a 4-bit GEMM whose group
    // width is not a whole number of bytes) runs at the high precision instead, as LPQ does.
    for (std::size_t tries = 0;; ++tries) {
      try {
        Workload probe = w;
        probe.accel.fidelity = hw::Fidelity::analytic;
        (void)prepare(probe, opt.tables, opt.energy_file);
        break;
      } catch (const UserError& e) {
        const std::string msg = e.what();
        const std::size_t at = msg.find("layer '");
        const std::size_t end = at == std::string::npos ? at : msg.find('\'', at + 7);
        const std::string name = end == std::string::npos ? "" : msg.substr(at + 7, end - at - 7);
        const bool retry = !pe.low.empty() && tries <= layers.size() &&
                           msg.find("cannot be tiled") != std::string::npos &&
                           std::find(layers.begin(), layers.end(), name) != layers.end() &&
                           w.quant.layers.count(name) == 0;
        if (!retry) throw UserError("--pe " + pe.name + ": " + rule_text(pe, base) + ": " + msg);
        w.quant.layers[name] = pe.high;
        ++raised[i];
      }
    }
    ws.push_back(std::move(w));
  }

  for (std::size_t i = 0; i < opt.pes.size(); ++i) {
    const PeType& pe = opt.pes[i];
    if (opt.progress) opt.progress(i, pe.name, false);
    Row row;
    row.pe = pe;
    row.formats = rule_text(pe, base);
    if (raised[i])
      row.formats += " (" + std::to_string(raised[i]) + " more at " + pe.high +
                     ": cannot be tiled at the low width)";
    try {
      const Prepared p = prepare(ws[i], opt.tables, opt.energy_file);
      SimulateOptions so;
      so.check = opt.check;
      row.result = simulate(p, so);  // a worker process per PE type
    } catch (const UserError& e) {
      throw UserError("--pe " + pe.name + ": " + e.what());
    }
    row.uniform8 = std::all_of(row.result.records.begin(), row.result.records.end(),
                               [](const LayerRecord& r) { return r.mode == 8; });
    row.paper = paper_figures(pe.name, c.paper_model, row.uniform8);
    c.rows.push_back(std::move(row));
    if (opt.progress) opt.progress(i, pe.name, true);
  }

  // Normalised to AdaptivFloat = 1 (the paper's reference), else to the first row.
  const auto ref = std::find_if(c.rows.begin(), c.rows.end(),
                                [](const Row& r) { return r.pe.name == "adaptivfloat"; });
  const Row* r0 = ref != c.rows.end() ? &*ref : (c.rows.empty() ? nullptr : &c.rows.front());
  if (r0) {
    c.norm_to = r0->pe.name;
    for (Row& r : c.rows) {
      r.latency_norm = r0->result.latency_ms > 0 ? r.result.latency_ms / r0->result.latency_ms : -1;
      r.energy_norm = r0->result.energy_pj > 0 ? r.result.energy_pj / r0->result.energy_pj : -1;
    }
  }
  return c;
}

namespace {

std::string modes_text(const RunResult& r) {
  std::map<int, int, std::greater<int>> n;
  for (const LayerRecord& rec : r.records) ++n[rec.mode];
  std::string s;
  for (const auto& [m, k] : n)
    s += (s.empty() ? "" : " ") + std::to_string(m) + "b:" + std::to_string(k);
  return s;
}

}  // namespace

const std::vector<std::string>& csv_columns() {
  static const std::vector<std::string> kColumns = {"pe",
                                                    "formats",
                                                    "layer_modes",
                                                    "total_cycles",
                                                    "latency_ms",
                                                    "energy_pj",
                                                    "latency_norm",
                                                    "energy_norm",
                                                    "norm_to",
                                                    "macs",
                                                    "effective_tops",
                                                    "compute_area_mm2",
                                                    "area_mm2",
                                                    "tops_per_mm2",
                                                    "tops_per_w",
                                                    "rmse_vs_fp32",
                                                    "cosine_vs_fp32",
                                                    "top1_agreement",
                                                    "top1_fp32",
                                                    "top1",
                                                    "verified",
                                                    "paper_design",
                                                    "paper_latency_norm",
                                                    "paper_energy_norm",
                                                    "paper_compute_area_mm2",
                                                    "paper_gops",
                                                    "paper_ablation",
                                                    "paper_tops_per_mm2",
                                                    "paper_top1"};
  return kColumns;
}

std::vector<std::vector<std::string>> csv_cells(const Comparison& c) {
  std::vector<std::vector<std::string>> out;
  for (const Row& row : c.rows) {
    const RunResult& r = row.result;
    const bool values = !r.analytic();
    const Accuracy& acc = r.accuracy;
    out.push_back(
        {row.pe.name,
         row.formats,
         modes_text(r),
         traces::csv_number(r.cycles),
         traces::csv_number(r.latency_ms),
         traces::csv_number(r.energy_pj),
         row.latency_norm >= 0 ? traces::csv_number(row.latency_norm) : "",
         row.energy_norm >= 0 ? traces::csv_number(row.energy_norm) : "",
         c.norm_to,
         traces::csv_number(r.macs),
         traces::csv_number(r.tops),
         traces::csv_number(r.pe_area_mm2),
         traces::csv_number(r.area_mm2),
         traces::csv_number(r.compute_tops_per_mm2),
         traces::csv_number(r.tops_per_w),
         values ? traces::csv_number(acc.rmse) : "",
         values ? traces::csv_number(acc.cosine) : "",
         values && acc.top1_agreement >= 0 ? traces::csv_number(acc.top1_agreement) : "",
         values && acc.top1_fp32 >= 0 ? traces::csv_number(acc.top1_fp32) : "",
         values && acc.top1_accelerator >= 0 ? traces::csv_number(acc.top1_accelerator) : "",
         !values || !r.checked ? ""
         : r.verified          ? "yes"
                               : "no",
         row.paper.label,
         opt_num(row.paper.latency_norm),
         opt_num(row.paper.energy_norm),
         opt_num(row.paper.compute_area_mm2),
         opt_num(row.paper.gops),
         row.paper.ablation,
         opt_num(row.paper.tops_per_mm2),
         opt_num(row.paper.top1)});
  }
  return out;
}

std::string compare_csv(const Comparison& c) {
  std::ostringstream os;
  traces::CsvWriter csv(os, csv_columns());
  csv.quote_always({"formats"});
  for (const auto& cells : csv_cells(c)) csv.row(cells);
  return os.str();
}

namespace {

std::string pad(const std::string& s, std::size_t w, bool right) {
  if (s.size() >= w) return s;
  return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
}

std::string norm_cell(double v, const std::optional<double>& paper) {
  std::string s = v >= 0 ? fixed(v, 2) : "-";
  s += " (" + (paper ? fixed(*paper, 2) : std::string("-")) + ")";
  return s;
}

}  // namespace

std::string console_table(const Comparison& c) {
  std::ostringstream o;
  const std::vector<std::pair<std::string, bool>> head = {
      {"pe", false},     {"cycles", true}, {"latency_ms", true}, {"energy_mJ", true},
      {"latency", true}, {"energy", true}, {"area_mm2", true},   {"TOPS/mm2", true},
      {"TOPS/W", true},  {"rmse", true},   {"cosine", true},     {"top-1", true},
      {"check", true}};
  std::vector<std::vector<std::string>> cells;
  for (const Row& row : c.rows) {
    const RunResult& r = row.result;
    const bool values = !r.analytic();
    const std::string top1 = values && r.accuracy.top1_accelerator >= 0
                                 ? fixed(r.accuracy.top1_accelerator, 1) + "%"
                                 : "-";
    cells.push_back(
        {row.pe.name, std::to_string(r.cycles), fixed(r.latency_ms, 3),
         fixed(r.energy_pj * 1e-9, 3), norm_cell(row.latency_norm, row.paper.latency_norm),
         norm_cell(row.energy_norm, row.paper.energy_norm), fixed(r.pe_area_mm2, 3),
         fixed(r.compute_tops_per_mm2, 3), fixed(r.tops_per_w, 3),
         values ? fixed(r.accuracy.rmse, 5) : "-", values ? fixed(r.accuracy.cosine, 4) : "-", top1,
         !values || !r.checked ? "-"
         : r.verified          ? "ok"
                               : "MISMATCH"});
  }
  std::vector<std::size_t> width(head.size());
  for (std::size_t k = 0; k < head.size(); ++k) {
    width[k] = head[k].first.size();
    for (const auto& row : cells) width[k] = std::max(width[k], row[k].size());
  }
  const auto line = [&](const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t k = 0; k < v.size(); ++k)
      s += (k ? "  " : "") + pad(v[k], width[k], head[k].second);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    o << s << "\n";
  };
  std::vector<std::string> h;
  for (const auto& x : head) h.push_back(x.first);
  line(h);
  for (const auto& row : cells) line(row);
  return o.str();
}

std::string compare_html(const Comparison& c) {
  traces::CompareReportData d;
  d.title = "lpsim compare: " + c.workload;
  d.summary = {
      {"workload", c.workload},
      {"model", c.model.empty() ? "-" : c.model},
      {"set-up", c.setup},
      {"normalised to", c.norm_to + " = 1"},
      {"paper figures", c.paper_model.empty()
                            ? "compute area and throughput only (the paper's latency, energy and "
                              "ablation figures are for full-size ResNet-50 and ViT-B)"
                            : "LPA paper (Ramachandran et al., DAC 2024), " + c.paper_model +
                                  "; values read off its charts (docs/paper-comparison.md)"}};
  for (const Row& row : c.rows) {
    d.labels.push_back(row.pe.name);
    d.descriptions.push_back(row.pe.description + "; formats: " + row.formats);
  }
  const auto chart = [&](const std::string& title, const std::string& unit, auto value,
                         auto paper) {
    traces::BarChart ch;
    ch.title = title;
    ch.unit = unit;
    for (const Row& row : c.rows) {
      const double v = value(row);
      ch.values.push_back(v);
      const std::optional<double> p = paper(row);
      ch.paper.push_back(p ? *p : std::nan(""));
    }
    d.charts.push_back(std::move(ch));
  };
  const auto none = [](const Row&) { return std::optional<double>(); };
  chart(
      "Latency, normalised to " + c.norm_to + " = 1", "",
      [](const Row& r) { return r.latency_norm; },
      [](const Row& r) { return r.paper.latency_norm; });
  chart(
      "Energy, normalised to " + c.norm_to + " = 1", "", [](const Row& r) { return r.energy_norm; },
      [](const Row& r) { return r.paper.energy_norm; });
  chart(
      "Latency", "ms", [](const Row& r) { return r.result.latency_ms; }, none);
  chart(
      "Energy", "mJ", [](const Row& r) { return r.result.energy_pj * 1e-9; }, none);
  chart(
      "Compute area (PE array)", "mm²", [](const Row& r) { return r.result.pe_area_mm2; }, none);
  chart(
      "TOPS/mm² (effective, over the PE area)", "TOPS/mm²",
      [](const Row& r) { return r.result.compute_tops_per_mm2; },
      [](const Row& r) { return r.paper.tops_per_mm2; });
  chart(
      "TOPS/W", "TOPS/W", [](const Row& r) { return r.result.tops_per_w; }, none);
  if (!c.rows.empty() && !c.rows.front().result.analytic())
    chart(
        "RMSE of the outputs vs FP32", "", [](const Row& r) { return r.result.accuracy.rmse; },
        none);
  d.columns = csv_columns();
  d.rows = csv_cells(c);
  return traces::render_compare_report(d);
}

}  // namespace lpsim::sim::compare
