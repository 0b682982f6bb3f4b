// The FP32 GEMM splits its column panels over threads: every float is bit-identical for 1 and N
// threads (sizes with tail rows and tail columns).
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <vector>

#include "sw/common/parallel.hpp"
#include "sw/model/fp32_forward.hpp"

namespace lpsim::model {
namespace {

TEST(Fp32Threads, GemmBitIdenticalForAnyThreadCount) {
  std::mt19937 rng(9);
  std::normal_distribution<float> nd(0.f, 1.f);
  for (const auto& [m, n, k] :
       {std::array<int64_t, 3>{67, 3139, 75}, {6, 1000, 513}, {1, 1003, 300}}) {
    std::vector<float> a(static_cast<std::size_t>(m * k)), b(static_cast<std::size_t>(k * n));
    for (float& v : a) v = nd(rng);
    for (float& v : b) v = nd(rng);
    std::vector<std::vector<float>> outs;
    for (int threads : {1, 4, 0}) {
      set_threads(threads);
      std::vector<float> c(static_cast<std::size_t>(m * n), 0.25f);
      gemm_f32(m, n, k, a.data(), k, b.data(), n, c.data(), n);
      outs.push_back(c);
    }
    set_threads(0);
    for (std::size_t t = 1; t < outs.size(); ++t)
      EXPECT_EQ(std::memcmp(outs[t].data(), outs[0].data(), outs[0].size() * sizeof(float)), 0)
          << m << "x" << n;
  }
}

}  // namespace
}  // namespace lpsim::model
