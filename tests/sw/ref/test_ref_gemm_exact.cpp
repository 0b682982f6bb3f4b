// The blocked exact LP GEMM (sw/ref/ref_gemm_exact.cpp) against the one-term-at-a-time Dot.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "sw/common/parallel.hpp"
#include "sw/ref/ref_datapath.hpp"

namespace lpsim::ref {
namespace {

// Random codes of `mode` bits with extra zeros; NaRs (the top code bit alone) about one in
// `nar_every`, none for 0.
std::vector<std::uint32_t> codes(std::mt19937& rng, std::size_t n, int mode, int nar_every) {
  std::vector<std::uint32_t> v(n);
  const std::uint32_t mask = (1u << mode) - 1, nar = 1u << (mode - 1);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = rng() & mask;
    if (rng() % 7 == 0) v[i] = 0;
    if (nar_every == 0 && v[i] == nar) v[i] = nar - 1;
    if (nar_every > 0 && rng() % static_cast<std::uint32_t>(nar_every) == 0) v[i] = nar;
  }
  return v;
}

void expect_same_as_dot(const DatapathSpec& spec, int M, int K, int N, int nar_every,
                        unsigned seed) {
  std::mt19937 rng(seed);
  const auto a = codes(rng, static_cast<std::size_t>(M) * K, spec.mode, nar_every);
  const auto w = codes(rng, static_cast<std::size_t>(K) * N, spec.mode, nar_every);
  const RefDatapath dp(spec);
  for (int threads : {1, 3}) {
    set_threads(threads);
    const std::vector<AccValue> got = dp.gemm(a.data(), w.data(), M, K, N);
    set_threads(0);
    ASSERT_EQ(got.size(), static_cast<std::size_t>(M) * N);
    RefDatapath::Dot dot(dp);
    int nars = 0;
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        for (int k = 0; k < K; ++k)
          dot.add(a[static_cast<std::size_t>(i) * K + k], w[static_cast<std::size_t>(k) * N + j]);
        const AccValue want = dot.finish();
        const AccValue& g = got[static_cast<std::size_t>(i) * N + j];
        nars += want.nar;
        ASSERT_TRUE(g == want) << fmt::lp_name(spec.act) << " mode " << spec.mode << " W "
                               << spec.lin_frac_bits << " at " << i << "," << j;
      }
    if (nar_every > 0) {
      EXPECT_GT(nars, 0);
    } else {
      EXPECT_EQ(nars, 0);
    }
  }
}

DatapathSpec lp_spec(int mode, fmt::LpParams act, fmt::LpParams wgt, int w_bits) {
  DatapathSpec s;
  s.mode = mode;
  s.act = act;
  s.wgt = wgt;
  s.lin_frac_bits = w_bits;
  return s;
}

TEST(RefGemmExact, EqualsDotProductsForMode8) {
  // 32-bit table entries (W = 8), columns not a multiple of the block, with and without NaR.
  expect_same_as_dot(lp_spec(8, {8, 2, 3, 0}, {8, 2, 3, 0}, 8), 37, 150, 23, 0, 1);
  expect_same_as_dot(lp_spec(8, {8, 2, 3, 0}, {8, 1, 4, -3}, 8), 19, 97, 13, 500, 2);
}

TEST(RefGemmExact, EqualsDotProductsWithWideConverter) {
  // W = 24: 64-bit table entries.
  expect_same_as_dot(lp_spec(8, {8, 2, 3, 2}, {8, 2, 3, -1}, 24), 21, 64, 9, 300, 3);
}

TEST(RefGemmExact, EqualsDotProductsWithManyBuckets) {
  // lp<8,3,3,0> x lp<8,3,3,0>: about 96 exponent buckets, combined through the 256-bit path.
  DatapathSpec s = lp_spec(8, {8, 3, 3, 0}, {8, 3, 3, 0}, 8);
  s.max_k = 1024;
  expect_same_as_dot(s, 17, 200, 11, 0, 4);
}

TEST(RefGemmExact, EqualsDotProductsForMode4And2) {
  expect_same_as_dot(lp_spec(4, {4, 1, 2, 0}, {4, 1, 2, 0}, 8), 33, 70, 7, 200, 5);
  expect_same_as_dot(lp_spec(2, {2, 0, 1, 0}, {2, 0, 1, 0}, 8), 40, 64, 5, 0, 6);
}

TEST(RefGemmExact, EqualsDotProductsForNarrowLayers) {
  // One column (a depthwise group), three, and exactly four and eight.
  for (int n : {1, 3, 4, 8})
    expect_same_as_dot(lp_spec(8, {8, 2, 3, 0}, {8, 2, 3, 0}, 8), 600, 9, n, 400,
                       static_cast<unsigned>(10 + n));
}

TEST(RefGemmExact, BadWeightCodeIsAnError) {
  const RefDatapath dp(lp_spec(4, {4, 1, 2, 0}, {4, 1, 2, 0}, 8));
  std::vector<std::uint32_t> a(64 * 64, 1), w(64 * 64, 2);
  w[100] = 16;
  EXPECT_THROW(dp.gemm(a.data(), w.data(), 64, 64, 64), RefError);
}

}  // namespace
}  // namespace lpsim::ref
