// One plain FP32 forward pass of each example network (the same graph, weights and input as
// `lpsim run examples/NAME.yaml`): the yardstick of bench/speed_examples.sh, which prints a
// run's time beside it. Wall time and the whole process's CPU time (the pass uses every core:
// sw/common/parallel.hpp; LPSIM_THREADS=N sets their number, as `lpsim run --threads N`).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "sim/run/pipeline.hpp"
#include "sw/common/parallel.hpp"
#include "sw/model/fp32_forward.hpp"

namespace {

void fp32_pass(benchmark::State& st, const std::string& example) {
  using namespace lpsim;
  if (const char* t = std::getenv("LPSIM_THREADS")) set_threads(std::atoi(t));  // 0 = every core
  const sim::Workload w =
      sim::load_workload(std::string(LPSIM_SOURCE_DIR) + "/examples/" + example + ".yaml");
  const sim::Prepared p = sim::prepare(w);
  double macs = 0;
  for (const compiler::Step& s : p.program.steps)
    if (s.compute) macs += static_cast<double>(s.layer.view.macs());
  for (auto _ : st) {
    model::TensorValues out = model::forward_fp32(*p.graph, p.inputs, false);
    benchmark::DoNotOptimize(out);
  }
  st.counters["MACs"] = macs;
}

BENCHMARK_CAPTURE(fp32_pass, resnet18, std::string("resnet18"))
    ->Name("Fp32Pass/resnet18")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();
BENCHMARK_CAPTURE(fp32_pass, resnet50, std::string("resnet50"))
    ->Name("Fp32Pass/resnet50")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();
BENCHMARK_CAPTURE(fp32_pass, mobilenetv2, std::string("mobilenetv2"))
    ->Name("Fp32Pass/mobilenetv2")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();
BENCHMARK_CAPTURE(fp32_pass, vit_b16, std::string("vit_b16"))
    ->Name("Fp32Pass/vit_b16")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->Iterations(2);

}  // namespace
