// The run API: a workload end to end as functions (docs/architecture.md, "The run API").
//
//   Workload w   = load_workload(path, overrides);        // sim/workload: typed, checked
//   Prepared p   = prepare(w, tables);                    // graph, inputs, FP32 reference,
//                                                         // compiled program, accelerator config
//   RunResult r  = simulate(p, options);                  // the accelerator (SystemC), the
//                                                         // per-layer check, totals, energy
//   reporters (sim/run/reporters.hpp) turn a RunResult into the console table, summary.json,
//   layers.csv, tiles.csv, trace.json, waveform.vcd and report.html.
//
// `lpsim run` is a composition of these (sim/cmd_run.cpp). SystemC 2.3 elaborates a design once
// per process, so simulate() runs each simulation in a worker process (fork) by default and
// brings its RunResult back through a pipe; one caller can simulate any number of
// configurations one after another. `in_process` runs it in the calling process instead (the
// CLI, which simulates once): then no other simulation may follow in that process.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hw/top/accelerator.hpp"
#include "sim/run/recorder.hpp"
#include "sim/workload/workload.hpp"
#include "sw/compiler/program.hpp"
#include "sw/driver/network_runner.hpp"
#include "sw/energy/action_counts.hpp"
#include "sw/energy/cost_tables.hpp"
#include "sw/model/fp32_forward.hpp"
#include "sw/model/graph.hpp"

namespace lpsim::sim {

// Everything a simulation needs, computed once per workload.
struct Prepared {
  Workload workload;
  std::unique_ptr<model::Graph> graph;  // held by pointer: the program points into it
  model::TensorValues inputs;
  model::TensorValues fp32;  // every tensor of the FP32 reference (inputs included)
  std::vector<std::int64_t> labels;  // input.labels: one class per batch image (else empty)
  compiler::Program program;
  hw::AcceleratorConfig config;
  energy::CostTables tables;
  std::string energy_file;  // "" = built-in defaults
};

// Builds the model, inputs and FP32 reference, compiles the program and checks that every layer
// tiles into the buffers and the run fits in memory. Throws UserError naming the key.
Prepared prepare(const Workload& w, const energy::CostTables& tables = {},
                 const std::string& energy_file = "");

struct SimulateOptions {
  bool check = true;             // compare every layer with the reference (sw/ref)
  bool progress = false;         // a progress line on stderr
  std::optional<PeProbe> probe;  // PE-level samples (cycle fidelity)
  bool in_process = false;       // see the file comment
};

struct Accuracy {
  double rmse = 0, max_abs = 0, cosine = 0;
  double top1_agreement = -1;  // fraction of batch items whose argmax matches FP32; -1: n/a
  // input.labels: top-1 accuracy (percent) of the FP32 model and of the accelerator's outputs
  // on the labelled images; -1 without labels.
  double top1_fp32 = -1, top1_accelerator = -1;
};

// What a simulation produced: per layer, totals, energy, accuracy and check outcome.
struct RunResult {
  // What ran.
  std::string workload, model;
  int rows = 0, cols = 0;
  std::string dataflow, fidelity;
  double clock_mhz = 0, period_ns = 0;
  hw::DatapathOptions datapath;  // accelerator.datapath (summary.json's accelerator.datapath)
  std::string effective_yaml, energy_yaml, energy_file;
  bool checked = true;  // the check was asked for
  std::optional<PeProbe> probe;

  // Per accelerator layer: what the host ran, what the hardware recorded, its energy.
  std::vector<driver::LayerResult> layers;
  std::vector<LayerRecord> records;
  std::vector<PeSample> pe_samples;
  std::vector<std::vector<double>> layer_energy_pj;  // [layer][energy::kEnergyComponents]
  std::vector<double> layer_total_pj;

  // Totals.
  std::uint64_t cycles = 0, macs = 0, stalls = 0;
  double latency_ms = 0, tops = 0;
  Accuracy accuracy;
  bool verified = false;       // checked, and every layer bit-exact
  std::string first_mismatch;  // "layer X: ..." when a layer differed

  // Energy and area (docs/energy.md): components sum to energy_pj exactly.
  std::vector<double> energy_components_pj;
  double energy_pj = 0;
  energy::ActionCounts counts;
  std::uint64_t inferences = 1;
  double tops_per_w = 0, power_w = 0;
  double area_mm2 = 0, pe_area_mm2 = 0, sram_area_mm2 = 0, tops_per_mm2 = 0,
         compute_tops_per_mm2 = 0;

  // The graph outputs (tile and cycle fidelity): names, shapes, and the values of the
  // accelerator run and of the FP32 reference, each concatenated in graph order
  // (`--save-outputs`, docs/outputs.md).
  std::vector<std::string> output_names;
  std::vector<std::vector<std::int64_t>> output_shapes;
  std::vector<float> output_accelerator, output_fp32;

  std::vector<std::string> layer_names() const;
  // Analytic fidelity: no values were computed, so no check (verified, per-layer check),
  // no accuracy and no tile timeline (docs/outputs.md).
  bool analytic() const { return fidelity == "analytic"; }
};

// accelerator.fidelity analytic: no values, no SystemC, always in this process (`in_process`
// and `check` do not apply; a probe is refused): the same layers, tiles, schedule, stalls,
// bytes and energy as tile fidelity, from the one layer schedule driven by the closed forms
// (sim/run/analytic.cpp). prepare() builds no values for it (shape-only model, no FP32 pass),
// so such a Prepared cannot be simulated in tile or cycle fidelity.
RunResult simulate(const Prepared& p, const SimulateOptions& opt = {});

// prepare() then simulate(): one configuration in one call. In analytic fidelity a few
// milliseconds in this process (ResNet-18: docs/benchmarks.md); a sweep calls it per point.
RunResult evaluate(const Workload& w, const energy::CostTables& tables = {},
                   const std::string& energy_file = "", const SimulateOptions& opt = {});

// The RunResult as bytes and back (the worker's pipe; every field, exactly).
std::string serialize(const RunResult& r);
RunResult deserialize(const std::string& bytes);

}  // namespace lpsim::sim
