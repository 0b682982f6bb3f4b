// LPQ's objectives L_CO between a quantized network's outputs and the FP32 network's on the same
// calibration batch (docs/lpq.md, "Objectives"). Every function is deterministic (fixed
// summation order) and returns a loss: lower is better.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lpsim::lpq {

enum class Objective { global_local, global, kl, mse };
Objective objective_from_string(const std::string& s);  // throws UserError listing the names
std::string to_string(Objective o);

// InfoNCE with cosine similarity and temperature tau: row b of `q` (B x D) is pulled toward
// row b of `f` and pushed from the other rows of `f`:
//   mean_b -log( exp(cos(q_b, f_b)/tau) / sum_j exp(cos(q_b, f_j)/tau) ).
double info_nce(const std::vector<float>& q, const std::vector<float>& f, std::int64_t batch,
                std::int64_t dim, double tau);
// mean_b KL(softmax(f_b) || softmax(q_b)) over rows of class logits.
double kl_divergence(const std::vector<float>& q, const std::vector<float>& f, std::int64_t batch,
                     std::int64_t classes);
// mean of (q - f)^2.
double mse(const std::vector<float>& q, const std::vector<float>& f);
// Fraction of rows whose argmax agrees (first maximum).
double top1_agreement(const std::vector<float>& q, const std::vector<float>& f, std::int64_t batch,
                      std::int64_t classes);
// Percent of rows whose argmax equals the label.
double top1_percent(const std::vector<float>& logits, std::int64_t batch, std::int64_t classes,
                    const std::vector<std::int64_t>& labels);

}  // namespace lpsim::lpq
