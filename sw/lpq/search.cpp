// LPQ's genetic search (see search.hpp).
#include "sw/lpq/search.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <thread>

#include "sw/common/error.hpp"
#include "sw/common/parallel.hpp"

namespace lpsim::lpq {
namespace {

constexpr int kMaxEs = 4;

int n_index(int n) {
  return n == 2 ? 0 : n == 4 ? 1 : 2;
}

// Uniform integer in [lo, hi] from the 64-bit generator (the same on every platform).
int uniform(std::mt19937_64& rng, int lo, int hi) {
  return lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
}
double unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

}  // namespace

std::size_t Problem::sf_index(int n, int es, int rs) const {  // n in 2..8
  return (static_cast<std::size_t>(n - 2) * (kMaxEs + 1) + static_cast<std::size_t>(es)) * 16 +
         static_cast<std::size_t>(rs);
}

Problem::Problem(const QuantNet& net, const model::FloatTensor& calibration, const Settings& s,
                 std::vector<std::array<double, 3>> cost, Feasible feasible)
    : m_net(net),
      m_calib(calibration),
      m_s(s),
      m_cost(std::move(cost)),
      m_feasible(std::move(feasible)) {
  const std::size_t L = net.layers();
  if (L == 0) throw UserError("lpq: the model has no accelerator layer");
  if (s.es_max < 0 || s.es_max > kMaxEs) throw UserError("lpq.es_max: must be 0..4");
  for (int n : s.weight_bits)
    if (n < 2 || n > 8) throw UserError("lpq.weight_bits: widths must be 2 .. 8");
  for (int n : s.activation_bits)
    if (n != 2 && n != 4 && n != 8)
      throw UserError("lpq.activation_bits: widths must be 2, 4 or 8");
  if (s.compression != "bits" && m_cost.size() != L)
    throw UserError("lpq: compression '" + s.compression + "' needs a cost per layer");
  // Local features: up to local_layers intermediate layers, evenly spaced, the last layer excluded.
  if (s.objective == Objective::global_local && L > 1 && s.local_layers > 0) {
    const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(s.local_layers), L - 1);
    for (std::size_t i = 0; i < k; ++i) {
      const std::size_t l = (i * (L - 1)) / k;
      if (m_features.empty() || m_features.back() != l) m_features.push_back(l);
    }
  }
  std::vector<std::vector<float>> inputs;
  m_ref = net.run(calibration, nullptr, m_features, &inputs);
  m_wcount.resize(L);
  m_acount.resize(L);
  for (std::size_t l = 0; l < L; ++l) {
    m_wcount[l] = static_cast<double>(net.weight_count(l));
    m_acount[l] = static_cast<double>(inputs[l].size());
  }
  // The calibrated sf of every <n, es, rs> the search can pick, per layer and operand.
  m_sf.assign(2 * L, std::vector<int>(7 * (kMaxEs + 1) * 16, 0));
  for (std::size_t l = 0; l < L; ++l)
    for (int op = 0; op < 2; ++op) {
      const bool weight = op == 0;
      if (weight && net.weight_count(l) == 0) continue;
      const std::vector<float>& x = weight ? net.layer_node(l).weights : inputs[l];
      for (int n : weight ? s.weight_bits : s.activation_bits)
        for (int es = 0; es <= s.es_max; ++es)
          for (int rs = 1; rs < n; ++rs)
            m_sf[2 * l + op][sf_index(n, es, rs)] = best_sf(n, es, rs, x, static_cast<std::size_t>(s.sf_samples));
    }
}

int Problem::out_bits(const Chromosome& c, std::size_t l) const {
  const std::vector<std::size_t>& cons = m_net.consumer_layers(l);
  if (!m_net.all_compute(l) || cons.empty()) return c[l].a.n;
  for (std::size_t k : cons)
    if (!(c[k].a == c[cons[0]].a)) return c[l].a.n;
  return c[cons[0]].a.n;
}

