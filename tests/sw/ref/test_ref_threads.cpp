// The reference GEMM splits its rows over threads: results are identical for 1 and N threads.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "sw/common/parallel.hpp"
#include "sw/ref/ref_datapath.hpp"

namespace lpsim::ref {
namespace {

TEST(RefThreads, GemmEqualForAnyThreadCount) {
  std::mt19937 rng(3);
  for (AccKind acc : {AccKind::exact, AccKind::narrow, AccKind::small_float}) {
    DatapathSpec spec;
    spec.acc = acc;
    const int M = 203, K = 150, N = 37;
    std::vector<std::uint32_t> a(static_cast<std::size_t>(M) * K),
        w(static_cast<std::size_t>(K) * N);
    for (auto& c : a) c = rng() & 0xffu;  // NaR (0x80) included
    for (auto& c : w) c = rng() & 0xffu;
    a[5] = 0x80;
    std::vector<std::vector<AccValue>> outs;
    for (int threads : {1, 3, 0}) {
      set_threads(threads);
      outs.push_back(ref_gemm(spec, a.data(), w.data(), M, K, N));
    }
    set_threads(0);
    for (std::size_t t = 1; t < outs.size(); ++t) {
      ASSERT_EQ(outs[t].size(), outs[0].size());
      for (std::size_t i = 0; i < outs[0].size(); ++i) {
        ASSERT_TRUE(outs[t][i].units == outs[0][i].units) << i;
        ASSERT_EQ(outs[t][i].nar, outs[0][i].nar) << i;
        ASSERT_EQ(outs[t][i].lsb_exp, outs[0][i].lsb_exp) << i;
      }
    }
  }
}

}  // namespace
}  // namespace lpsim::ref
