// Array quantize (float -> code -> float) speed: table-driven fast path vs per-value log2 encoder.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "sw/formats/format_parse.hpp"
#include "sw/formats/lp_format.hpp"

namespace {

constexpr std::size_t kValues = 1 << 20;

const std::vector<float>& gaussian_tensor() {
  static const std::vector<float> x = [] {
    std::mt19937_64 rng(1);
    std::normal_distribution<float> d(0.0f, 0.05f);
    std::vector<float> v(kValues);
    for (float& f : v) f = d(rng);
    return v;
  }();
  return x;
}

// The fast path: NumberFormat::quantize over a 1 Mi-value tensor.
void BM_QuantizeFast(benchmark::State& state, const char* format) {
  const auto& x = gaussian_tensor();
  auto f = lpsim::fmt::parse_format(format, x.data(), x.size());
  std::vector<std::uint16_t> codes(x.size());
  std::vector<float> out(x.size());
  f->quantize(x.data(), codes.data(), out.data(), 1);  // build the table outside the timing
  for (auto _ : state) {
    f->quantize(x.data(), codes.data(), out.data(), x.size());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * x.size()));
}

// Baseline: the naive per-value encoder, log2 then a search of the pattern grid, then decode.
void BM_QuantizeNaiveLog2(benchmark::State& state, const char* format) {
  const auto& x = gaussian_tensor();
  auto f = lpsim::fmt::parse_format(format, x.data(), x.size());
  std::vector<std::uint16_t> codes(x.size());
  std::vector<float> out(x.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      const auto c = f->encode(x[i]);
      codes[i] = static_cast<std::uint16_t>(c);
      out[i] = static_cast<float>(f->decode(c));
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * x.size()));
}

BENCHMARK_CAPTURE(BM_QuantizeFast, lp_8_2_3_0, "lp:8,2,3,0")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_QuantizeNaiveLog2, lp_8_2_3_0, "lp:8,2,3,0")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_QuantizeFast, lp_4_1_3_4, "lp:4,1,3,4")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_QuantizeNaiveLog2, lp_4_1_3_4, "lp:4,1,3,4")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_QuantizeFast, posit_8_2, "posit:8,2")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_QuantizeFast, fp8_e4m3, "fp8:e4m3")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_QuantizeFast, int8, "int:8")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_QuantizeFast, af_8_3, "af:8,3")->Unit(benchmark::kMillisecond);

}  // namespace
