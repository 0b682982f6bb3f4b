// Model zoo: torchvision-shaped ResNet-18/50, MobileNetV2 and ViT-B/16 graphs with seeded
// synthetic weights (batch norm folded into the convs), and reduced variants for fast tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sw/model/fp32_forward.hpp"
#include "sw/model/graph.hpp"

namespace lpsim::model {

struct ZooOptions {
  int64_t batch = 1;
  uint64_t seed = 1;
  int64_t input_size = 0;  // square input side; 0 = the model's default (224)
  int64_t num_classes = 1000;
  // Reduced variants for fast tests: every channel/feature width is divided by
  // width_divisor (ViT: width, heads and MLP width), and max_blocks > 0 caps the blocks of
  // each ResNet/MobileNetV2 stage and the ViT depth.
  int64_t width_divisor = 1;
  int64_t max_blocks = 0;
  // false: a shape-only graph (weight_shape set, weights empty) for shape and MAC studies.
  bool with_weights = true;

  // Throws lpsim::UserError on a value out of range.
  void validate() const;
};

// "resnet18", "resnet50", "mobilenetv2", "vit_b16".
std::vector<std::string> list_zoo_models();

// A finalized graph with one input "input" ([N,3,S,S]) and one output (logits
// [N, num_classes]). Weights are deterministic for (name, seed); docs/models.md gives the
// distributions. Throws lpsim::UserError on an unknown name or bad options.
Graph build_zoo_model(const std::string& name, const ZooOptions& options = {});

// A seeded N(0, 1) input for the graph's (single) input: the shape of a normalised image.
FloatTensor make_input(const Graph& graph, uint64_t seed);

}  // namespace lpsim::model