bool Problem::feasible(const Chromosome& c) const {
  for (std::size_t l = 0; l < c.size(); ++l) {
    // Weights of a width that is no MODE run only below their activations' MODE (stored wider).
    const int nw = c[l].w.n;
    if (nw != 2 && nw != 4 && nw != 8 && nw >= c[l].a.n) return false;
    if (m_feasible && !m_feasible(l, layer_mode(c[l]), out_bits(c, l))) return false;
  }
  return true;
}

int Problem::base_sf(std::size_t l, bool weight, int n, int es, int rs) const {
  return m_sf.at(2 * l + (weight ? 0 : 1)).at(sf_index(n, es, rs));
}

std::vector<LayerQuant> Problem::quantizers(const Chromosome& c) const {
  std::vector<LayerQuant> q(c.size());
  for (std::size_t l = 0; l < c.size(); ++l) {
    q[l].w = Quantizer::of_lp(c[l].w);
    q[l].a = Quantizer::of_lp(c[l].a);
  }
  return q;
}

double Problem::weight_bits(const Chromosome& c) const {
  double s = 0, n = 0;
  for (std::size_t l = 0; l < c.size(); ++l) {
    s += m_wcount[l] * c[l].w.n;
    n += m_wcount[l];
  }
  return n > 0 ? s / n : 0;
}

double Problem::activation_bits(const Chromosome& c) const {
  double s = 0, n = 0;
  for (std::size_t l = 0; l < c.size(); ++l) {
    s += m_acount[l] * c[l].a.n;
    n += m_acount[l];
  }
  return n > 0 ? s / n : 0;
}

Chromosome Problem::uniform8() const {
  Chromosome c(m_net.layers());
  const int es = std::min(2, m_s.es_max);
  for (std::size_t l = 0; l < c.size(); ++l) {
    const bool has_w =
        std::find(m_s.weight_bits.begin(), m_s.weight_bits.end(), 8) != m_s.weight_bits.end();
    const bool has_a = std::find(m_s.activation_bits.begin(), m_s.activation_bits.end(), 8) !=
                       m_s.activation_bits.end();
    const int nw = has_w ? 8 : m_s.weight_bits.back(), na = has_a ? 8 : m_s.activation_bits.back();
    const int rw = std::min(3, nw - 1), ra = std::min(3, na - 1);
    c[l].w = {nw, es, rw, base_sf(l, true, nw, es, rw)};
    c[l].a = {na, es, ra, base_sf(l, false, na, es, ra)};
  }
  return c;
}

double Problem::loss(const QuantNet::Output& q) const {
  const Settings& s = m_s;
  switch (s.objective) {
    case Objective::global:
      return info_nce(q.out, m_ref.out, q.batch, q.classes, s.tau);
    case Objective::global_local: {
      double l = info_nce(q.out, m_ref.out, q.batch, q.classes, s.tau);
      if (q.feature_dim > 0)
        l += s.local_weight * info_nce(q.features, m_ref.features, q.batch, q.feature_dim, s.tau);
      return l;
    }
    case Objective::kl:
      return kl_divergence(q.out, m_ref.out, q.batch, q.classes);
    case Objective::mse:
      return mse(q.out, m_ref.out);
  }
  return 0;
}

Evaluation Problem::evaluate(const Chromosome& c) const {
  if (!feasible(c)) {
    Evaluation e;
    e.fitness = e.l_co = std::numeric_limits<double>::infinity();
    e.weight_bits = weight_bits(c);
    e.activation_bits = activation_bits(c);
    e.l_cr = 1;
    return e;
  }
  const std::vector<LayerQuant> q = quantizers(c);
  const QuantNet::Output o = m_net.run(m_calib, &q, m_features);
  Evaluation e;
  e.l_co = loss(o);
  e.weight_bits = weight_bits(c);
  e.activation_bits = activation_bits(c);
  if (m_s.compression == "bits") {
    e.l_cr = e.weight_bits / 8.0;
  } else {
    double cost = 0, full = 0;
    for (std::size_t l = 0; l < c.size(); ++l) {
      cost += m_cost[l][static_cast<std::size_t>(n_index(layer_mode(c[l])))];
      full += m_cost[l][2];
    }
    e.l_cr = full > 0 ? cost / full : 1.0;
  }
  e.fitness = e.l_co * std::pow(e.l_cr, m_s.lambda);
  e.agreement = top1_agreement(o.out, m_ref.out, o.batch, o.classes);
  return e;
}

