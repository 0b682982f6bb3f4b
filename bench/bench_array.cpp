// Systolic array throughput: tile fidelity MAC/s beside a plain float GEMM, cycle fidelity cycles/s.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "hw/array/systolic_array.hpp"

namespace {

using namespace lpsim::hw;

struct Operands {
  int M, K, N;
  std::vector<std::uint8_t> a, w;
  std::vector<float> af, wf;
};

// LP8 <8,2,3,0> codes of Gaussian data and their float values (same GEMM for both benches).
const Operands& resnet_like() {
  static const Operands ops = [] {
    Operands o{3136, 576, 64, {}, {}, {}, {}};
    const lpsim::fmt::LpFormat f(lpsim::fmt::LpParams{8, 2, 3, 0});
    std::mt19937 rng(1);
    std::normal_distribution<double> g(0, 1);
    o.a.resize(static_cast<std::size_t>(o.M) * o.K);
    o.w.resize(static_cast<std::size_t>(o.K) * o.N);
    for (auto& x : o.a) x = static_cast<std::uint8_t>(f.encode(g(rng)));
    for (auto& x : o.w) x = static_cast<std::uint8_t>(f.encode(g(rng) * 0.05));
    for (auto x : o.a) o.af.push_back(static_cast<float>(f.decode(x)));
    for (auto x : o.w) o.wf.push_back(static_cast<float>(f.decode(x)));
    return o;
  }();
  return ops;
}

void BM_ArrayTile_3136x576x64_32x32(benchmark::State& st) {
  const Operands& o = resnet_like();
  SystolicArray arr(ArrayConfig{});
  std::vector<i128> out(static_cast<std::size_t>(o.M) * o.N);
  std::uint64_t cycles = 0;
  for (auto _ : st) {
    cycles = arr.run_tile(GemmJob{o.a.data(), o.w.data(), out.data(), o.M, o.K, o.N});
    benchmark::DoNotOptimize(out.data());
  }
  const double macs = static_cast<double>(o.M) * o.K * o.N;
  st.counters["MAC/s"] = benchmark::Counter(macs * static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
  st.counters["array_cycles"] = static_cast<double>(cycles);
}
BENCHMARK(BM_ArrayTile_3136x576x64_32x32)->Unit(benchmark::kMillisecond)->UseRealTime();

// The baseline: a plain float GEMM of the same shape (i-k-j loop, vectorisable inner loop).
void BM_FloatGemm_3136x576x64(benchmark::State& st) {
  const Operands& o = resnet_like();
  std::vector<float> out(static_cast<std::size_t>(o.M) * o.N);
  for (auto _ : st) {
    for (int m = 0; m < o.M; ++m) {
      float* c = out.data() + static_cast<std::size_t>(m) * o.N;
      for (int n = 0; n < o.N; ++n) c[n] = 0;
      for (int k = 0; k < o.K; ++k) {
        const float a = o.af[static_cast<std::size_t>(m) * o.K + k];
        const float* w = o.wf.data() + static_cast<std::size_t>(k) * o.N;
        for (int n = 0; n < o.N; ++n) c[n] += a * w[n];
      }
    }
    benchmark::DoNotOptimize(out.data());
  }
  const double macs = static_cast<double>(o.M) * o.K * o.N;
  st.counters["MAC/s"] = benchmark::Counter(macs * static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FloatGemm_3136x576x64)->Unit(benchmark::kMillisecond)->UseRealTime();

// Cycle fidelity on 32x32 with values flowing (ws/os/is): array clocks per second of CPU time
// (one thread; CPU time, not wall time, so the figure holds on a shared machine).
// FullRegisters: every PE register written every clock, idle PEs included (the view a
// waveform probe turns on); the default skips PEs without valid words.
void array_cycle(benchmark::State& st, bool full) {
  const Operands& o = resnet_like();
  ArrayConfig cfg;
  cfg.dataflow = static_cast<Dataflow>(st.range(0));
  SystolicArray arr(cfg);
  arr.set_full_registers(full);
  const int M = 256;  // a slice of the GEMM keeps one iteration short
  std::vector<i128> out(static_cast<std::size_t>(M) * o.N);
  std::uint64_t cycles = 0;
  for (auto _ : st) cycles += arr.run_cycle(GemmJob{o.a.data(), o.w.data(), out.data(), M, o.K, o.N});
  st.counters["cycles/s"] = benchmark::Counter(static_cast<double>(cycles), benchmark::Counter::kIsRate);
  st.counters["MAC/s"] = benchmark::Counter(static_cast<double>(arr.stats().word_macs), benchmark::Counter::kIsRate);
  st.SetLabel(to_string(cfg.dataflow));
}
void BM_ArrayCycle_32x32(benchmark::State& st) { array_cycle(st, false); }
void BM_ArrayCycle_32x32_FullRegisters(benchmark::State& st) { array_cycle(st, true); }
BENCHMARK(BM_ArrayCycle_32x32)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ArrayCycle_32x32_FullRegisters)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace
