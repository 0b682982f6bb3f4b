// LPQ: the genetic search for per-layer LP formats of weights and activations (docs/lpq.md),
// after the LP paper (Ramachandran et al., DAC 2024, "LPQ"). A chromosome holds, per accelerator
// layer, <n, es, rs, sf> for the weights and for the activations; the fitness of a candidate is
// L_F = L_CO x L_CR^lambda, evaluated with the fake-quantized forward pass (quant_net.hpp) on
// the calibration batch. Seeded and reproducible for any number of threads: the random choices
// are made on one thread, candidates are evaluated in parallel by pure functions and their
// results are taken in candidate order.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sw/formats/lp_format.hpp"
#include "sw/lpq/objectives.hpp"
#include "sw/lpq/quant_net.hpp"

namespace lpsim::lpq {

struct LayerGene {
  fmt::LpParams w, a;
  bool operator==(const LayerGene& o) const { return w == o.w && a == o.a; }
};
using Chromosome = std::vector<LayerGene>;

// MODE a layer runs at: the larger of its operand widths (docs/workload.md), rounded up to a
// MODE (weights of 3, 5, 6, 7 bits are stored at their activations' MODE).
inline int layer_mode(const LayerGene& g) {
  const int n = g.w.n > g.a.n ? g.w.n : g.a.n;
  return n <= 2 ? 2 : n <= 4 ? 4 : 8;
}

// Every constant the paper leaves open, with its default (docs/lpq.md, "Settings").
struct Settings {
  int iterations = 60;          // GA iterations
  int population = 8;           // initial population: the uniform 8-bit start + random candidates
  int block = 2;                // consecutive layers changed per iteration
  double mutation_rate = 0.5;   // per gene in the block
  double crossover_rate = 0.5;  // per gene in the block: take the second parent's
  int diverse = 3;              // random parents mutated with the child per iteration
  std::vector<int> weight_bits{2, 4, 8};
  std::vector<int> activation_bits{4, 8};
  int es_max = 2;         // es searched in 0..es_max; rs in 1..n-1
  int sf_range = 2;       // sf searched in best_sf(n, es, rs) +- sf_range
  int sf_samples = 4096;  // values (evenly strided) per tensor for the calibrated sf
  Objective objective = Objective::global_local;
  double tau = 0.1;                  // InfoNCE temperature
  double local_weight = 1.0;         // global-local: L_CO = global + local_weight * local
  int local_layers = 4;              // intermediate layers whose outputs form the local features
  std::string compression = "bits";  // bits | energy | latency
  double lambda = 0.2;               // L_F = L_CO * L_CR^lambda
  std::uint64_t seed = 1;
  int threads = 0;  // 0 = every core
};

struct Evaluation {
  double fitness = 0, l_co = 0, l_cr = 0;
  double weight_bits = 0, activation_bits = 0;  // parameter- / element-weighted means
  double agreement = 0;  // top-1 agreement with FP32 on the calibration batch
};

// The search problem: a network, its calibration batch and the hardware cost per layer and MODE.
class Problem {
 public:
  // `cost[l]` = {MODE 2, 4, 8} energy or latency of layer l (compression energy | latency;
  // empty for bits).
  // `feasible(l, mode, out_bits)`: whether layer l tiles into the buffers at that MODE with its
  // output stored in out_bits-bit codes (empty: always); an infeasible candidate's fitness is +inf.
  using Feasible = std::function<bool(std::size_t, int, int)>;
  Problem(const QuantNet& net, const model::FloatTensor& calibration, const Settings& s,
          std::vector<std::array<double, 3>> cost = {}, Feasible feasible = {});
  // Whether every layer of c can run (see Feasible).
  bool feasible(const Chromosome& c) const;
  // Width of layer l's output codes: its consumers' activation width when every consumer is an
  // accelerator layer and they agree on the format, else its own activation width.
  int out_bits(const Chromosome& c, std::size_t l) const;

  const QuantNet& net() const { return m_net; }
  const Settings& settings() const { return m_s; }
  // The calibrated sf of layer l's weights (weight=true) or activations in LP<n, es, rs, *>.
  int base_sf(std::size_t l, bool weight, int n, int es, int rs) const;
  std::vector<LayerQuant> quantizers(const Chromosome& c) const;
  Evaluation evaluate(const Chromosome& c) const;  // thread-safe
  double weight_bits(const Chromosome& c) const;
  double activation_bits(const Chromosome& c) const;
  // The uniform start: every operand LP<8, min(2, es_max), 3, calibrated sf>.
  Chromosome uniform8() const;
  std::vector<std::size_t> feature_layers() const { return m_features; }

 private:
  double loss(const QuantNet::Output& q) const;
  const QuantNet& m_net;
  const model::FloatTensor& m_calib;
  Settings m_s;
  std::vector<std::array<double, 3>> m_cost;
  Feasible m_feasible;
  std::vector<std::size_t> m_features;
  QuantNet::Output m_ref;  // FP32 outputs and features
  std::vector<double> m_wcount, m_acount;
  // base sf per layer, operand, n (index into {2,4,8}), es, rs
  std::vector<std::vector<int>> m_sf;
  std::size_t sf_index(int n, int es, int rs) const;
};

struct Result {
  Chromosome best;
  Evaluation best_eval;
  std::vector<double> history;  // best fitness after each iteration (index 0: initial population)
  struct Evaluated {
    int iteration;
    Evaluation e;
  };
  std::vector<Evaluated> evaluated;  // every candidate evaluated, in order
};

// The genetic search. `progress(iteration, best fitness)` is called after each iteration.
Result search(const Problem& p, const std::function<void(int, double)>& progress = {});

// Evaluates candidates in parallel (`threads` 0 = every core); results in input order.
std::vector<Evaluation> evaluate_all(const Problem& p, const std::vector<Chromosome>& c);

}  // namespace lpsim::lpq
