// `lpsim compare`: one workload on several PE types on the same array, buffers and clock
// (docs/paper-comparison.md). Each PE type is the workload with its `quantization` replaced by
// that PE type's formats (the LP row keeps the workload's own); every run goes through the run
// API (sim/run/pipeline.hpp) and the rows are normalised to AdaptivFloat = 1, as in the LPA
// paper (Ramachandran et al., DAC 2024), whose figures are printed beside.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/run/pipeline.hpp"
#include "sim/workload/workload.hpp"
#include "sw/energy/cost_tables.hpp"

namespace lpsim::sim::compare {

// A PE type of the comparison and how its formats are chosen.
struct PeType {
  std::string name;         // the --pe name: lp, int, bitfusion, ant, adaptivfloat, posit, fp8
  std::string description;  // what it stands for (console, HTML)
  // "" = the workload's own quantization (lp); otherwise every accelerator layer gets `high`,
  // except when `low` is set: then the first and last accelerator layers get `high` and every
  // other layer `low` (the 8/4-bit high/low precision of the paper's baselines).
  std::string high, low;
  bool in_default = true;  // part of the default --pe list
};

// Every PE type, in the order of the default list.
const std::vector<PeType>& pe_types();
// "lp,ant" -> the PE types, in the given order; unknown or repeated names throw UserError
// naming --pe and listing the known names.
std::vector<PeType> parse_pe_list(const std::string& text);
// The default list (every PE type with in_default).
std::string default_pe_list();

// The paper's figures for one row (docs/paper-comparison.md lists them with their origin).
// Absent where the paper gives none for that PE type or model.
struct PaperFigures {
  std::string label;  // the paper's name of the design the figures belong to
  std::optional<double> latency_norm, energy_norm;  // ResNet-50 / ViT-B, AdaptivFloat = 1
  std::optional<double> compute_area_mm2, gops;     // compute area / throughput
  std::optional<double> tops_per_mm2, top1;         // PE-type ablation (ResNet-50)
  std::string ablation;                             // its row name ("LPA-8", …)
};

// The paper model a workload stands for: "resnet50" or "vit_b16" when it is that zoo model at
// full size (224x224, full width and depth, 1000 classes), else "".
std::string paper_model(const Workload& w);
// `uniform8`: every layer of the row runs at 8 bits (selects LPA-8 rather than LPA-2/4/8).
PaperFigures paper_figures(const std::string& pe, const std::string& model, bool uniform8);

// The workload a PE type runs: `base` with its quantization replaced (see PeType); `layers` are
// the accelerator layers' names in program order (for the first/last rule).
Workload workload_for(const Workload& base, const PeType& pe,
                      const std::vector<std::string>& layers);
// The accelerator layers' names of a workload, in program order (an analytic prepare: shapes
// only, milliseconds).
std::vector<std::string> accelerator_layers(const Workload& w);

struct Row {
  PeType pe;
  std::string formats;  // what ran, e.g. "int8 (first, last) / int4"
  RunResult result;
  bool uniform8 = false;
  double latency_norm = -1, energy_norm = -1;  // -1: no reference row
  PaperFigures paper;
};

struct Comparison {
  std::string workload, model, paper_model;
  std::string setup;    // "32x32 ws, tile fidelity, 500 MHz, buffers 128/256/128 KB, ..."
  std::string norm_to;  // the reference row's PE type ("adaptivfloat", or the first row's)
  std::vector<Row> rows;
};

struct CompareOptions {
  std::vector<PeType> pes;
  energy::CostTables tables;
  std::string energy_file;
  bool check = true;
  // Called before each PE type runs (index, name) and after it finished.
  std::function<void(std::size_t, const std::string&, bool done)> progress;
};

// Checks every PE type's workload first (an analytic prepare: formats, tiling), so bad input
// fails before any simulation; then simulates each (worker processes) and normalises.
// Throws UserError naming the PE type for a PE type that cannot run the workload.
Comparison run_compare(const Workload& base, const CompareOptions& opt);

// compare.csv: one row per PE type (docs/paper-comparison.md lists the columns).
const std::vector<std::string>& csv_columns();
std::vector<std::vector<std::string>> csv_cells(const Comparison& c);  // one per row
std::string compare_csv(const Comparison& c);
// The console table.
std::string console_table(const Comparison& c);
// compare.html (traces/compare_report).
std::string compare_html(const Comparison& c);

}  // namespace lpsim::sim::compare
