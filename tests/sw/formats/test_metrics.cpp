// Error measures and LP's best-sf search, against direct computations.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "sw/formats/lp_format.hpp"
#include "sw/formats/metrics.hpp"

namespace {

using namespace lpsim::fmt;

TEST(Metrics, DecimalAccuracyFollowsTheSpecDefinition) {
  EXPECT_DOUBLE_EQ(decimal_accuracy(1.0, 1.1), -std::log10(std::log10(1.1)));
  EXPECT_DOUBLE_EQ(decimal_accuracy(-2.0, -2.5), -std::log10(std::log10(1.25)));
  EXPECT_TRUE(std::isinf(decimal_accuracy(3.0, 3.0)));
  EXPECT_TRUE(std::isnan(decimal_accuracy(0.0, 1.0)));
  EXPECT_TRUE(std::isnan(decimal_accuracy(1.0, -1.0)));
}

TEST(Metrics, ErrorStatsCountsExactAndExcludedValues) {
  const std::vector<double> x = {1.0, 2.0, 0.0, -1.0, 4.0};
  const std::vector<double> q = {1.0, 2.5, 0.0, 1.0, 4.5};
  const ErrorStats s = error_stats(x.data(), q.data(), x.size());
  EXPECT_EQ(s.count, 5u);
  EXPECT_DOUBLE_EQ(s.rmse, std::sqrt((0.25 + 4.0 + 0.25) / 5.0));
  EXPECT_DOUBLE_EQ(s.max_rel_error, 2.0);  // -1 -> 1
  EXPECT_EQ(s.exact, 1u);                  // 1.0 (the zero is excluded, not exact)
  EXPECT_EQ(s.excluded, 2u);               // the zero and the sign flip
  const double a1 = -std::log10(std::log10(1.25)), a2 = -std::log10(std::log10(1.125));
  EXPECT_DOUBLE_EQ(s.mean_decimal_acc, (a1 + a2) / 2);
}

TEST(Metrics, QuantizationRmseEqualsTheDirectComputation) {
  std::mt19937 rng(1);
  std::normal_distribution<float> d(0.f, 0.1f);
  std::vector<float> x(5000);
  for (float& v : x) v = d(rng);
  const LpFormat f({8, 1, 5, 3});
  double sq = 0;
  for (float v : x) {
    const double e = f.decode(f.encode(v)) - v;
    sq += e * e;
  }
  EXPECT_DOUBLE_EQ(quantization_rmse(f, x.data(), x.size()), std::sqrt(sq / x.size()));
}

// The sf of smallest RMSE over -64..64, by brute force with the exact double encoder.
int brute_best_sf(int n, int es, int rs, const std::vector<float>& x) {
  int best = 0;
  double best_err = std::numeric_limits<double>::infinity();
  for (int mag = 0; mag <= 64; ++mag)
    for (int sf : {-mag, mag}) {
      const LpFormat f({n, es, rs, sf});
      double sq = 0;
      for (float v : x) {
        const double e = f.decode(f.encode(v)) - v;
        sq += e * e;
      }
      if (sq < best_err) {
        best_err = sq;
        best = sf;
      }
      if (mag == 0) break;
    }
  return best;
}

TEST(Metrics, BestLpSfIsTheBruteForceMinimum) {
  std::mt19937 rng(9);
  for (double spread : {1e-4, 0.05, 3.0, 2e3}) {
    std::normal_distribution<float> d(0.f, static_cast<float>(spread));
    std::vector<float> x(400);
    for (float& v : x) v = d(rng);
    x[0] = 0.0f;  // zeros are exact in every sf
    for (auto [n, es, rs] : {std::tuple{8, 2, 3}, {4, 1, 3}, {6, 0, 5}}) {
      const int got = best_lp_sf(n, es, rs, x.data(), x.size());
      EXPECT_EQ(got, brute_best_sf(n, es, rs, x)) << "spread " << spread << " lp<" << n << "," << es << "," << rs << ">";
    }
  }
  // A tensor far outside LP<8,2,3,0>'s range needs a large shift.
  std::vector<float> tiny(100);
  for (std::size_t i = 0; i < tiny.size(); ++i) tiny[i] = 1e-12f * static_cast<float>(i + 1);
  EXPECT_GT(best_lp_sf(8, 2, 3, tiny.data(), tiny.size()), 20);
}

}  // namespace
