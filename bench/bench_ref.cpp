// The independent reference's exact LP GEMM (sw/ref), on the shape of BM_ArrayTile and
// BM_FloatGemm (bench_array.cpp): MAC/s beside them in one lpsim_bench run.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "sw/ref/ref_datapath.hpp"

namespace {

using namespace lpsim::ref;

// LP<8,2,3,0> codes of Gaussian data (the same recipe as bench_array.cpp's operands).
struct RefOperands {
  int M = 3136, K = 576, N = 64;
  std::vector<std::uint32_t> a, w;
};

const RefOperands& ref_operands() {
  static const RefOperands ops = [] {
    RefOperands o;
    const lpsim::fmt::LpFormat f(lpsim::fmt::LpParams{8, 2, 3, 0});
    std::mt19937 rng(1);
    std::normal_distribution<double> g(0, 1);
    o.a.resize(static_cast<std::size_t>(o.M) * o.K);
    o.w.resize(static_cast<std::size_t>(o.K) * o.N);
    for (auto& x : o.a) x = f.encode(g(rng));
    for (auto& x : o.w) x = f.encode(g(rng) * 0.05);
    return o;
  }();
  return ops;
}

void BM_RefGemm_3136x576x64(benchmark::State& st) {
  const RefOperands& o = ref_operands();
  const RefDatapath dp(DatapathSpec{});
  for (auto _ : st) {
    const std::vector<AccValue> out = dp.gemm(o.a.data(), o.w.data(), o.M, o.K, o.N);
    benchmark::DoNotOptimize(out.data());
  }
  const double macs = static_cast<double>(o.M) * o.K * o.N;
  st.counters["MAC/s"] =
      benchmark::Counter(macs * static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RefGemm_3136x576x64)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
