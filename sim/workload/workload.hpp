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

struct QuantSpec {
  std::string default_format = "lp<8,2,3,0>";
  std::map<std::string, std::string> layers;  // layer name -> format text
};

struct Workload {
  std::string file;  // the workload file as given
  std::string name;  // its stem, e.g. "resnet18"
  ModelSource source = ModelSource::Zoo;
  std::string model;  // zoo name, or absolute path of the .onnx / topology .csv
  InputSpec input;
  ZooSpec zoo;
  QuantSpec quant;
  // The accelerator, parsed straight into the hardware's own configuration (its ranges are
  // checked once, by AcceleratorConfig::check_fields). Defaults follow the ANT simulator's
  // evaluation set-up cited by the LPA paper (Ramachandran et al., DAC 2024): 500 MHz, 32x32,
  // 128/256/128 KB.
  hw::AcceleratorConfig accel;
  hw::Dataflow dataflow = hw::Dataflow::ws;  // the descriptors' DATAFLOW (accelerator.dataflow)
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
