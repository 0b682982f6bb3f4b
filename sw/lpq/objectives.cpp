// LPQ's objectives (see objectives.hpp).
#include "sw/lpq/objectives.hpp"

#include <algorithm>
#include <cmath>

#include "sw/common/error.hpp"

namespace lpsim::lpq {
namespace {

std::int64_t argmax(const float* row, std::int64_t n) {
  return std::max_element(row, row + n) - row;
}

}  // namespace

Objective objective_from_string(const std::string& s) {
  if (s == "global-local") return Objective::global_local;
  if (s == "global") return Objective::global;
  if (s == "kl") return Objective::kl;
  if (s == "mse") return Objective::mse;
  throw UserError("objective '" + s + "' is not one of global-local, global, kl, mse");
}

std::string to_string(Objective o) {
  switch (o) {
    case Objective::global_local:
      return "global-local";
    case Objective::global:
      return "global";
    case Objective::kl:
      return "kl";
    case Objective::mse:
      return "mse";
  }
  return "?";
}

// Rows scaled to unit length (zero rows stay zero), in float.
std::vector<float> unit_rows(const std::vector<float>& x, std::int64_t batch, std::int64_t dim) {
  std::vector<float> u(x.size());
  for (std::int64_t b = 0; b < batch; ++b) {
    double s = 0;
    for (std::int64_t d = 0; d < dim; ++d)
      s += static_cast<double>(x[b * dim + d]) * x[b * dim + d];
    const float inv = s > 0 ? static_cast<float>(1.0 / std::sqrt(s)) : 0.0f;
    for (std::int64_t d = 0; d < dim; ++d) u[b * dim + d] = x[b * dim + d] * inv;
  }
  return u;
}

// Dot product with 8 independent partial sums combined in a fixed order: vectorizable, and the
// same result on every machine and thread count.
double dot8(const float* a, const float* b, std::int64_t n) {
  float p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) p[k] += a[i + k] * b[i + k];
  double s = 0;
  for (int k = 0; k < 8; ++k) s += p[k];
  for (; i < n; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

double info_nce(const std::vector<float>& q, const std::vector<float>& f, std::int64_t batch,
                std::int64_t dim, double tau) {
  if (batch <= 0 || dim <= 0) return 0;
  const std::vector<float> uq = unit_rows(q, batch, dim), uf = unit_rows(f, batch, dim);
  double loss = 0;
  std::vector<double> logit(static_cast<std::size_t>(batch));
  for (std::int64_t i = 0; i < batch; ++i) {
    for (std::int64_t j = 0; j < batch; ++j)
      logit[j] = dot8(uq.data() + i * dim, uf.data() + j * dim, dim) / tau;
    const double m = *std::max_element(logit.begin(), logit.end());
    double s = 0;
    for (double l : logit) s += std::exp(l - m);
    loss += -(logit[i] - m - std::log(s));
  }
  return loss / static_cast<double>(batch);
}

double kl_divergence(const std::vector<float>& q, const std::vector<float>& f, std::int64_t batch,
                     std::int64_t classes) {
  double total = 0;
  for (std::int64_t b = 0; b < batch; ++b) {
    const float* x = q.data() + b * classes;
    const float* y = f.data() + b * classes;
    const double mx = *std::max_element(x, x + classes), my = *std::max_element(y, y + classes);
    double sx = 0, sy = 0;
    for (std::int64_t c = 0; c < classes; ++c) {
      sx += std::exp(x[c] - mx);
      sy += std::exp(y[c] - my);
    }
    const double lx = mx + std::log(sx), ly = my + std::log(sy);
    for (std::int64_t c = 0; c < classes; ++c) {
      const double lp = y[c] - ly, lq = x[c] - lx;
      total += std::exp(lp) * (lp - lq);
    }
  }
  return batch > 0 ? total / static_cast<double>(batch) : 0;
}

double mse(const std::vector<float>& q, const std::vector<float>& f) {
  double s = 0;
  for (std::size_t i = 0; i < q.size(); ++i) {
    const double d = static_cast<double>(q[i]) - f[i];
    s += d * d;
  }
  return q.empty() ? 0 : s / static_cast<double>(q.size());
}

double top1_agreement(const std::vector<float>& q, const std::vector<float>& f, std::int64_t batch,
                      std::int64_t classes) {
  std::int64_t same = 0;
  for (std::int64_t b = 0; b < batch; ++b)
    same += argmax(q.data() + b * classes, classes) == argmax(f.data() + b * classes, classes);
  return batch > 0 ? static_cast<double>(same) / static_cast<double>(batch) : 0;
}

double top1_percent(const std::vector<float>& logits, std::int64_t batch, std::int64_t classes,
                    const std::vector<std::int64_t>& labels) {
  std::int64_t ok = 0;
  for (std::int64_t b = 0; b < batch; ++b)
    ok += argmax(logits.data() + b * classes, classes) == labels[static_cast<std::size_t>(b)];
  return batch > 0 ? 100.0 * static_cast<double>(ok) / static_cast<double>(batch) : 0;
}

}  // namespace lpsim::lpq
