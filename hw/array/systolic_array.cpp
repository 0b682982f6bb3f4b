// Systolic array core: register-level ws/os/is engines (cycle) and direct GEMM (tile).
#include "hw/array/systolic_array.hpp"

#include <algorithm>
#include <cstring>

#include "hw/common/config_error.hpp"
#include "sw/common/parallel.hpp"

namespace lpsim::hw {

void ArrayConfig::validate() const {
  if (rows < 1 || rows > 1024) throw ConfigError("array: rows=" + std::to_string(rows) + " is out of range 1..1024");
  if (cols < 1 || cols > 1024) throw ConfigError("array: cols=" + std::to_string(cols) + " is out of range 1..1024");
  pe.validate();
}

int words_for(int k, int mode) { return (k + lanes_of_mode(mode) - 1) / lanes_of_mode(mode); }

std::vector<std::uint8_t> pack_act(const std::vector<std::uint32_t>& codes, int m, int k, int mode) {
  const int l = lanes_of_mode(mode), kw = words_for(k, mode);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(m) * static_cast<std::size_t>(kw), 0);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < k; ++j) {
      const std::uint32_t c = codes[static_cast<std::size_t>(i) * k + j] & ((1u << mode) - 1u);
      out[static_cast<std::size_t>(i) * kw + j / l] |= static_cast<std::uint8_t>(c << ((j % l) * mode));
    }
  return out;
}

std::vector<std::uint8_t> pack_wgt(const std::vector<std::uint32_t>& codes, int k, int n, int mode) {
  const int l = lanes_of_mode(mode), kw = words_for(k, mode);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(kw) * static_cast<std::size_t>(n), 0);
  for (int j = 0; j < k; ++j)
    for (int i = 0; i < n; ++i) {
      const std::uint32_t c = codes[static_cast<std::size_t>(j) * n + i] & ((1u << mode) - 1u);
      out[static_cast<std::size_t>(j / l) * n + i] |= static_cast<std::uint8_t>(c << ((j % l) * mode));
    }
  return out;
}

namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

void check_job(const GemmJob& j) {
  if (j.m < 1 || j.kw < 1 || j.n < 1)
    throw ConfigError("array: GEMM dimensions must be >= 1 (m=" + std::to_string(j.m) +
                      ", kw=" + std::to_string(j.kw) + ", n=" + std::to_string(j.n) + ")");
  if (j.a == nullptr || j.w == nullptr || j.out == nullptr) throw ConfigError("array: GEMM job with a null operand");
}

// One fold: a block of the stationary/streamed dimensions.
struct Fold {
  int k0 = 0, kt = 0;  // ws/is: reduction rows (Kw words)
  int p0 = 0, pt = 0;  // ws/is: stationary columns; os: output rows (m)
  int n0 = 0, nt = 0;  // os: output columns
};

}  // namespace

