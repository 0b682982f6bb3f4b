// Fuzz target: workload YAML files (sim/workload). The input is the file; the files it may name
// (model.onnx, topo.csv, input.npy) exist beside it. An accepted workload's effective.yaml must
// read back as the same workload (docs/workload.md).
#include <cstddef>
#include <cstdint>
#include <string>

#include "sw/common/error.hpp"
#include "sim/workload/workload.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lpsim;
  static const bool files = [] {
    for (const char* f : {"model.onnx", "topo.csv", "input.npy"}) fuzz::write_file(f, "x");
    return true;
  }();
  (void)files;
  const std::string path = fuzz::write_file("workload.yaml", data, size);
  fuzz::expect_clean<UserError>([&] {
    const sim::Workload w = sim::load_workload(path);
    const std::string eff = sim::effective_yaml(w);
    const std::string again_path = fuzz::write_file("effective.yaml", eff);
    sim::Workload again;
    try {
      again = sim::load_workload(again_path);
    } catch (const UserError& e) {
      fuzz::finding(std::string("effective.yaml does not read back: ") + e.what() + "\n" + eff);
    }
    if (sim::effective_yaml(again) != eff)
      fuzz::finding("effective.yaml reads back as a different workload:\n" + eff + "---\n" +
                    sim::effective_yaml(again));
  });
  return 0;
}