std::vector<Evaluation> evaluate_all(const Problem& p, const std::vector<Chromosome>& c) {
  std::vector<Evaluation> out(c.size());
  int threads = p.settings().threads;
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min<int>(threads, static_cast<int>(c.size()));
  std::atomic<std::size_t> next{0};
  std::vector<std::exception_ptr> errors(c.size());
  // Each candidate's FP32 operators run on its worker's thread: the pool already uses the
  // cores, so the operators' own parallel_for (sw/common/parallel.hpp) must not start threads
  // of its own (threads x cores threads, oversubscribed). Marking the workers as inside a
  // parallel loop makes every nested parallel_for serial; results do not depend on it.
  auto work = [&] {
    bool& inside = lpsim::detail::inside_parallel();
    const bool was = inside;
    inside = threads > 1;
    for (std::size_t i = next++; i < c.size(); i = next++) {
      try {
        out[i] = p.evaluate(c[i]);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
    inside = was;
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return out;
}

namespace {

struct Rand {
  const Problem& p;
  std::mt19937_64 rng;

  fmt::LpParams gene(std::size_t l, bool weight) {
    const Settings& s = p.settings();
    const std::vector<int>& bits = weight ? s.weight_bits : s.activation_bits;
    fmt::LpParams g;
    g.n = bits[static_cast<std::size_t>(uniform(rng, 0, static_cast<int>(bits.size()) - 1))];
    g.es = uniform(rng, 0, s.es_max);
    g.rs = uniform(rng, 1, g.n - 1);
    g.sf = p.base_sf(l, weight, g.n, g.es, g.rs) + uniform(rng, -s.sf_range, s.sf_range);
    return g;
  }
  // Changes one field of g (n, es, rs or sf); a new <n, es, rs> takes its calibrated sf.
  void mutate(fmt::LpParams& g, std::size_t l, bool weight) {
    const Settings& s = p.settings();
    const std::vector<int>& bits = weight ? s.weight_bits : s.activation_bits;
    switch (uniform(rng, 0, 3)) {
      case 0:
        g.n = bits[static_cast<std::size_t>(uniform(rng, 0, static_cast<int>(bits.size()) - 1))];
        g.rs = std::min(g.rs, g.n - 1);
        break;
      case 1:
        g.es = uniform(rng, 0, s.es_max);
        break;
      case 2:
        g.rs = uniform(rng, 1, g.n - 1);
        break;
      default:
        g.sf = p.base_sf(l, weight, g.n, g.es, g.rs) + uniform(rng, -s.sf_range, s.sf_range);
        return;
    }
    g.sf = p.base_sf(l, weight, g.n, g.es, g.rs);
  }
  Chromosome random() {
    Chromosome c(p.net().layers());
    for (std::size_t l = 0; l < c.size(); ++l) {
      c[l].w = gene(l, true);
      c[l].a = gene(l, false);
    }
    return c;
  }
};

}  // namespace

Result search(const Problem& p, const std::function<void(int, double)>& progress) {
  const Settings& s = p.settings();
  if (s.iterations < 0 || s.population < 2 || s.block < 1 || s.diverse < 0)
    throw UserError(
        "lpq: iterations >= 0, population >= 2, block >= 1 and diverse >= 0 are required");
  Rand r{p, std::mt19937_64(s.seed)};
  const std::size_t L = p.net().layers();
  const std::size_t block = std::min<std::size_t>(static_cast<std::size_t>(s.block), L);

  struct Member {
    Chromosome c;
    Evaluation e;
  };
  std::vector<Member> pop;
  Result res;
  std::map<std::vector<int>, Evaluation> seen;  // evaluated candidates (a GA revisits them)
  auto key = [](const Chromosome& c) {
    std::vector<int> k;
    for (const LayerGene& g : c)
      for (const fmt::LpParams* q : {&g.w, &g.a}) k.insert(k.end(), {q->n, q->es, q->rs, q->sf});
    return k;
  };
  auto eval = [&](const std::vector<Chromosome>& cs, int iteration) {
    std::vector<Chromosome> todo;
    for (const Chromosome& c : cs)
      if (!seen.count(key(c))) todo.push_back(c);
    const std::vector<Evaluation> got = evaluate_all(p, todo);
    for (std::size_t i = 0; i < todo.size(); ++i) {
      if (seen.emplace(key(todo[i]), got[i]).second) res.evaluated.push_back({iteration, got[i]});
    }
    std::vector<Evaluation> out;
    for (const Chromosome& c : cs) out.push_back(seen.at(key(c)));
    return out;
  };
  // Best first; ties keep the earlier member (stable).
  auto rank = [&] {
    std::stable_sort(pop.begin(), pop.end(),
                     [](const Member& a, const Member& b) { return a.e.fitness < b.e.fitness; });
  };

  std::vector<Chromosome> init{p.uniform8()};
  while (init.size() < static_cast<std::size_t>(s.population)) init.push_back(r.random());
  const std::vector<Evaluation> e0 = eval(init, 0);
  for (std::size_t i = 0; i < init.size(); ++i) pop.push_back({init[i], e0[i]});
  rank();
  res.history.push_back(pop[0].e.fitness);
  if (progress) progress(0, pop[0].e.fitness);

  for (int it = 1; it <= s.iterations; ++it) {
    const Chromosome& p1 = pop[0].c;
    const Chromosome& p2 = pop[1].c;
    const std::size_t l0 = static_cast<std::size_t>(uniform(r.rng, 0, static_cast<int>(L - block)));
    // Child: the best parent, the block crossed with the second best and mutated.
    Chromosome child = p1;
    for (std::size_t l = l0; l < l0 + block; ++l)
      for (int op = 0; op < 2; ++op) {
        fmt::LpParams& g = op == 0 ? child[l].w : child[l].a;
        if (unit(r.rng) < s.crossover_rate) g = op == 0 ? p2[l].w : p2[l].a;
        if (unit(r.rng) < s.mutation_rate) r.mutate(g, l, op == 0);
      }
    // Diverse children: random parents whose block genes are mixed into the child and mutated.
    std::vector<Chromosome> batch{child};
    for (int d = 0; d < s.diverse; ++d) {
      const Chromosome rp = r.random();
      Chromosome dc = child;
      for (std::size_t l = l0; l < l0 + block; ++l)
        for (int op = 0; op < 2; ++op) {
          fmt::LpParams& g = op == 0 ? dc[l].w : dc[l].a;
          if (unit(r.rng) < 0.5) g = op == 0 ? rp[l].w : rp[l].a;
          if (unit(r.rng) < s.mutation_rate) r.mutate(g, l, op == 0);
        }
      batch.push_back(dc);
    }
    const std::vector<Evaluation> e = eval(batch, it);
    std::size_t best_d = 0;
    for (std::size_t i = 2; i < batch.size(); ++i)
      if (e[i].fitness < e[best_d + 1].fitness) best_d = i - 1;
    pop.push_back({batch[0], e[0]});
    if (batch.size() > 1) pop.push_back({batch[best_d + 1], e[best_d + 1]});
    rank();
    res.history.push_back(pop[0].e.fitness);
    if (progress) progress(it, pop[0].e.fitness);
  }
  res.best = pop[0].c;
  res.best_eval = pop[0].e;
  return res;
}

}  // namespace lpsim::lpq
