// Fuzz target: `lpsim run --set dotted.key=value` overrides (sim/workload). Each input line is
// one --set, applied to a fixed workload that has every section.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sw/common/error.hpp"
#include "sim/workload/workload.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace {
const char* const kBase = R"(name: base
model: resnet18
input: {batch: 1, seed: 7}
zoo: {input_size: 32, width_divisor: 8, max_blocks: 1, num_classes: 10}
quantization:
  default: "lp<8,2,3,0>"
  layers: {fc: "int:8"}
accelerator:
  rows: 8
  cols: 8
  dataflow: ws
  fidelity: tile
  clock_mhz: 500
  buffers: {weight_kb: 128, input_kb: 256, output_kb: 128}
  dram: {bytes_per_cycle: 16, latency_cycles: 100}
)";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lpsim;
  static const std::string base = [] {
    for (const char* f : {"model.onnx", "topo.csv", "input.npy"}) fuzz::write_file(f, "x");
    return fuzz::write_file("base.yaml", kBase);
  }();
  std::vector<std::string> sets;
  std::string cur;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      sets.push_back(cur);
      cur.clear();
    } else {
      cur += static_cast<char>(data[i]);
    }
  }
  sets.push_back(cur);
  fuzz::expect_clean<UserError>([&] {
    const sim::Workload w = sim::load_workload(base, sets);
    (void)sim::effective_yaml(w);
  });
  return 0;
}