// ---------------------------------------------------------------------------------------
// Closed forms (docs/datapath.md, "Array timing").
std::uint64_t SystolicArray::gemm_cycles(const ArrayConfig& cfg, int m, int kw, int n) {
  const std::uint64_t R = static_cast<std::uint64_t>(cfg.rows), C = static_cast<std::uint64_t>(cfg.cols);
  const std::uint64_t M = static_cast<std::uint64_t>(m), K = static_cast<std::uint64_t>(kw),
                      N = static_cast<std::uint64_t>(n);
  switch (cfg.dataflow) {
    case Dataflow::ws: {  // R + kf * (nf * (M + R - 2) + N)
      const std::uint64_t kf = ceil_div(K, R), nf = ceil_div(N, C);
      return R + kf * (nf * (M + R - 2) + N);
    }
    case Dataflow::is: {  // R + kf * (mf * (N + R - 2) + M)
      const std::uint64_t kf = ceil_div(K, R), mf = ceil_div(M, C);
      return R + kf * (mf * (N + R - 2) + M);
    }
    case Dataflow::os: {  // D_0 + sum_{t>=1} max(D_t, R) + R, D_t = K + M_t + N_t - 2
      const std::uint64_t mf = ceil_div(M, R), nf = ceil_div(N, C);
      const std::uint64_t ml = M - (mf - 1) * R, nl = N - (nf - 1) * C;
      auto d = [&](std::uint64_t mt, std::uint64_t nt) { return K + mt + nt - 2; };
      auto cost = [&](std::uint64_t mt, std::uint64_t nt) { return std::max(d(mt, nt), R); };
      // Tiles by shape: (mf-1)(nf-1) full, (mf-1) with nl, (nf-1) with ml, one corner.
      std::uint64_t total = (mf - 1) * (nf - 1) * cost(R, C) + (mf - 1) * cost(R, nl) +
                            (nf - 1) * cost(ml, C) + cost(ml, nl);
      // The first tile has no drain to wait for.
      const std::uint64_t m0 = mf > 1 ? R : ml, n0 = nf > 1 ? C : nl;
      total -= cost(m0, n0) - d(m0, n0);
      return total + R;
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
struct SystolicArray::Engine {
  GemmJob job;
  Dataflow df = Dataflow::ws;
  int R = 0, C = 0;
  const i128* table = nullptr;  // indexed (horizontal word << 8) | vertical word
  std::vector<Fold> folds;
  std::size_t ti = 0;           // current fold
  std::uint64_t tau = 0;        // cycle within the fold's compute phase
  bool preload = false;         // ws/is: the first weight preload is running
  bool done = false;
  // Registers, R x C row-major.
  std::vector<std::uint8_t> hreg, vreg, shadow;
  std::vector<i128> psum, drain;
  // os drain state
  int drain_left = 0;
  Fold drain_fold;
  // ws/is operand geometry
  int Q = 0, P = 0;

  std::uint8_t stat_word(int k, int p) const {  // stationary operand S[k][p]
    return df == Dataflow::ws ? job.w[static_cast<std::size_t>(k) * job.n + p]
                              : job.a[static_cast<std::size_t>(p) * job.kw + k];
  }
  std::uint8_t stream_word(int q, int k) const {  // streamed operand X[q][k]
    return df == Dataflow::ws ? job.a[static_cast<std::size_t>(q) * job.kw + k]
                              : job.w[static_cast<std::size_t>(k) * job.n + q];
  }
  i128& out_at(int q, int p) const {
    return df == Dataflow::ws ? job.out[static_cast<std::size_t>(q) * job.n + p]
                              : job.out[static_cast<std::size_t>(p) * job.n + q];
  }
  std::uint64_t fold_len(const Fold& f) const {
    if (df == Dataflow::os) return static_cast<std::uint64_t>(job.kw + f.pt + f.nt - 2);
    return static_cast<std::uint64_t>(Q + R + f.pt - 2);
  }
  // Shadow chain: shift down one row, the new row enters at the top (bottom row first).
  void shift_shadow(const Fold& f, std::uint64_t t) {
    for (int r = R - 1; r > 0; --r)
      std::copy_n(&shadow[static_cast<std::size_t>(r - 1) * C], C, &shadow[static_cast<std::size_t>(r) * C]);
    const int row = R - 1 - static_cast<int>(t);
    for (int c = 0; c < C; ++c)
      shadow[static_cast<std::size_t>(c)] = (row < f.kt && c < f.pt) ? stat_word(f.k0 + row, f.p0 + c) : 0;
  }
};

SystolicArray::SystolicArray(const ArrayConfig& cfg)
    : m_cfg(cfg), m_pe((cfg.validate(), make_pe_arith(cfg.pe))), m_table(*m_pe), m_eng(std::make_unique<Engine>()) {
  m_table_t.resize(std::size_t{1} << 16);
  m_table_nonar.resize(std::size_t{1} << 16);
  for (unsigned a = 0; a < 256; ++a)
    for (unsigned w = 0; w < 256; ++w) {
      const i128 v = m_table(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(w));
      m_table_t[(w << 8) | a] = v;
      m_table_nonar[(a << 8) | w] = v == kAccNaR ? 0 : v;
    }
  m_eng->done = true;
}

SystolicArray::~SystolicArray() = default;

ArrayStats SystolicArray::gemm_stats(const ArrayConfig& cfg, int m, int kw, int n) {
  const auto M = static_cast<std::uint64_t>(m), K = static_cast<std::uint64_t>(kw),
             N = static_cast<std::uint64_t>(n);
  const auto R = static_cast<std::uint64_t>(cfg.rows), C = static_cast<std::uint64_t>(cfg.cols);
  ArrayStats s;
  s.cycles = gemm_cycles(cfg, m, kw, n);
  s.gemms = 1;
  s.word_macs = M * K * N;
  s.lane_macs = M * K * N * static_cast<std::uint64_t>(lanes_of_mode(cfg.pe.mode));
  s.outputs = M * N;
  switch (cfg.dataflow) {
    case Dataflow::ws:
      s.tiles = ceil_div(K, R) * ceil_div(N, C);
      s.stationary_words = K * N;
      s.streamed_words = M * K * ceil_div(N, C);
      break;
    case Dataflow::is:
      s.tiles = ceil_div(K, R) * ceil_div(M, C);
      s.stationary_words = K * M;
      s.streamed_words = N * K * ceil_div(M, C);
      break;
    case Dataflow::os:
      s.tiles = ceil_div(M, R) * ceil_div(N, C);
      s.streamed_words = M * K * ceil_div(N, C) + K * N * ceil_div(M, R);
      break;
  }
  return s;
}

void SystolicArray::account(const GemmJob& job, std::uint64_t cycles) {
  const ArrayStats g = gemm_stats(m_cfg, job.m, job.kw, job.n);
  m_stats.cycles += cycles;
  m_stats.gemms += g.gemms;
  m_stats.word_macs += g.word_macs;
  m_stats.lane_macs += g.lane_macs;
  m_stats.outputs += g.outputs;
  m_stats.tiles += g.tiles;
  m_stats.stationary_words += g.stationary_words;
  m_stats.streamed_words += g.streamed_words;
  const std::size_t outputs = static_cast<std::size_t>(g.outputs);
  for (std::size_t i = 0; i < outputs; ++i)
    if (job.out[i] == kAccNaR) ++m_stats.nar_outputs;
}

// ---------------------------------------------------------------------------------------
// Tile fidelity: out = sum over k (ascending) of word products, with the accumulator's
// rounding after each add, exactly what every PE chain computes in the cycle engines.
std::uint64_t SystolicArray::run_tile(const GemmJob& job) {
  check_job(job);
  const int M = job.m, K = job.kw, N = job.n;
  const AccUnit& acc = m_pe->acc();
  if (acc.mode() == AccMode::exact) {
    // Exact sums are order independent: register-blocked loops (4 output columns per pass,
    // their weight words interleaved so one 32-bit load feeds 4 MACs), NaR applied afterwards
    // by row/column masks (NaR x anything = NaR, sticky).
    const int nb = (N + 3) / 4;
    std::vector<std::uint8_t> wt(static_cast<std::size_t>(nb) * K * 4, 0);
    std::vector<char> col_nar(static_cast<std::size_t>(N), 0);
    for (int k = 0; k < K; ++k)
      for (int n = 0; n < N; ++n) {
        const std::uint8_t w = job.w[static_cast<std::size_t>(k) * N + n];
        wt[(static_cast<std::size_t>(n / 4) * K + k) * 4 + (n % 4)] = w;
        if (m_table.wgt_word_nar(w)) col_nar[static_cast<std::size_t>(n)] = 1;
      }
    const i128* T = m_table_nonar.data();
    // Rows in parallel (each output row is computed whole by one chunk).
    const std::int64_t row_work = std::max<std::int64_t>(1, std::int64_t{K} * N);
    parallel_for(M, std::max<std::int64_t>(1, (std::int64_t{1} << 16) / row_work),
                 [&](std::int64_t m0, std::int64_t m1) {
                   std::vector<i128> blk(4);
                   for (int m = static_cast<int>(m0); m < static_cast<int>(m1); ++m) {
                     const std::uint8_t* ar = job.a + static_cast<std::size_t>(m) * K;
                     bool row_nar = false;
                     for (int k = 0; k < K; ++k) row_nar |= m_table.act_word_nar(ar[k]);
                     i128* o = job.out + static_cast<std::size_t>(m) * N;
                     for (int b = 0; b < nb; ++b) {
                       const std::uint8_t* wb = wt.data() + static_cast<std::size_t>(b) * K * 4;
                       i128 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                       for (int k = 0; k < K; ++k) {
                         const i128* tr = T + (static_cast<std::size_t>(ar[k]) << 8);
                         std::uint32_t w4;
                         std::memcpy(&w4, wb + static_cast<std::size_t>(k) * 4, 4);
                         s0 += tr[w4 & 0xFFu];
                         s1 += tr[(w4 >> 8) & 0xFFu];
                         s2 += tr[(w4 >> 16) & 0xFFu];
                         s3 += tr[w4 >> 24];
                       }
                       blk[0] = s0;
                       blk[1] = s1;
                       blk[2] = s2;
                       blk[3] = s3;
                       for (int j = 0; j < 4 && b * 4 + j < N; ++j)
                         o[b * 4 + j] = blk[static_cast<std::size_t>(j)];
                     }
                     for (int n = 0; n < N; ++n)
                       if (row_nar || col_nar[static_cast<std::size_t>(n)]) o[n] = kAccNaR;
                   }
                 });
  } else {
    const std::int64_t row_work = std::max<std::int64_t>(1, std::int64_t{K} * N);
    parallel_for(M, std::max<std::int64_t>(1, (std::int64_t{1} << 14) / row_work),
                 [&](std::int64_t m0, std::int64_t m1) {
                   for (int m = static_cast<int>(m0); m < static_cast<int>(m1); ++m) {
                     i128* o = job.out + static_cast<std::size_t>(m) * N;
                     std::fill(o, o + N, i128{0});
                     for (int k = 0; k < K; ++k) {
                       const std::uint8_t a = job.a[static_cast<std::size_t>(m) * K + k];
                       const std::uint8_t* wr = job.w + static_cast<std::size_t>(k) * N;
                       for (int n = 0; n < N; ++n) o[n] = acc.add(o[n], m_table(a, wr[n]));
                     }
                   }
                 });
  }
  const std::uint64_t cycles = gemm_cycles(m_cfg, M, K, N);
  account(job, cycles);
  return cycles;
}

// ---------------------------------------------------------------------------------------
void SystolicArray::start(const GemmJob& job) {
  check_job(job);
  Engine& e = *m_eng;
  e = Engine{};
  e.job = job;
  e.df = m_cfg.dataflow;
  e.R = m_cfg.rows;
  e.C = m_cfg.cols;
  const std::size_t cells = static_cast<std::size_t>(e.R) * static_cast<std::size_t>(e.C);
  e.hreg.assign(cells, 0);
  e.vreg.assign(cells, 0);
  e.psum.assign(cells, 0);
  if (e.df == Dataflow::os) {
    e.table = m_table.row(0);
    e.drain.assign(cells, 0);
    for (int m0 = 0; m0 < job.m; m0 += e.R)
      for (int n0 = 0; n0 < job.n; n0 += e.C)
        e.folds.push_back(Fold{0, job.kw, m0, std::min(e.R, job.m - m0), n0, std::min(e.C, job.n - n0)});
  } else {
    e.table = e.df == Dataflow::ws ? m_table.row(0) : m_table_t.data();
    e.shadow.assign(cells, 0);
    e.Q = e.df == Dataflow::ws ? job.m : job.n;
    e.P = e.df == Dataflow::ws ? job.n : job.m;
    for (int p0 = 0; p0 < e.P; p0 += e.C)
      for (int k0 = 0; k0 < job.kw; k0 += e.R)
        e.folds.push_back(Fold{k0, std::min(e.R, job.kw - k0), p0, std::min(e.C, e.P - p0), 0, 0});
    e.preload = true;
  }
  m_cycle = 0;
}

bool SystolicArray::busy() const { return !m_eng->done; }

namespace {

// One clock of the ws/is stream engine's PE grid (template on the accumulator mode so the
// inner loop carries no mode switch).
template <AccMode Mode>
inline i128 acc_add(const AccUnit& u, i128 a, i128 p) {
  if (a == kAccNaR || p == kAccNaR) return kAccNaR;
  if constexpr (Mode == AccMode::exact) return a + p;
  return u.add(a, p);
}

}  // namespace

void SystolicArray::step() {
  Engine& e = *m_eng;
  if (e.done) return;
  const AccUnit& acc = m_pe->acc();
  const int R = e.R, C = e.C;
  const bool exact = acc.mode() == AccMode::exact;
  auto add = [&](i128 a, i128 p) { return exact ? acc_add<AccMode::exact>(acc, a, p) : acc.add(a, p); };
  ++m_cycle;

  if (e.df != Dataflow::os) {
    if (e.preload) {
      e.shift_shadow(e.folds[0], e.tau);
      if (++e.tau == static_cast<std::uint64_t>(R)) {
        e.vreg = e.shadow;
        e.preload = false;
        e.tau = 0;
      }
      return;
    }
    const Fold& f = e.folds[e.ti];
    const auto tau = static_cast<std::int64_t>(e.tau);
    for (int r = R - 1; r >= 0; --r) {
      std::uint8_t* h = &e.hreg[static_cast<std::size_t>(r) * C];
      const std::uint8_t* v = &e.vreg[static_cast<std::size_t>(r) * C];
      i128* p = &e.psum[static_cast<std::size_t>(r) * C];
      const i128* above = r > 0 ? p - C : nullptr;
      for (int c = C - 1; c >= 0; --c) {
        std::uint8_t x;
        if (c > 0) {
          x = h[c - 1];
        } else {
          const std::int64_t q = tau - r;
          x = (r < f.kt && q >= 0 && q < e.Q) ? e.stream_word(static_cast<int>(q), f.k0 + r) : 0;
        }
        i128 pin;
        if (above != nullptr) {
          pin = above[c];
        } else {
          const std::int64_t q = tau - c;
          pin = (f.k0 > 0 && c < f.pt && q >= 0 && q < e.Q) ? e.out_at(static_cast<int>(q), f.p0 + c) : 0;
        }
        h[c] = x;
        p[c] = add(pin, e.table[(static_cast<std::size_t>(x) << 8) | v[c]]);
      }
    }
    // Psums leaving the bottom row.
    const i128* bottom = &e.psum[static_cast<std::size_t>(R - 1) * C];
    for (int c = 0; c < f.pt; ++c) {
      const std::int64_t q = tau - (R - 1) - c;
      if (q >= 0 && q < e.Q) e.out_at(static_cast<int>(q), f.p0 + c) = bottom[c];
    }
    // Double-buffered weights: the next fold's preload overlaps this fold (fold_len >= R).
    if (e.ti + 1 < e.folds.size() && e.tau < static_cast<std::uint64_t>(R)) e.shift_shadow(e.folds[e.ti + 1], e.tau);
    if (++e.tau == e.fold_len(f)) {
      e.tau = 0;
      if (++e.ti == e.folds.size()) {
        e.done = true;
        account(e.job, m_cycle);
      } else {
        e.vreg = e.shadow;
      }
    }
    return;
  }

  // Output stationary.
  bool computing = e.ti < e.folds.size() && e.tau < e.fold_len(e.folds[e.ti]);
  if (computing) {
    const Fold& f = e.folds[e.ti];
    const auto tau = static_cast<std::int64_t>(e.tau);
    for (int r = R - 1; r >= 0; --r) {
      std::uint8_t* h = &e.hreg[static_cast<std::size_t>(r) * C];
      std::uint8_t* v = &e.vreg[static_cast<std::size_t>(r) * C];
      const std::uint8_t* vabove = r > 0 ? v - C : nullptr;
      i128* p = &e.psum[static_cast<std::size_t>(r) * C];
      for (int c = C - 1; c >= 0; --c) {
        std::uint8_t x, y;
        if (c > 0) {
          x = h[c - 1];
        } else {
          const std::int64_t k = tau - r;
          x = (r < f.pt && k >= 0 && k < e.job.kw)
                  ? e.job.a[static_cast<std::size_t>(f.p0 + r) * e.job.kw + static_cast<std::size_t>(k)] : 0;
        }
        if (vabove != nullptr) {
          y = vabove[c];
        } else {
          const std::int64_t k = tau - c;
          y = (c < f.nt && k >= 0 && k < e.job.kw)
                  ? e.job.w[static_cast<std::size_t>(k) * e.job.n + static_cast<std::size_t>(f.n0 + c)] : 0;
        }
        h[c] = x;
        v[c] = y;
        p[c] = add(p[c], e.table[(static_cast<std::size_t>(x) << 8) | y]);
      }
    }
    ++e.tau;
  }
  // Output drain chain: one row leaves the bottom per cycle.
  if (e.drain_left > 0) {
    const int orig = e.drain_left - 1;  // drain cycle d = R - drain_left shows row R-1-d
    const Fold& d = e.drain_fold;
    const i128* bottom = &e.drain[static_cast<std::size_t>(R - 1) * C];
    if (orig < d.pt)
      for (int c = 0; c < d.nt; ++c)
        e.job.out[static_cast<std::size_t>(d.p0 + orig) * e.job.n + static_cast<std::size_t>(d.n0 + c)] = bottom[c];
    for (int r = R - 1; r > 0; --r)
      std::copy_n(&e.drain[static_cast<std::size_t>(r - 1) * C], C, &e.drain[static_cast<std::size_t>(r) * C]);
    --e.drain_left;
  }
  // Fold end: hand the accumulators to the drain chain once it is free.
  if (e.ti < e.folds.size() && e.tau == e.fold_len(e.folds[e.ti]) && e.drain_left == 0) {
    // Registers restart empty (valid bits cleared): no stale word can meet the next fold.
    e.drain.swap(e.psum);
    std::fill(e.psum.begin(), e.psum.end(), i128{0});
    std::fill(e.hreg.begin(), e.hreg.end(), std::uint8_t{0});
    std::fill(e.vreg.begin(), e.vreg.end(), std::uint8_t{0});
    e.drain_fold = e.folds[e.ti];
    e.drain_left = R;
    ++e.ti;
    e.tau = 0;
  }
  if (e.ti == e.folds.size() && e.drain_left == 0) {
    e.done = true;
    account(e.job, m_cycle);
  }
}

std::uint64_t SystolicArray::run_cycle(const GemmJob& job) {
  start(job);
  while (busy()) step();
  return m_cycle;
}

PeState SystolicArray::pe_state(int r, int c) const {
  const Engine& e = *m_eng;
  PeState s;
  if (e.hreg.empty()) return s;
  const std::size_t i = static_cast<std::size_t>(r) * static_cast<std::size_t>(e.C) + static_cast<std::size_t>(c);
  s.act = e.hreg[i];
  s.vert = e.vreg[i];
  s.psum = e.psum[i];
  return s;
}

}  // namespace lpsim::hw
