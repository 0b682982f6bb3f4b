// Reporters (see reporters.hpp).
#include "sim/run/reporters.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "sim/run/trace_files.hpp"
#include "sw/common/error.hpp"
#include "hw/pe/pe_config.hpp"
#include "sw/energy/energy_model.hpp"
#include "sw/formats/format_parse.hpp"
#include "traces/csv_writer.hpp"

extern char** environ;

namespace lpsim::sim {
namespace {

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

// accelerator.datapath with every key, named as in the workload and effective.yaml.
nlohmann::json datapath_json(const hw::DatapathOptions& d) {
  const char* acc = d.acc_mode == hw::AccMode::narrow        ? "narrow"
                    : d.acc_mode == hw::AccMode::small_float ? "small_float"
                                                             : "exact";
  const char* psum = d.psum == hw::PsumMode::exact         ? "exact"
                     : d.psum == hw::PsumMode::small_float ? "small_float"
                                                           : "accumulator";
  nlohmann::json exp_bits = "auto";
  if (d.float_exp_bits != 0) exp_bits = d.float_exp_bits;
  return {{"accumulator", acc},
          {"small_float", {{"fraction_bits", d.float_frac_bits}, {"exponent_bits", exp_bits}}},
          {"narrow", {{"width", d.narrow_bits}, {"fraction_bits", d.narrow_frac_bits}}},
          {"converter_fraction_bits", d.lin_frac_bits},
          {"psum", {{"format", psum}, {"fraction_bits", d.psum_frac_bits}}}};
}

// The PE type a layer ran on (hw::PeType's name: lp, int, posit, adaptivfloat, fp8, ant).
std::string pe_name(const LayerRecord& h) {
  return hw::to_string(hw::PeType(h.pe_type));
}

}  // namespace

std::string console_text(const RunResult& r) {
  std::ostringstream o;
  o << "lpsim run: " << r.workload << " (" << r.model << ", " << r.layers.size()
    << " accelerator layers) on " << r.rows << "x" << r.cols << " " << r.dataflow << ", "
    << r.fidelity << " fidelity, " << r.clock_mhz << " MHz\n";
  o << std::left << std::setw(28) << "layer" << std::setw(20) << "gemm MxKxN" << std::setw(14)
    << "format" << std::right << std::setw(14) << "MACs" << std::setw(12) << "cycles"
    << std::setw(7) << "util" << std::setw(10) << "stalls"
    << "  check\n";
  for (std::size_t i = 0; i < r.layers.size(); ++i) {
    const auto& l = r.layers[i];
    const LayerRecord& h = r.records[i];
    std::string name = l.name + (l.fused.empty() ? "" : "+" + l.fused);
    if (name.size() > 27) name = name.substr(0, 24) + "...";
    std::string f = l.act_format;
    if (f.size() > 13) f = f.substr(0, 13);
    o << std::left << std::setw(28) << name << std::setw(20) << shape_text(l.view) << std::setw(14)
      << f << std::right << std::setw(14) << l.macs << std::setw(12) << h.cycles << std::setw(6)
      << fixed(100 * h.utilization, 1) << "%" << std::setw(10) << h.stall_cycles << "  "
      << (!l.checked   ? "-"
          : l.verified ? "ok"
                       : "MISMATCH")
      << "\n";
  }
  o << "total: " << r.cycles << " cycles, " << fixed(r.latency_ms, 3) << " ms at " << r.clock_mhz
    << " MHz, " << r.macs << " MACs, " << fixed(r.tops, 3) << " effective TOPS, " << r.stalls
    << " stall cycles\n";
  o << "energy: " << energy_text(r.energy_pj) << " ("
    << energy_text(r.energy_pj / static_cast<double>(r.inferences)) << " per inference), "
    << fixed(r.tops_per_w, 3) << " TOPS/W, " << fixed(r.area_mm2, 3) << " mm2, "
    << fixed(r.tops_per_mm2, 4) << " TOPS/mm2\n";
  if (r.analytic()) {
    o << "values: none computed (analytic fidelity: timing, bytes and energy only; nothing "
         "checked)\n";
    return o.str();
  }
  o << "vs FP32: rmse " << std::setprecision(6) << r.accuracy.rmse << ", cosine "
    << fixed(r.accuracy.cosine, 6);
  if (r.accuracy.top1_agreement >= 0)
    o << ", top-1 agreement " << fixed(100 * r.accuracy.top1_agreement, 1) << "%";
  if (r.accuracy.top1_fp32 >= 0)
    o << "\ntop-1 on the labelled input: fp32 " << fixed(r.accuracy.top1_fp32, 1) << "%, accelerator "
      << fixed(r.accuracy.top1_accelerator, 1) << "%";
  o << "\n";
  o << "verified: "
    << (r.verified  ? "yes (every layer bit-exact against the reference)"
        : r.checked ? "NO"
                    : "no (checking off)")
    << "\n";

  return o.str();
}

std::string summary_json(const RunResult& r) {
  nlohmann::json j;
  j["workload"] = r.workload;
  j["model"] = r.model;
  j["total_cycles"] = r.cycles;
  j["latency_ms"] = r.latency_ms;
  j["total_macs"] = r.macs;
  j["effective_tops"] = r.tops;
  j["stall_cycles"] = r.stalls;
  // Analytic fidelity computes no values: nothing was checked, there is no accuracy.
  if (!r.analytic()) {
    j["verified"] = r.verified;
    if (!r.first_mismatch.empty()) j["first_mismatch"] = r.first_mismatch;
    j["accuracy_vs_fp32"] = {{"rmse", r.accuracy.rmse},
                             {"max_abs_error", r.accuracy.max_abs},
                             {"cosine", r.accuracy.cosine}};
    if (r.accuracy.top1_agreement >= 0)
      j["accuracy_vs_fp32"]["top1_agreement"] = r.accuracy.top1_agreement;
    if (r.accuracy.top1_fp32 >= 0)
      j["top1"] = {{"fp32", r.accuracy.top1_fp32}, {"accelerator", r.accuracy.top1_accelerator}};
  }
  j["accelerator"] = {{"rows", r.rows},
                      {"cols", r.cols},
                      {"dataflow", r.dataflow},
                      {"fidelity", r.fidelity},
                      {"clock_mhz", r.clock_mhz},
                      {"datapath", datapath_json(r.datapath)}};
  // Energy and area (docs/outputs.md): the breakdown adds up to energy_pj exactly.
  j["energy_pj"] = r.energy_pj;
  nlohmann::json breakdown = nlohmann::json::object();
  for (std::size_t c = 0; c < energy::kEnergyComponents.size(); ++c)
    breakdown[energy::kEnergyComponents[c]] = r.energy_components_pj[c];
  j["energy_breakdown_pj"] = breakdown;
  j["energy_per_inference_pj"] = r.energy_pj / static_cast<double>(r.inferences);
  j["inferences"] = r.inferences;
  j["tops_per_w"] = r.tops_per_w;
  j["area_mm2"] = r.area_mm2;
  j["pe_area_mm2"] = r.pe_area_mm2;
  j["sram_area_mm2"] = r.sram_area_mm2;
  j["tops_per_mm2"] = r.tops_per_mm2;
  j["compute_tops_per_mm2"] = r.compute_tops_per_mm2;
  j["average_power_w"] = r.power_w;
  j["energy_tables"] = r.energy_file.empty()
                           ? std::string("built-in defaults (docs/energy.md), see energy.yaml")
                           : r.energy_file + ", see energy.yaml";
  {
    nlohmann::json ac;
    nlohmann::json by_kind = nlohmann::json::object();
    for (std::size_t k = 0; k < energy::kMacKinds; ++k)
      if (r.counts.macs[k]) by_kind[energy::mac_kind_name(energy::MacKind(k))] = r.counts.macs[k];
    ac["lane_macs"] = by_kind;
    ac["decoder_words"] = r.counts.decoder_words;
    ac["encoder_words"] = r.counts.encoder_words;
    ac["pe_reg_write_bytes"] = r.counts.pe_reg_write_bytes;
    for (const auto& [name, b] :
         {std::pair<const char*, const energy::BufferTraffic*>{"sram_wb", &r.counts.wb},
          {"sram_ib", &r.counts.ib},
          {"sram_ob", &r.counts.ob}})
      ac[name] = {{"size_bytes", b->size_bytes},
                  {"read_bytes", b->read_bytes},
                  {"write_bytes", b->write_bytes}};
    ac["dram_read_bytes"] = r.counts.dram_read_bytes;
    ac["dram_write_bytes"] = r.counts.dram_write_bytes;
    ac["ppu_adds"] = r.counts.ppu_adds;
    ac["ppu_mults"] = r.counts.ppu_mults;
    ac["ppu_activations"] = r.counts.ppu_activations;
    ac["leakage_pe_cycles"] = r.counts.leakage_pe_cycles;
    j["action_counts"] = ac;
  }
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t i = 0; i < r.layers.size(); ++i) {
    const auto& l = r.layers[i];
    const LayerRecord& h = r.records[i];
    layers.push_back({{"name", l.name},
                      {"op", l.op},
                      {"fused", l.fused},
                      {"m", l.view.m},
                      {"k", l.view.k},
                      {"n", l.view.n},
                      {"groups", l.view.groups},
                      {"format", l.act_format},
                      {"pe", pe_name(h)},
                      {"mode", l.mode},
                      {"macs", l.macs},
                      {"cycles", h.cycles},
                      {"stall_cycles", h.stall_cycles},
                      {"utilization", h.utilization},
                      {"tiles", h.tile_count},
                      {"dram_read_bytes", h.counts.dram_read_bytes},
                      {"dram_write_bytes", h.counts.dram_write_bytes},
                      {"verified", l.checked && l.verified},
                      {"energy_pj", r.layer_total_pj[i]}});
    if (r.analytic()) layers.back().erase("verified");
  }
  j["layers"] = layers;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string layers_csv(const RunResult& r) {
  std::vector<std::string> header = {"layer",
                                     "op",
                                     "fused",
                                     "m",
                                     "k",
                                     "n",
                                     "groups",
                                     "act_format",
                                     "wgt_format",
                                     "out_format",
                                     "mode",
                                     "macs",
                                     "cycles",
                                     "compute_cycles",
                                     "stall_cycles",
                                     "utilization",
                                     "tiles",
                                     "dram_read_bytes",
                                     "dram_write_bytes",
                                     "verified",
                                     "sram_wb_bytes",
                                     "sram_ib_bytes",
                                     "sram_ob_bytes",
                                     "energy_pj"};
  for (const char* c : energy::kEnergyComponents)
    header.push_back(std::string("energy_") + c + "_pj");
  header.push_back("pe");  // appended: the columns before it are a contract (docs/outputs.md)
  std::ostringstream csv;
  traces::CsvWriter w(csv, header);
  w.quote_always({"layer", "act_format", "wgt_format", "out_format"});
  for (std::size_t i = 0; i < r.layers.size(); ++i) {
    const auto& l = r.layers[i];
    const LayerRecord& h = r.records[i];
    const energy::ActionCounts& lc = h.counts;
    const auto n = [](auto v) { return traces::csv_number(v); };
    std::vector<std::string> f = {l.name,
                                  l.op,
                                  l.fused,
                                  n(l.view.m),
                                  n(l.view.k),
                                  n(l.view.n),
                                  n(l.view.groups),
                                  l.act_format,
                                  l.wgt_format,
                                  l.out_format,
                                  std::to_string(l.mode),
                                  n(l.macs),
                                  n(h.cycles),
                                  n(h.compute_cycles),
                                  n(h.stall_cycles),
                                  fixed(h.utilization, 6),
                                  n(h.tile_count),
                                  n(lc.dram_read_bytes),
                                  n(lc.dram_write_bytes),
                                  r.analytic()             ? ""
                                  : l.checked && l.verified ? "true"
                                                            : "false",
                                  n(lc.wb.read_bytes + lc.wb.write_bytes),
                                  n(lc.ib.read_bytes + lc.ib.write_bytes),
                                  n(lc.ob.read_bytes + lc.ob.write_bytes),
                                  traces::csv_number(r.layer_total_pj[i])};
    for (double v : r.layer_energy_pj[i]) f.push_back(traces::csv_number(v));
    f.push_back(pe_name(h));
    w.row(f);
  }
  return csv.str();
}

traces::ReportData report_data(const RunResult& r) {
  const std::vector<std::string> names = r.layer_names();
  traces::ReportData rd;
  rd.title = "lpsim run: " + r.workload + " (" + r.model + ")";
  rd.summary = {
      {"workload", r.workload + " (" + r.model + ", " + std::to_string(r.layers.size()) +
                       " accelerator layers)"},
      {"accelerator", std::to_string(r.rows) + "x" + std::to_string(r.cols) + " " + r.dataflow +
                          ", " + r.fidelity + " fidelity, " + fixed(r.clock_mhz, 0) + " MHz"},
      {"cycles", std::to_string(r.cycles) + " (" + fixed(r.latency_ms, 3) + " ms), " +
                     std::to_string(r.stalls) + " stall cycles"},
      {"MACs", std::to_string(r.macs) + " (" + fixed(r.tops, 3) + " effective TOPS)"},
      {"energy", energy_text(r.energy_pj) + ", " +
                     energy_text(r.energy_pj / static_cast<double>(r.inferences)) +
                     " per inference, " + fixed(r.power_w * 1e3, 1) + " mW average"},
      {"efficiency", fixed(r.tops_per_w, 3) + " TOPS/W, " + fixed(r.tops_per_mm2, 4) +
                         " TOPS/mm2 (" + fixed(r.compute_tops_per_mm2, 3) + " over the PE area)"},
      {"area", fixed(r.area_mm2, 3) + " mm2 (PEs " + fixed(r.pe_area_mm2, 3) + ", SRAM " +
                   fixed(r.sram_area_mm2, 3) + ")"},
      {"cost tables",
       r.energy_file.empty()
           ? std::string("built-in: Horowitz ISSCC 2014 (45 nm) energies, LPA DAC 2024 PE areas, "
                         "Mistry IEDM 2007 SRAM cell (sources in the configuration below)")
           : r.energy_file + " (sources in the configuration below)"},
      {"verified", r.analytic()  ? "not applicable (analytic fidelity: no values computed)"
                   : r.verified ? "yes, every layer bit-exact against the reference"
                   : r.checked  ? "NO"
                                : "not checked"},
      {"accuracy vs FP32",
       r.analytic() ? std::string("not computed (analytic fidelity)")
                    : "cosine " + fixed(r.accuracy.cosine, 6) + ", rmse " +
                          fixed(r.accuracy.rmse, 6)}};
  for (std::size_t i = 0; i < r.layers.size(); ++i) {
    const auto& l = r.layers[i];
    traces::ReportLayer rl;
    rl.name = l.name;  // short enough for the chart's labels; the fused ops go with the kind
    rl.kind = l.op + " " + shape_text(l.view) + (l.fused.empty() ? "" : " +" + l.fused);
    rl.mode = hw::to_string(hw::PeType(r.records[i].pe_type)) + std::to_string(l.mode);
    rl.cycles = r.records[i].cycles;
    rl.utilization = r.records[i].utilization;
    rl.macs = l.macs;
    rl.energy_pj = r.layer_total_pj[i];
    rd.layers.push_back(rl);
  }
  for (std::size_t c = 0; c < energy::kEnergyComponents.size(); ++c)
    rd.energy_breakdown_pj.emplace_back(energy::kEnergyComponents[c], r.energy_components_pj[c]);
  rd.tracks = {"controller", "dma", "array", "ppu"};
  rd.timeline = timeline_events(r.records, names);
  rd.config_text = "# effective.yaml\n" + r.effective_yaml +
                   "\n# energy.yaml (cost tables with sources)\n" + r.energy_yaml;
  return rd;
}

namespace {

// Formats by name (canonical names parse back); nullptr when the text is not one.
fmt::FormatPtr format_of(const std::string& name) {
  try {
    return fmt::parse_format(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// A translate filter for an 8-bit PE register holding MODE-packed codes of `f`: one line per
// word, key in GTKWave's hex radix, text "0x4d 3.084" (lanes low bits first: "0x4d 1|-0.5").
std::string code_filter(const fmt::NumberFormat& f) {
  const int bits = f.bits();
  if (bits != 2 && bits != 4 && bits != 8) return "";
  std::string out;
  for (unsigned w = 0; w < 256; ++w) {
    char b[64];
    std::snprintf(b, sizeof b, "%02X 0x%02x ", w, w);
    out += b;
    for (int lane = 0; lane < 8 / bits; ++lane) {
      const double v = f.decode((w >> (lane * bits)) & ((1u << bits) - 1u));
      if (std::isnan(v))
        std::snprintf(b, sizeof b, "%snan", lane ? "|" : "");
      else
        std::snprintf(b, sizeof b, "%s%.4g", lane ? "|" : "", v);
      out += b;
    }
    out += "\n";
  }
  return out;
}

std::string filter_name(const std::string& format) {
  return format + ".filter";
}

// The network layer whose values the PE registers hold: the named one, else the one running
// at the first sample (or at the window's start).
std::size_t pe_layer(const RunResult& r) {
  const PeProbe& p = *r.probe;
  if (p.layer >= 0) return static_cast<std::size_t>(p.layer);
  const std::uint64_t c = r.pe_samples.empty() ? p.start : r.pe_samples.front().cycle;
  std::size_t l = 0;
  while (l + 1 < r.records.size() && r.records[l + 1].start <= c) ++l;
  return l;
}

// The waveform's filters (file name, text) and the save file's view.
struct WaveFiles {
  std::vector<std::pair<std::string, std::string>> filters;
  WaveView view;
  std::vector<double> psum_unit;  // per layer: INT layers s_a x s_w, LP layers 1
};

WaveFiles wave_files(const RunResult& r, bool fst) {
  WaveFiles w;
  w.view.dump_file = fst ? "waveform.fst" : "waveform.vcd";
  std::string states;
  for (std::size_t i = 0; i < ctrl_state_names().size(); ++i)
    states += std::to_string(i) + " " + ctrl_state_names()[i] + "\n";
  w.filters.push_back({"ctrl_state.filter", states});
  w.view.state_filter = "ctrl_state.filter";
  std::string names;
  for (std::size_t i = 0; i < r.layers.size(); ++i) {
    const auto& l = r.layers[i];
    // One line per name in the filter and the save file: control characters become '_'.
    std::string name = l.name + (l.fused.empty() ? "" : "+" + l.fused);
    for (char& ch : name)
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '_';
    w.view.layer_names.push_back(name);
    names += std::to_string(i) + " " + w.view.layer_names.back() + "\n";
  }
  w.filters.push_back({"layer_names.filter", names});
  w.view.layer_filter = "layer_names.filter";
  for (std::size_t i = 0; i < r.layers.size() && i < r.records.size(); ++i) {
    double unit = 1.0;
    if (r.records[i].is_int) {
      const auto a = format_of(r.layers[i].act_format), b = format_of(r.layers[i].wgt_format);
      if (a && b) unit = a->decode(1) * b->decode(1);
    }
    w.psum_unit.push_back(unit);
  }
  w.view.view_end = r.records.empty() ? 1 : r.records.back().end;
  if (r.probe) {
    if (const auto win = pe_window(r)) {
      w.view.view_start = win->first;
      w.view.view_end = win->second;
    }
    const std::size_t l = pe_layer(r);
    if (l < r.layers.size()) {
      const bool is = r.dataflow == "is";  // horizontal: weights; stationary: activations
      const std::string act = is ? r.layers[l].wgt_format : r.layers[l].act_format,
                        vert = is ? r.layers[l].act_format : r.layers[l].wgt_format;
      for (const auto& [reg, name] :
           {std::pair{&w.view.act_filter, act}, {&w.view.vert_filter, vert}}) {
        const auto f = format_of(name);
        const std::string text = f ? code_filter(*f) : "";
        if (text.empty()) continue;
        *reg = filter_name(name);
        if (std::none_of(w.filters.begin(), w.filters.end(),
                         [&](const auto& x) { return x.first == *reg; }))
          w.filters.push_back({*reg, text});
      }
    }
  }
  return w;
}

// Runs `argv` (no shell), stdout and stderr to /dev/null; its exit status, -1 if it did not run.
int run_tool(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::optional<std::pair<std::uint64_t, std::uint64_t>> pe_window(const RunResult& r) {
  if (!r.probe) return std::nullopt;
  const PeProbe& p = *r.probe;
  if (p.layer < 0) {
    // The window as asked, but not past the run's end.
    const std::uint64_t end = r.records.empty() ? p.end : std::min(p.end, r.records.back().end);
    return std::pair{p.start, std::max(end, p.start + 1)};
  }
  if (static_cast<std::size_t>(p.layer) >= r.records.size()) return std::nullopt;
  const auto& tiles = r.records[static_cast<std::size_t>(p.layer)].tiles;
  if (tiles.empty() || (p.tile >= 0 && static_cast<std::size_t>(p.tile) >= tiles.size()))
    return std::nullopt;
  const std::size_t a = p.tile >= 0 ? static_cast<std::size_t>(p.tile) : 0,
                    b = p.tile >= 0 ? a : tiles.size() - 1;
  return std::pair{tiles[a].compute_start,
                   std::max(tiles[b].post_start, tiles[a].compute_start + 1)};
}

std::string pe_window_note(const RunResult& r) {
  if (!r.probe) return "";
  const PeProbe& p = *r.probe;
  const std::string head = "lpsim: note: --vcd-window " + p.spec + ": ";
  if (r.pe_samples.empty()) {
    if (p.layer >= 0 && static_cast<std::size_t>(p.layer) < r.records.size() && p.tile >= 0) {
      const std::size_t n = r.records[static_cast<std::size_t>(p.layer)].tiles.size();
      return head + "layer '" + r.layers[static_cast<std::size_t>(p.layer)].name + "' has " +
             std::to_string(n) + " tiles (0 to " + std::to_string(n ? n - 1 : 0) +
             "); the waveform has no PE changes\n";
    }
    std::string first;
    for (const LayerRecord& l : r.records)
      if (!l.tiles.empty()) {
        first = "; the first array tile runs cycles " + std::to_string(l.tiles[0].compute_start) +
                " to " + std::to_string(l.tiles[0].post_start) + " (--vcd-window first-tile)";
        break;
      }
    return head + "no array activity in it (the waveform has no PE changes)" + first + "\n";
  }
  if (p.layer >= 0 && r.pe_samples.size() >= p.max_samples)
    return head + "the PE registers stop at cycle " + std::to_string(r.pe_samples.back().cycle) +
           " (at most " +
           std::to_string(p.max_samples * static_cast<std::uint64_t>(p.rows * p.cols)) +
           " PE-cycles); name one tile with tile:LAYER/N or narrow --vcd-pe\n";
  return "";
}

std::vector<std::string> run_file_names(const RunResult& r, bool vcd, bool fst) {
  std::vector<std::string> f = {"summary.json", "layers.csv",     "tiles.csv",  "trace.json",
                                "report.html",  "effective.yaml", "energy.yaml"};
  if (r.analytic()) {  // no tile timeline: no tiles.csv, trace.json or waveform
    f = {"summary.json", "layers.csv", "report.html", "effective.yaml", "energy.yaml"};
    vcd = false;
  }
  if (vcd) {
    f.push_back(fst ? "waveform.fst" : "waveform.vcd");
    f.push_back("waveform.gtkw");
    for (const auto& [name, text] : wave_files(r, fst).filters) f.push_back(name);
  }
  f.push_back(kOutputMarker);
  return f;
}

void write_run_files(OutputDir& out, const RunResult& r, bool vcd, bool fst) {
  const std::vector<std::string> names = r.layer_names();
  out.write_file("effective.yaml", r.effective_yaml);
  out.write_file("energy.yaml", r.energy_yaml);
  out.write_file("layers.csv", layers_csv(r));
  out.write_file("summary.json", summary_json(r));
  if (r.analytic()) vcd = false;  // no tile timeline: no tiles.csv, trace.json or waveform
  if (!r.analytic()) out.write_file("tiles.csv", tiles_csv(r.records, names));
  const auto dir = out.staging();
  try {
    if (!r.analytic())
      write_trace_json((dir / "trace.json").string(), r.records, names, r.period_ns,
                       "lpsim " + r.workload);
    traces::write_html_report((dir / "report.html").string(), report_data(r));
    if (vcd) {
      const WaveFiles w = wave_files(r, fst);
      const auto vcd_path = dir / "waveform.vcd";
      write_vcd(vcd_path.string(), r.records, r.period_ns, r.probe ? &*r.probe : nullptr,
                r.pe_samples, w.psum_unit);
      if (fst) {
        const auto fst_path = dir / "waveform.fst";
        const int rc = run_tool({"vcd2fst", vcd_path.string(), fst_path.string()});
        if (rc != 0 || !std::filesystem::exists(fst_path))
          throw UserError(out.target().string() + ": vcd2fst could not convert waveform.vcd to " +
                          "waveform.fst (" +
                          (rc < 0 ? std::string("it did not run") : "exit " + std::to_string(rc)) +
                          ")");
        std::filesystem::remove(vcd_path);
      }
      out.write_file("waveform.gtkw",
                     gtkw_text(r.records, r.period_ns, r.probe ? &*r.probe : nullptr, w.view));
      for (const auto& [name, text] : w.filters) out.write_file(name, text);
    }
  } catch (const UserError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw UserError(out.target().string() + ": " + e.what());
  }
}

}  // namespace lpsim::sim
