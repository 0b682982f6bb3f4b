// Quantization error measures: RMSE, relative error, decimal accuracy, and LP's best sf.
#pragma once

#include <cstddef>

#include "lp_format.hpp"

namespace lpsim::fmt {

struct ErrorStats {
  std::size_t count = 0;
  double rmse = 0;               // sqrt(mean((x - q)^2))
  double max_rel_error = 0;      // max |q - x| / |x| over nonzero x
  double mean_decimal_acc = 0;   // mean of -log10|log10(q/x)| over x, q nonzero, same sign
  std::size_t exact = 0;         // values represented exactly (infinite decimal accuracy)
  std::size_t excluded = 0;      // values left out of the decimal accuracy (zero, sign flip)
};

// Decimal accuracy of q as an approximation of x (lp-format.md, "Related quantities"):
// -log10|log10(q/x)|; +inf when q == x, NaN when either is zero or their signs differ.
double decimal_accuracy(double x, double q);

// Error of `q` against reference `x`; exact values are counted in `exact` and left out of the
// mean decimal accuracy (their accuracy is infinite).
ErrorStats error_stats(const double* x, const double* q, std::size_t n);

// RMSE of the quantize-dequantize image of `x` in `format` (fast path).
double quantization_rmse(const NumberFormat& format, const float* x, std::size_t n);

// The sf in -64..64 that minimises the RMSE of x in LP<n, es, rs, sf>; ties go to the sf of
// smallest magnitude, then to the smaller sf. Uses sf's exact power-of-two shift so one table
// serves every candidate.
int best_lp_sf(int n, int es, int rs, const float* x, std::size_t count);

}  // namespace lpsim::fmt
