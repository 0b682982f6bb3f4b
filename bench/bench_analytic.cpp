// Analytic fidelity beside tile fidelity on ResNet-18 (examples/resnet18.yaml, 224x224, 32x32
// ws): simulate() of a prepared workload (the target: <= 20 ms analytic) and the whole
// evaluate() (prepare + simulate: model, FP32 pass for tile, compile, tiling checks). Wall time:
// tile fidelity simulates in a worker process.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "sim/run/pipeline.hpp"

// libsystemc.so, which the run API links, refers to sc_main; this program's main is Google
// Benchmark's (simulate() elaborates SystemC in its worker process, as the Python module does).
extern "C" int sc_main(int, char**) {
  std::fputs("lpsim_bench: sc_main is not used\n", stderr);
  return 1;
}

namespace {

using namespace lpsim::sim;

const std::string kResNet18 = std::string(LPSIM_SOURCE_DIR) + "/examples/resnet18.yaml";

Workload resnet18(const char* fidelity) {
  return load_workload(kResNet18, {std::string("accelerator.fidelity=") + fidelity});
}

void BM_ResNet18_Analytic_Simulate(benchmark::State& st) {
  const Prepared p = prepare(resnet18("analytic"));
  std::uint64_t cycles = 0;
  for (auto _ : st) cycles = simulate(p).cycles;
  st.counters["cycles"] = static_cast<double>(cycles);
}
BENCHMARK(BM_ResNet18_Analytic_Simulate)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ResNet18_Analytic_Evaluate(benchmark::State& st) {
  const Workload w = resnet18("analytic");
  std::uint64_t cycles = 0;
  for (auto _ : st) cycles = evaluate(w).cycles;
  st.counters["cycles"] = static_cast<double>(cycles);
}
BENCHMARK(BM_ResNet18_Analytic_Evaluate)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ResNet18_Tile_Simulate(benchmark::State& st) {
  const Prepared p = prepare(resnet18("tile"));
  std::uint64_t cycles = 0;
  for (auto _ : st) cycles = simulate(p).cycles;  // a worker process: SystemC, values, checks
  st.counters["cycles"] = static_cast<double>(cycles);
}
BENCHMARK(BM_ResNet18_Tile_Simulate)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

void BM_ResNet18_Tile_Evaluate(benchmark::State& st) {
  const Workload w = resnet18("tile");
  std::uint64_t cycles = 0;
  for (auto _ : st) cycles = evaluate(w).cycles;
  st.counters["cycles"] = static_cast<double>(cycles);
}
BENCHMARK(BM_ResNet18_Tile_Evaluate)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace
