// The workload file (YAML): what to run and on which accelerator. docs/workload.md is its
// reference; this is the only place that reads it (house style: files are parsed only in sim/).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hw/common/dataflow.hpp"
#include "hw/top/accelerator_config.hpp"

namespace lpsim::sim {

enum class ModelSource { Zoo, Onnx, Topology };

struct InputSpec {
  int batch = 1;
  std::uint64_t seed = 7;
  std::string npy;  // absolute path, or empty for a seeded synthetic input
  std::string labels;  // absolute path of the images' class labels (.npy, integers), or empty
};

// Reduced zoo variants (fast studies and tests); zoo models only. 0 = the model's default.
struct ZooSpec {
  int input_size = 0;     // square input side (default 224)
  int width_divisor = 1;  // every channel / feature width divided by this
  int max_blocks = 0;     // cap on blocks per stage (ResNet, MobileNetV2) / ViT depth
  int num_classes = 1000;
};

// `default` and `layers.NAME` take one format (both operands) or {weights: F, activations: F}.
struct QuantSpec {
  std::string default_format = "lp<8,2,3,0>";  // activations (and weights unless below)
  std::string default_weights;                 // "" = default_format
  std::map<std::string, std::string> layers;   // layer name -> activation (and weight) format
  std::map<std::string, std::string> layer_weights;  // layer name -> weight format, if its own
};

// The `lpq:` section: settings of `lpsim lpq` (docs/lpq.md; defaults there and in
// sw/lpq/search.hpp). Read by every command (a workload with it runs as any other).
struct LpqSpec {
  bool present = false;
  std::string calibration_npy;  // absolute path; empty: `calibration_count` seeded N(0,1) images
  int calibration_count = 32;
  std::uint64_t calibration_seed = 11;
  int iterations = 60, population = 8, block = 2, diverse = 3;
  double mutation_rate = 0.5, crossover_rate = 0.5;
  std::vector<int> weight_bits{2, 4, 8}, activation_bits{4, 8};
  int es_max = 2, sf_range = 2, sf_samples = 4096;
  std::string objective = "global-local";  // global-local | global | kl | mse
  double tau = 0.1, local_weight = 1.0;
  int local_layers = 4;
  std::string compression = "bits";  // bits | energy | latency
  double lambda = 0.2;
  std::uint64_t seed = 1;
  bool baselines = false;  // also evaluate the uniform baselines on the labelled input
};

struct Workload {
  std::string file;  // the workload file as given
  std::string name;  // its stem, e.g. "resnet18"
  ModelSource source = ModelSource::Zoo;
  std::string model;  // zoo name, or absolute path of the .onnx / topology .csv
  InputSpec input;
  ZooSpec zoo;
  QuantSpec quant;
  LpqSpec lpq;
  // The accelerator, parsed straight into the hardware's own configuration (its ranges are
  // checked once, by AcceleratorConfig::check_fields). Defaults follow the ANT simulator's
  // evaluation set-up cited by the LPA paper (Ramachandran et al., DAC 2024): 500 MHz, 32x32,
  // 128/256/128 KB.
  hw::AcceleratorConfig accel;
  hw::Dataflow dataflow = hw::Dataflow::ws;  // the descriptors' DATAFLOW (accelerator.dataflow)
  bool save_outputs = false;  // `save_outputs`: outputs/*.npy and predictions.csv (lpsim run)
  int threads = 0;  // `threads`: threads of the FP32 pass, the reference and tile GEMMs (0 = every core)
  // Where each key was set: dotted key -> "FILE:LINE" or "--set KEY=VALUE", for errors that
  // only later stages can detect (an unknown zoo name, a layer name no model has).
  std::map<std::string, std::string> origin;

  // "FILE:LINE" (or the --set) that set `dotted_key`, or the file name when it was defaulted.
  std::string where(const std::string& dotted_key) const;
};

// Reads and validates a workload file, applying `overrides` ("dotted.key=value", parsed as YAML
// scalars) on top. Throws lpsim::UserError "FILE:LINE: key: what" for unknown keys, wrong
// types, impossible values, duplicate keys and syntax errors.
Workload load_workload(const std::string& path, const std::vector<std::string>& overrides = {});

// The same for a workload mapping held under the top-level `key` of the YAML file `path` (a
// sweep's inline `base:`): errors name `path` and the line; relative paths and the default name
// come from `path`.
Workload load_workload_at(const std::string& path, const std::string& key,
                          const std::vector<std::string>& overrides = {});

// The effective configuration, every key with its value (defaults included), as YAML.
std::string effective_yaml(const Workload& w);

}  // namespace lpsim::sim
