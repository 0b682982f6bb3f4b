// Quantization error measures (see metrics.hpp).
#include "metrics.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "fast_quantizer.hpp"

namespace lpsim::fmt {

double decimal_accuracy(double x, double q) {
  if (x == 0 || q == 0 || std::signbit(x) != std::signbit(q) || std::isnan(x) || std::isnan(q))
    return std::numeric_limits<double>::quiet_NaN();
  if (x == q) return std::numeric_limits<double>::infinity();
  return -std::log10(std::fabs(std::log10(q / x)));
}

ErrorStats error_stats(const double* x, const double* q, std::size_t n) {
  ErrorStats s;
  s.count = n;
  double sq = 0, acc = 0;
  std::size_t acc_n = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = q[i] - x[i];
    sq += d * d;
    if (x[i] != 0) s.max_rel_error = std::max(s.max_rel_error, std::fabs(d) / std::fabs(x[i]));
    const double a = decimal_accuracy(x[i], q[i]);
    if (std::isinf(a)) {
      ++s.exact;
    } else if (std::isnan(a)) {
      ++s.excluded;
    } else {
      acc += a;
      ++acc_n;
    }
  }
  s.rmse = n ? std::sqrt(sq / static_cast<double>(n)) : 0;
  s.mean_decimal_acc = acc_n ? acc / static_cast<double>(acc_n) : 0;
  return s;
}

double quantization_rmse(const NumberFormat& format, const float* x, std::size_t n) {
  const FastQuantizer& fq = format.fast();
  double sq = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = format.decode(fq.encode(x[i])) - x[i];
    sq += d * d;
  }
  return n ? std::sqrt(sq / static_cast<double>(n)) : 0;
}

int best_lp_sf(int n, int es, int rs, const float* x, std::size_t count) {
  // quantize(x; sf) = 2^-sf * quantize(x * 2^sf; 0), since L* = log2|x| + sf. One sf = 0 table
  // therefore serves every candidate; values whose shifted image leaves the normal float range
  // take the exact double encoder.
  const LpFormat base(LpParams{n, es, rs, 0});
  const FastQuantizer& fq = base.fast();
  int best = 0;
  double best_err = std::numeric_limits<double>::infinity();
  for (int mag = 0; mag <= 64; ++mag) {
    for (int sf : {-mag, mag}) {
      if (mag == 0 && sf != 0) continue;
      double sq = 0;
      for (std::size_t i = 0; i < count; ++i) {
        const double xv = x[i];
        const double shifted = std::ldexp(xv, sf);
        const float fs = static_cast<float>(shifted);
        double q;
        if (std::isnormal(fs) || xv == 0) {
          q = std::ldexp(base.decode(fq.encode(fs)), -sf);
        } else {
          q = std::ldexp(base.decode(base.encode(shifted)), -sf);
        }
        const double d = q - xv;
        sq += d * d;
      }
      if (sq < best_err) {
        best_err = sq;
        best = sf;
      }
      if (mag == 0) break;
    }
  }
  return best;
}

}  // namespace lpsim::fmt
