// Systolic array core: register-level ws/os/is engines (cycle) and direct GEMM (tile).
#include "hw/array/systolic_array.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

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

namespace {

// The valid bits of one register row: columns [lo, hi) hold valid words. Each edge feeder
// emits one unbroken burst per fold and words only shift, so a row's valid words are always
// one run; a gap (a fault) is reported instead of being represented.
struct Run {
  int lo = 0, hi = 0;
  bool empty() const { return lo >= hi; }
  int size() const { return hi > lo ? hi - lo : 0; }
  bool has(int c) const { return c >= lo && c < hi; }
  bool operator==(const Run& o) const { return (empty() && o.empty()) || (lo == o.lo && hi == o.hi); }
};

Run meet(const Run& a, const Run& b) {
  const Run m{std::max(a.lo, b.lo), std::min(a.hi, b.hi)};
  return m.empty() ? Run{} : m;
}

Run hull(const Run& a, const Run& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return Run{std::min(a.lo, b.lo), std::max(a.hi, b.hi)};
}

// One clock of a row of horizontal registers (width w): every word moves one column right,
// the one in the last column leaves, and column 0 takes the feeder's word if it is valid.
Run shift_right(const Run& a, int w, bool enter, int row) {
  Run s = a.empty() ? Run{} : Run{a.lo + 1, std::min(a.hi + 1, w)};
  if (s.empty()) s = Run{};
  if (enter) {
    if (!s.empty() && s.lo != 1)
      throw std::logic_error("array: valid words of row " + std::to_string(row) + " are not contiguous");
    s.lo = 0;
    s.hi = std::max(s.hi, 1);
  }
  return s;
}

// psum' = acc(psum + product) for one valid pair. Exact mode inline (NaR sticky), from the
// 64-bit product table when every product fits (half the cache footprint) or the 128-bit one;
// the other modes through the accumulator unit.
struct MacExact128 {
  using E = i128;
  using P = i128;
  static constexpr bool kLean = false;
  static i128 f(const AccUnit&, i128 a, E t) { return (a == kAccNaR || t == kAccNaR) ? kAccNaR : a + t; }
};
struct MacUnit {
  using E = i128;
  using P = i128;
  static constexpr bool kLean = false;
  static i128 f(const AccUnit& u, i128 a, E t) { return u.add(a, t); }
};
// The lean exact path (Engine::fast): 64-bit products and psums, NaR kept as row/column flags,
// ws/is columns starting from 0 at row 0 (the previous K fold's sum is added as outputs leave),
// os sums flushed into the i128 registers before they could overflow; never the full registers.
struct MacLean64 {
  using E = std::int64_t;
  using P = std::int64_t;
  static constexpr bool kLean = true;
  static std::int64_t f(const AccUnit&, std::int64_t a, E t) { return a + t; }
};

}  // namespace

// ---------------------------------------------------------------------------------------
// Cycle engine state. Registers are R x C arrays (row-major, structure of arrays); the valid
// bits of each register row are a Run (see above).
struct SystolicArray::Engine {
  GemmJob job;
  Dataflow df = Dataflow::ws;
  int R = 0, C = 0;
  const i128* table = nullptr;  // indexed (horizontal word << 8) | vertical/stationary word
                                // (ws: activation x weight, is: weight x activation, os: a x w)
  const std::int64_t* table64 = nullptr;  // the same products in 64 bits, NaR entries 0
  // Lean exact path: psums in 64 bits (ws/is: the fold's own sum; the previous K fold's partial
  // sum is added as the output leaves) and NaR as flags of the fold's rows and columns.
  bool fast = false;
  std::vector<std::int64_t> psum64;
  std::vector<char> row_nar, col_nar;  // ws/is: streamed rows q, stationary columns; os: rows, columns
  std::vector<char> drow_nar, dcol_nar;  // os: the fold in the drain chain
  std::uint64_t flush_every = 0, since_flush = 0;  // os: 64-bit sums move into psum this often
  std::vector<Fold> folds;
  std::size_t ti = 0;     // current fold
  std::uint64_t tau = 0;  // cycle within the fold's compute phase
  bool preload = false;   // ws/is: the first weight preload is running
  bool done = false;
  // Registers, R x C row-major.
  std::vector<std::uint8_t> hreg, vreg, shadow;
  std::vector<i128> psum, drain;
  // Valid bits per register row.
  std::vector<Run> xrun;  // horizontal words
  std::vector<Run> vrun;  // ws/is: stationary words; os: vertical (weight) words
  std::vector<Run> prun;  // ws/is: psums
  std::vector<Run> srun;  // ws/is: shadow chain
  std::vector<Run> arun;  // os: accumulators holding an output of the fold
  std::vector<Run> drun;  // os: drain chain rows
  std::uint64_t feed_left = 0;     // feeder slots left in this fold (valid or dropped)
  std::uint64_t preload_left = 0;  // ws/is: shadow rows still to shift in for the next fold
  bool compute_done = false;       // os: the fold's last valid pair has met
  Run fed_rows, fed_cols;          // os: rows/columns whose feeders emitted in this fold
  Run os_top;                      // os: this clock's top-feeder run
  Run row_meet;                    // the last fed row's valid operand pairs (its MACs)
  bool row_fed = false;            // the last fed row's left feeder emitted a word
  int drain_left = 0;              // os: drain chain cycles left
  Fold drain_fold;
  std::uint64_t fold_start = 0;  // clock at which the current fold began
  ArrayStats det;                // counted from the valid bits
  int Q = 0, P = 0;              // ws/is operand geometry

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
  // Feeder slots of a fold: ws/is Q words into each of kt rows; os Kw words into each of Mt
  // rows and Nt columns.
  std::uint64_t feed_slots(const Fold& f) const {
    if (df == Dataflow::os) return static_cast<std::uint64_t>(job.kw) * static_cast<std::uint64_t>(f.pt + f.nt);
    return static_cast<std::uint64_t>(Q) * static_cast<std::uint64_t>(f.kt);
  }
  // Shadow chain: shift down one row, the new row enters at the top (bottom row first).
  void shift_shadow(const Fold& f, std::uint64_t t) {
    for (int r = R - 1; r > 0; --r) {
      std::copy_n(&shadow[static_cast<std::size_t>(r - 1) * C], C, &shadow[static_cast<std::size_t>(r) * C]);
      srun[static_cast<std::size_t>(r)] = srun[static_cast<std::size_t>(r - 1)];
    }
    const int row = R - 1 - static_cast<int>(t);
    const bool valid = row < f.kt;
    for (int c = 0; c < C; ++c)
      shadow[static_cast<std::size_t>(c)] = (valid && c < f.pt) ? stat_word(f.k0 + row, f.p0 + c) : 0;
    srun[0] = valid ? Run{0, f.pt} : Run{};
    if (valid) det.stationary_words += static_cast<std::uint64_t>(f.pt);
  }
  // Shadow -> active at a fold boundary (one edge).
  void load_stationary() {
    vreg = shadow;
    vrun = srun;
  }
  template <class Mk>
  const typename Mk::E* tab() const {
    if constexpr (Mk::kLean) {
      return table64;
    } else {
      return table;
    }
  }
  template <class Mk>
  typename Mk::P* psums() {
    if constexpr (Mk::kLean) {
      return psum64.data();
    } else {
      return psum.data();
    }
  }
};

SystolicArray::Built SystolicArray::build(const ArrayConfig& cfg) {
  cfg.validate();
  Built b;
  b.pe = make_pe_arith(cfg.pe);
  if (!b.pe->wide()) return b;
  // The wide path: every word product split into kLimbBits-bit limbs (NaR in every limb).
  std::vector<WideAcc> t(std::size_t{1} << 16);
  int limbs = 1;
  for (unsigned a = 0; a < 256; ++a)
    for (unsigned w = 0; w < 256; ++w) {
      WideAcc& v = t[(a << 8) | w];
      v = b.pe->word_product_wide(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(w));
      if (!is_wide_nar(v)) limbs = std::max(limbs, wide_limbs_of(v));
    }
  b.limbs.assign(static_cast<std::size_t>(limbs), std::vector<i128>(t.size()));
  for (std::size_t i = 0; i < t.size(); ++i)
    for (int s = 0; s < limbs; ++s)
      b.limbs[static_cast<std::size_t>(s)][i] = is_wide_nar(t[i]) ? kAccNaR : wide_limb(t[i], s);
  return b;
}

SystolicArray::SystolicArray(const ArrayConfig& cfg) : SystolicArray(cfg, build(cfg)) {}

SystolicArray::SystolicArray(const ArrayConfig& cfg, Built b)
    : m_cfg(cfg),
      m_pe(std::move(b.pe)),
      m_table(b.limbs.empty() ? ProductTable(*m_pe) : ProductTable(*m_pe, std::move(b.limbs[0]))),
      m_eng(std::make_unique<Engine>()) {
  m_table_t.resize(std::size_t{1} << 16);
  m_table_nonar.resize(std::size_t{1} << 16);
  for (unsigned a = 0; a < 256; ++a)
    for (unsigned w = 0; w < 256; ++w) {
      const i128 v = m_table(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(w));
      m_table_t[(w << 8) | a] = v;
      m_table_nonar[(a << 8) | w] = v == kAccNaR ? 0 : v;
    }
  // 64-bit copies with NaR entries as 0 (NaR then travels as per-row/column flags) when every
  // product fits with room: the lean cycle engine's lookups (half the cache footprint).
  i128 mx = 0;
  for (const i128 v : m_table_t)
    if (v != kAccNaR) mx = std::max(mx, v < 0 ? -v : v);
  m_table64_ok = mx < (static_cast<i128>(1) << 62);
  if (m_table64_ok) {
    m_table64_max = static_cast<std::uint64_t>(mx);
    m_table64.resize(std::size_t{1} << 16);
    m_table64_t.resize(std::size_t{1} << 16);
    for (std::size_t i = 0; i < m_table64.size(); ++i) {
      const i128 v = m_table.row(0)[i], t = m_table_t[i];
      m_table64[i] = v == kAccNaR ? 0 : static_cast<std::int64_t>(v);
      m_table64_t[i] = t == kAccNaR ? 0 : static_cast<std::int64_t>(t);
    }
  }
  m_eng->done = true;
  if (!b.limbs.empty() && !b.sub) {
    m_wide = true;
    for (std::size_t s = 1; s < b.limbs.size(); ++s) {
      Built l;
      l.pe = make_pe_arith(cfg.pe);
      l.limbs.push_back(std::move(b.limbs[s]));
      l.sub = true;
      m_limbs.push_back(std::unique_ptr<SystolicArray>(new SystolicArray(cfg, std::move(l))));
    }
  }
}

GemmJob SystolicArray::limb_job(const GemmJob& job, std::size_t s) {
  if (job.out_wide == nullptr) throw ConfigError("array: a wide-accumulator GEMM job needs out_wide");
  m_out_wide = job.out_wide;
  m_out_n = static_cast<std::size_t>(std::max(job.m, 0)) * static_cast<std::size_t>(std::max(job.n, 0));
  m_limb_out.resize(m_limbs.size() + 1);
  m_limb_out[s].assign(m_out_n, 0);
  GemmJob j = job;
  j.out = m_limb_out[s].data();
  j.out_wide = nullptr;
  return j;
}

// Carries between the limbs are resolved here, where the sums leave the array.
void SystolicArray::combine_limbs() {
  std::vector<const i128*> l;
  for (const auto& o : m_limb_out) l.push_back(o.data());
  for (std::size_t i = 0; i < m_out_n; ++i) m_out_wide[i] = wide_from_limbs(l, i);
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
  s.idle_pe_cycles = s.cycles * R * C - s.word_macs;
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
  m_stats.idle_pe_cycles += cycles * static_cast<std::uint64_t>(m_cfg.rows) * static_cast<std::uint64_t>(m_cfg.cols) - g.word_macs;
  const std::size_t outputs = static_cast<std::size_t>(g.outputs);
  for (std::size_t i = 0; i < outputs; ++i)
    if (job.out[i] == kAccNaR) ++m_stats.nar_outputs;
}


std::vector<std::uint64_t> SystolicArray::fold_cycles_closed(const ArrayConfig& cfg, int m, int kw, int n) {
  std::vector<std::uint64_t> out;
  const int R = cfg.rows, C = cfg.cols;
  if (cfg.dataflow == Dataflow::os) {
    for (int m0 = 0; m0 < m; m0 += R)
      for (int n0 = 0; n0 < n; n0 += C)
        out.push_back(static_cast<std::uint64_t>(kw + std::min(R, m - m0) + std::min(C, n - n0) - 2));
    return out;
  }
  const int Q = cfg.dataflow == Dataflow::ws ? m : n, P = cfg.dataflow == Dataflow::ws ? n : m;
  for (int p0 = 0; p0 < P; p0 += C)
    for (int k0 = 0; k0 < kw; k0 += R) out.push_back(static_cast<std::uint64_t>(Q + R + std::min(C, P - p0) - 2));
  return out;
}

void SystolicArray::account_detected() {
  Engine& e = *m_eng;
  ArrayStats& d = e.det;
  d.cycles = m_cycle;
  d.gemms = 1;
  d.tiles = m_fold_cycles.size();
  d.lane_macs = d.word_macs * static_cast<std::uint64_t>(lanes());
  m_stats.cycles += d.cycles;
  m_stats.gemms += d.gemms;
  m_stats.word_macs += d.word_macs;
  m_stats.lane_macs += d.lane_macs;
  m_stats.outputs += d.outputs;
  m_stats.tiles += d.tiles;
  m_stats.stationary_words += d.stationary_words;
  m_stats.streamed_words += d.streamed_words;
  m_stats.idle_pe_cycles += d.idle_pe_cycles;
  const std::size_t outputs = static_cast<std::size_t>(e.job.m) * static_cast<std::size_t>(e.job.n);
  for (std::size_t i = 0; i < outputs; ++i)
    if (e.job.out[i] == kAccNaR) ++m_stats.nar_outputs;
}

// ---------------------------------------------------------------------------------------
// Tile fidelity: out = sum over k (ascending) of word products, with the accumulator's
// rounding after each add, exactly what every PE chain computes in the cycle engines.
std::uint64_t SystolicArray::run_tile(const GemmJob& job) {
  if (!m_wide) return run_tile_limb(job);
  const std::uint64_t cycles = run_tile_limb(limb_job(job, 0));
  for (std::size_t s = 1; s <= m_limbs.size(); ++s) m_limbs[s - 1]->run_tile(limb_job(job, s));
  combine_limbs();
  return cycles;
}

std::uint64_t SystolicArray::run_tile_limb(const GemmJob& job) {
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
  if (!m_wide) return start_limb(job);
  start_limb(limb_job(job, 0));
  for (std::size_t s = 1; s <= m_limbs.size(); ++s) m_limbs[s - 1]->start(limb_job(job, s));
}

void SystolicArray::start_limb(const GemmJob& job) {
  check_job(job);
  Engine& e = *m_eng;
  e.job = job;
  e.df = m_cfg.dataflow;
  e.R = m_cfg.rows;
  e.C = m_cfg.cols;
  e.folds.clear();
  e.ti = 0;
  e.tau = 0;
  e.preload = false;
  e.done = false;
  e.det = ArrayStats{};
  e.compute_done = false;
  e.drain_left = 0;
  e.fold_start = 0;
  const std::size_t cells = static_cast<std::size_t>(e.R) * static_cast<std::size_t>(e.C);
  const std::size_t rows = static_cast<std::size_t>(e.R);
  e.hreg.assign(cells, 0);
  e.vreg.assign(cells, 0);
  e.psum.assign(cells, 0);
  e.xrun.assign(rows, Run{});
  e.vrun.assign(rows, Run{});
  e.prun.assign(rows, Run{});
  if (e.df == Dataflow::os) {
    e.table = m_table.row(0);
    e.table64 = m_table64_ok ? m_table64.data() : nullptr;
    e.fast = !m_full_regs && m_pe->acc().mode() == AccMode::exact && m_table64_ok;
    // Each PE adds one product per clock into a 64-bit register, moved into its 128-bit
    // accumulator before it could overflow.
    e.flush_every = e.fast ? static_cast<std::uint64_t>(
                                 std::min<u128>(u128{1} << 20, (u128{1} << 62) / std::max<u128>(1, m_table64_max)))
                           : 0;
    e.since_flush = 0;
    e.psum64.assign(cells, 0);
    e.drain.assign(cells, 0);
    e.arun.assign(rows, Run{});
    e.drun.assign(rows, Run{});
    e.fed_rows = e.fed_cols = Run{};
    for (int m0 = 0; m0 < job.m; m0 += e.R)
      for (int n0 = 0; n0 < job.n; n0 += e.C)
        e.folds.push_back(Fold{0, job.kw, m0, std::min(e.R, job.m - m0), n0, std::min(e.C, job.n - n0)});
    e.feed_left = e.feed_slots(e.folds[0]);
  } else {
    e.table = e.df == Dataflow::ws ? m_table.row(0) : m_table_t.data();
    e.shadow.assign(cells, 0);
    e.srun.assign(rows, Run{});
    e.table64 = m_table64_ok ? (e.df == Dataflow::ws ? m_table64.data() : m_table64_t.data()) : nullptr;
    // 64-bit psums: a column sums at most R products of the fold.
    e.fast = !m_full_regs && m_pe->acc().mode() == AccMode::exact && m_table64_ok &&
             static_cast<u128>(m_table64_max) * static_cast<u128>(e.R) < (static_cast<u128>(1) << 62);
    e.psum64.assign(cells, 0);
    e.Q = e.df == Dataflow::ws ? job.m : job.n;
    e.P = e.df == Dataflow::ws ? job.n : job.m;
    for (int p0 = 0; p0 < e.P; p0 += e.C)
      for (int k0 = 0; k0 < job.kw; k0 += e.R)
        e.folds.push_back(Fold{k0, std::min(e.R, job.kw - k0), p0, std::min(e.C, e.P - p0), 0, 0});
    e.preload = true;
    e.feed_left = e.feed_slots(e.folds[0]);
  }
  if (e.fast) fold_nar_flags();
  m_fold_cycles.clear();
  m_cycle = 0;
}

bool SystolicArray::busy() const { return !m_eng->done; }

void SystolicArray::step() {
  Engine& e = *m_eng;
  if (e.done) return;
  ++m_cycle;
  if (e.df == Dataflow::os) {
    step_os();
  } else {
    step_stream();
  }
  if (m_wide) {
    for (auto& l : m_limbs) l->step();
    if (e.done) combine_limbs();
  }
}

// ws/is, the valid bits of row r this clock, shared by both row kernels: the left-edge feeder
// (stream row q = tau - r of K row k0 + r; its word returned, 0 when it feeds nothing, whether
// it fed in e.row_fed), the horizontal words shifted one step (e.xrun[r]), the run of PEs
// where a valid word meets a valid stationary word (e.row_meet) and the valid psums (e.prun[r]).
std::uint8_t SystolicArray::stream_feed_row(int r) {
  Engine& e = *m_eng;
  const Fold& f = e.folds[e.ti];
  const auto ri = static_cast<std::size_t>(r);
  const std::int64_t q = static_cast<std::int64_t>(e.tau) - r;
  const bool slot = r < f.kt && q >= 0 && q < e.Q;
  bool feed = slot;
  if (slot) {
    --e.feed_left;
    if (static_cast<std::int64_t>(m_cycle) == m_fault_cycle && r == m_fault_row) feed = false;
    if (feed) ++e.det.streamed_words;
  }
  const std::uint8_t xin = feed ? e.stream_word(static_cast<int>(q), f.k0 + r) : 0;
  e.xrun[ri] = shift_right(e.xrun[ri], e.C, feed, r);
  e.row_fed = feed;
  e.row_meet = meet(e.xrun[ri], e.vrun[ri]);
  e.prun[ri] = r > 0 ? e.prun[ri - 1] : e.row_meet;
  return xin;
}

// ws/is: the streamed operand enters the left edge (row r skewed by r), psums flow down, the
// stationary operand sits in the PEs (double-buffered through the shadow chain).
template <class Mk>
void SystolicArray::step_stream_rows() {
  Engine& e = *m_eng;
  const int R = e.R, C = e.C;
  const AccUnit& acc = m_pe->acc();
  const typename Mk::E* const T = e.tab<Mk>();
  using P = typename Mk::P;
  P* const psum = e.psums<Mk>();
  const Fold& f = e.folds[e.ti];
  const auto tau = static_cast<std::int64_t>(e.tau);
  const bool full = !Mk::kLean && m_full_regs;
  std::uint64_t macs = 0;
  for (int r = R - 1; r >= 0; --r) {
    const std::size_t ri = static_cast<std::size_t>(r), ro = ri * static_cast<std::size_t>(C);
    const std::uint8_t xin = stream_feed_row(r);
    const Run X = e.xrun[ri], A = e.row_meet, Pn = e.prun[ri];  // words, valid pairs, psums
    const bool feed = e.row_fed;
    macs += static_cast<std::uint64_t>(A.size());
    std::uint8_t* __restrict h = &e.hreg[ro];
    const std::uint8_t* __restrict v = &e.vreg[ro];
    P* __restrict p = psum + ro;
    const P* __restrict above = r > 0 ? psum + (ro - static_cast<std::size_t>(C)) : nullptr;
    auto prod = [&](int c, std::uint8_t x) { return T[(static_cast<std::size_t>(x) << 8) | v[c]]; };
    auto pin0 = [&](int c) -> P {  // row 0: the previous K fold's partial sum from the output side
      if constexpr (Mk::kLean) {
        return 0;  // the lean path adds it as the output leaves
      } else {
        return (f.k0 > 0 && Pn.has(c)) ? e.out_at(static_cast<int>(tau - c), f.p0 + c) : i128{0};
      }
    };
    if (full) {  // every PE, idle ones included (their registers as a waveform shows them)
      for (int c = C - 1; c >= 0; --c) {
        const std::uint8_t x = c > 0 ? h[c - 1] : xin;
        h[c] = x;
        p[c] = Mk::f(acc, above != nullptr ? above[c] : pin0(c), prod(c, x));
      }
      continue;
    }
    if (A.empty() && Pn.empty() && X.empty()) continue;  // an idle row: nothing moves that matters
    if (above != nullptr && X == A && A == Pn) {  // steady state: one fused pass
      const int lo = A.lo;
      for (int c = A.hi - 1; c > lo; --c) {
        const std::uint8_t x = h[c - 1];
        h[c] = x;
        p[c] = Mk::f(acc, above[c], prod(c, x));
      }
      const std::uint8_t x = lo > 0 ? h[lo - 1] : xin;
      h[lo] = x;
      p[lo] = Mk::f(acc, above[lo], prod(lo, x));
      continue;
    }
    for (int c = X.hi - 1; c >= std::max(X.lo, 1); --c) h[c] = h[c - 1];
    if (feed) h[0] = xin;
    if (above == nullptr) {
      for (int c = A.lo; c < A.hi; ++c) p[c] = Mk::f(acc, pin0(c), prod(c, h[c]));
    } else {  // psums passing PEs without a valid pair (K rows beyond the fold, fill, a fault)
      const Run u = hull(A, Pn);
      for (int c = u.lo; c < u.hi; ++c) p[c] = A.has(c) ? Mk::f(acc, above[c], prod(c, h[c])) : above[c];
    }
  }
  e.det.word_macs += macs;
  e.det.idle_pe_cycles += static_cast<std::uint64_t>(R) * static_cast<std::uint64_t>(C) - macs;
}

void SystolicArray::step_stream() {
  Engine& e = *m_eng;
  const int R = e.R, C = e.C;
  if (e.preload) {
    e.shift_shadow(e.folds[0], e.tau);
    e.det.idle_pe_cycles += static_cast<std::uint64_t>(R) * static_cast<std::uint64_t>(C);
    if (++e.tau == static_cast<std::uint64_t>(R)) {
      e.load_stationary();
      if (e.fast) fold_nar_flags();
      e.preload = false;
      e.tau = 0;
      e.fold_start = m_cycle;
      e.preload_left = e.folds.size() > 1 ? static_cast<std::uint64_t>(R) : 0;
    }
    return;
  }
  if (e.fast) {
    step_stream_rows<MacLean64>();
  } else if (m_pe->acc().mode() != AccMode::exact) {
    step_stream_rows<MacUnit>();
  } else {
    step_stream_rows<MacExact128>();
  }
  const Fold& f = e.folds[e.ti];
  const auto tau = static_cast<std::int64_t>(e.tau);
  // Valid psums leaving the bottom row are outputs (final ones on the last K fold).
  const Run out = e.prun[static_cast<std::size_t>(R - 1)];
  if (e.fast) {
    const std::int64_t* bottom = &e.psum64[static_cast<std::size_t>(R - 1) * C];
    for (int c = out.lo; c < out.hi; ++c) {
      const int q = static_cast<int>(tau - (R - 1) - c);
      i128& o = e.out_at(q, f.p0 + c);
      const i128 prev = f.k0 > 0 ? o : i128{0};
      const bool nar = prev == kAccNaR || e.col_nar[static_cast<std::size_t>(c)] || e.row_nar[static_cast<std::size_t>(q)];
      o = nar ? kAccNaR : prev + bottom[c];
    }
  } else {
    const i128* bottom = &e.psum[static_cast<std::size_t>(R - 1) * C];
    for (int c = out.lo; c < out.hi; ++c) e.out_at(static_cast<int>(tau - (R - 1) - c), f.p0 + c) = bottom[c];
  }
  if (f.k0 + f.kt == e.job.kw) e.det.outputs += static_cast<std::uint64_t>(out.size());
  // Double-buffered weights: the next fold's preload overlaps this fold.
  if (e.preload_left > 0) {
    e.shift_shadow(e.folds[e.ti + 1], static_cast<std::uint64_t>(R) - e.preload_left);
    --e.preload_left;
  }
  ++e.tau;
  // Fold end: nothing left to feed or preload, no valid psum above the bottom row (the bottom
  // one left just now) and no valid word that can still reach a valid stationary word.
  bool pending = e.feed_left > 0 || e.preload_left > 0;
  for (int r = 0; r < R && !pending; ++r) {
    const std::size_t i = static_cast<std::size_t>(r);
    if (r < R - 1 && !e.prun[i].empty()) pending = true;
    const Run& X = e.xrun[i];
    if (!X.empty() && !meet(Run{X.lo + 1, X.hi + 1}, e.vrun[i]).empty()) pending = true;
  }
  if (pending) return;
  m_fold_cycles.push_back(m_cycle - e.fold_start);
  e.fold_start = m_cycle;
  e.tau = 0;
  if (++e.ti == e.folds.size()) {
    e.done = true;
    account_detected();
    return;
  }
  // The finished fold's words are no longer valid; the next fold's weights become active.
  e.load_stationary();
  if (e.fast) fold_nar_flags();
  std::fill(e.xrun.begin(), e.xrun.end(), Run{});
  std::fill(e.prun.begin(), e.prun.end(), Run{});
  e.feed_left = e.feed_slots(e.folds[e.ti]);
  e.preload_left = e.ti + 1 < e.folds.size() ? static_cast<std::uint64_t>(R) : 0;
}

// os, the valid bits of one clock shared by both row kernels. The top feeders: column c takes
// weight word k = tau - c (columns [0, Nt)); their run is kept in e.os_top.
void SystolicArray::os_feed_top() {
  Engine& e = *m_eng;
  const Fold& f = e.folds[e.ti];
  const auto tau = static_cast<std::int64_t>(e.tau);
  const std::int64_t K = e.job.kw;
  Run top{static_cast<int>(std::max<std::int64_t>(0, tau - K + 1)),
          static_cast<int>(std::min<std::int64_t>(f.nt, tau + 1))};
  if (top.empty()) top = Run{};
  e.feed_left -= static_cast<std::uint64_t>(top.size());
  e.det.streamed_words += static_cast<std::uint64_t>(top.size());
  e.fed_cols = hull(e.fed_cols, top);
  e.os_top = top;
}

// Row r (rows are stepped bottom-up): its left feeder's word (0 when it feeds nothing; whether
// it fed in e.row_fed), the horizontal and vertical words shifted one step (e.xrun[r],
// e.vrun[r]) and the run of PEs where a valid activation meets a valid weight this clock
// (e.row_meet, added to e.arun[r]).
std::uint8_t SystolicArray::os_feed_row(int r) {
  Engine& e = *m_eng;
  const Fold& f = e.folds[e.ti];
  const auto tau = static_cast<std::int64_t>(e.tau);
  const std::int64_t K = e.job.kw;
  const auto ri = static_cast<std::size_t>(r);
  const std::int64_t k = tau - r;
  const bool slot = r < f.pt && k >= 0 && k < K;
  bool feed = slot;
  if (slot) {
    --e.feed_left;
    if (static_cast<std::int64_t>(m_cycle) == m_fault_cycle && r == m_fault_row) feed = false;
    if (feed) {
      ++e.det.streamed_words;
      e.fed_rows = hull(e.fed_rows, Run{r, r + 1});
    }
  }
  const std::uint8_t xin =
      feed ? e.job.a[static_cast<std::size_t>(f.p0 + r) * static_cast<std::size_t>(K) +
                     static_cast<std::size_t>(k)]
           : 0;
  e.xrun[ri] = shift_right(e.xrun[ri], e.C, feed, r);
  e.vrun[ri] = r > 0 ? e.vrun[ri - 1] : e.os_top;
  e.row_fed = feed;
  e.row_meet = meet(e.xrun[ri], e.vrun[ri]);
  e.arun[ri] = hull(e.arun[ri], e.row_meet);
  return xin;
}

// os: activations enter the left edge, weights the top edge (both skewed), each PE keeps its
// output; a finished fold hands its outputs to the drain chain (one row per clock).
template <class Mk>
std::uint64_t SystolicArray::step_os_rows() {
  Engine& e = *m_eng;
  const int R = e.R, C = e.C;
  const AccUnit& acc = m_pe->acc();
  const typename Mk::E* const T = e.tab<Mk>();
  using P = typename Mk::P;
  P* const psum = e.psums<Mk>();
  const bool full = !Mk::kLean && m_full_regs;
  std::uint64_t macs = 0;
  const Fold& f = e.folds[e.ti];
  const auto tau = static_cast<std::int64_t>(e.tau);
  os_feed_top();
  const Run top = e.os_top;
  for (int r = R - 1; r >= 0; --r) {
    const std::size_t ri = static_cast<std::size_t>(r), ro = ri * static_cast<std::size_t>(C);
    const std::uint8_t xin = os_feed_row(r);
    const Run X = e.xrun[ri], Y = e.vrun[ri], A = e.row_meet;
    const bool feed = e.row_fed;
    macs += static_cast<std::uint64_t>(A.size());
    std::uint8_t* __restrict h = &e.hreg[ro];
    std::uint8_t* __restrict v = &e.vreg[ro];
    const std::uint8_t* __restrict vabove = r > 0 ? &e.vreg[ro - static_cast<std::size_t>(C)] : nullptr;
    P* __restrict p = psum + ro;
    auto top_word = [&](int c) {
      return e.job.w[static_cast<std::size_t>(tau - c) * static_cast<std::size_t>(e.job.n) + static_cast<std::size_t>(f.n0 + c)];
    };
    auto prod = [&](std::uint8_t x, std::uint8_t y) { return T[(static_cast<std::size_t>(x) << 8) | y]; };
    if (full) {
      for (int c = C - 1; c >= 0; --c) {
        const std::uint8_t x = c > 0 ? h[c - 1] : xin;
        const std::uint8_t y = vabove != nullptr ? vabove[c] : (top.has(c) ? top_word(c) : std::uint8_t{0});
        h[c] = x;
        v[c] = y;
        p[c] = Mk::f(acc, p[c], prod(x, y));
      }
      continue;
    }
    if (vabove != nullptr && X == Y && !X.empty()) {  // steady state: one fused pass
      const int lo = X.lo;
      for (int c = X.hi - 1; c > lo; --c) {
        const std::uint8_t x = h[c - 1], y = vabove[c];
        h[c] = x;
        v[c] = y;
        p[c] = Mk::f(acc, p[c], prod(x, y));
      }
      const std::uint8_t x = lo > 0 ? h[lo - 1] : xin, y = vabove[lo];
      h[lo] = x;
      v[lo] = y;
      p[lo] = Mk::f(acc, p[lo], prod(x, y));
      continue;
    }
    for (int c = X.hi - 1; c >= std::max(X.lo, 1); --c) h[c] = h[c - 1];
    if (feed) h[0] = xin;
    if (vabove != nullptr) {
      for (int c = Y.lo; c < Y.hi; ++c) v[c] = vabove[c];
    } else {
      for (int c = Y.lo; c < Y.hi; ++c) v[c] = top_word(c);
    }
    for (int c = A.lo; c < A.hi; ++c) p[c] = Mk::f(acc, p[c], prod(h[c], v[c]));
  }
  return macs;
}

void SystolicArray::step_os() {
  Engine& e = *m_eng;
  const int R = e.R, C = e.C;
  std::uint64_t macs = 0;
  if (e.ti < e.folds.size() && !e.compute_done) {
    if (e.fast) {
      macs = step_os_rows<MacLean64>();
    } else if (m_pe->acc().mode() != AccMode::exact) {
      macs = step_os_rows<MacUnit>();
    } else {
      macs = step_os_rows<MacExact128>();
    }
    ++e.tau;
    // The fold's compute ends when everything is fed and no valid word can meet a partner any
    // more: horizontal words have passed the last fed column, vertical ones the last fed row.
    bool pending = e.feed_left > 0;
    for (int r = 0; r < R && !pending; ++r) {
      const std::size_t ri = static_cast<std::size_t>(r);
      if (!e.xrun[ri].empty() && e.xrun[ri].lo + 1 < e.fed_cols.hi) pending = true;
      if (!e.vrun[ri].empty() && r + 1 < e.fed_rows.hi) pending = true;
    }
    if (!pending) {
      e.compute_done = true;
      m_fold_cycles.push_back(e.tau);
    }
    if (e.fast && (e.compute_done || ++e.since_flush == e.flush_every)) {
      for (std::size_t i = 0; i < e.psum.size(); ++i) e.psum[i] += e.psum64[i];
      std::fill(e.psum64.begin(), e.psum64.end(), std::int64_t{0});
      e.since_flush = 0;
    }
  }
  e.det.word_macs += macs;
  e.det.idle_pe_cycles += static_cast<std::uint64_t>(R) * static_cast<std::uint64_t>(C) - macs;
  // Output drain chain: one row leaves the bottom per cycle (drain cycle d shows row R-1-d);
  // it runs until no valid output is left in it.
  if (e.drain_left > 0) {
    const int orig = e.drain_left - 1;
    const Fold& d = e.drain_fold;
    const std::size_t oi = static_cast<std::size_t>(orig);
    const Run& row = e.drun[oi];
    const i128* src = &e.drain[oi * static_cast<std::size_t>(C)];
    i128* dst = e.job.out + static_cast<std::size_t>(d.p0 + orig) * static_cast<std::size_t>(e.job.n) + static_cast<std::size_t>(d.n0);
    for (int c = row.lo; c < row.hi; ++c)
      dst[c] = (e.fast && (e.drow_nar[oi] || e.dcol_nar[static_cast<std::size_t>(c)])) ? kAccNaR : src[c];
    e.det.outputs += static_cast<std::uint64_t>(row.size());
    e.drun[oi] = Run{};
    --e.drain_left;
    bool valid_left = false;
    for (int r = 0; r < e.drain_left && !valid_left; ++r) valid_left = !e.drun[static_cast<std::size_t>(r)].empty();
    if (!valid_left) e.drain_left = 0;
  }
  // Fold end: hand the accumulators to the drain chain once it is free.
  if (e.ti < e.folds.size() && e.compute_done && e.drain_left == 0) {
    // Registers restart empty (valid bits cleared): no stale word can meet the next fold.
    e.drain.swap(e.psum);
    std::fill(e.psum.begin(), e.psum.end(), i128{0});
    std::fill(e.hreg.begin(), e.hreg.end(), std::uint8_t{0});
    std::fill(e.vreg.begin(), e.vreg.end(), std::uint8_t{0});
    e.drun.swap(e.arun);
    e.drow_nar.swap(e.row_nar);
    e.dcol_nar.swap(e.col_nar);
    std::fill(e.arun.begin(), e.arun.end(), Run{});
    std::fill(e.xrun.begin(), e.xrun.end(), Run{});
    std::fill(e.vrun.begin(), e.vrun.end(), Run{});
    e.drain_fold = e.folds[e.ti];
    e.drain_left = R;
    e.fed_rows = e.fed_cols = Run{};
    e.compute_done = false;
    e.tau = 0;
    if (++e.ti < e.folds.size()) {
      e.feed_left = e.feed_slots(e.folds[e.ti]);
      if (e.fast) fold_nar_flags();
    }
  }
  if (e.ti == e.folds.size() && e.drain_left == 0) {
    e.done = true;
    account_detected();
  }
}

// Lean exact path: the NaR flags of the current fold (a product is NaR iff one of its words has
// a NaR lane, and NaR is sticky, so an output is NaR iff a word of its row or column is).
void SystolicArray::fold_nar_flags() {
  Engine& e = *m_eng;
  const Fold& f = e.folds[e.ti];
  const std::size_t C = static_cast<std::size_t>(e.C), R = static_cast<std::size_t>(e.R);
  if (e.df == Dataflow::os) {
    e.row_nar.assign(R, 0);
    e.col_nar.assign(C, 0);
    for (int r = 0; r < f.pt; ++r)
      for (int k = 0; k < e.job.kw; ++k)
        e.row_nar[static_cast<std::size_t>(r)] |= m_table.act_word_nar(
            e.job.a[static_cast<std::size_t>(f.p0 + r) * static_cast<std::size_t>(e.job.kw) + static_cast<std::size_t>(k)]);
    for (int k = 0; k < e.job.kw; ++k)
      for (int c = 0; c < f.nt; ++c)
        e.col_nar[static_cast<std::size_t>(c)] |= m_table.wgt_word_nar(
            e.job.w[static_cast<std::size_t>(k) * static_cast<std::size_t>(e.job.n) + static_cast<std::size_t>(f.n0 + c)]);
    return;
  }
  const bool ws = e.df == Dataflow::ws;
  auto stat_nar = [&](std::uint8_t w) { return ws ? m_table.wgt_word_nar(w) : m_table.act_word_nar(w); };
  auto stream_nar = [&](std::uint8_t w) { return ws ? m_table.act_word_nar(w) : m_table.wgt_word_nar(w); };
  e.col_nar.assign(C, 0);
  for (int r = 0; r < f.kt; ++r)
    for (int c = 0; c < f.pt; ++c)
      e.col_nar[static_cast<std::size_t>(c)] |= stat_nar(e.vreg[static_cast<std::size_t>(r) * C + static_cast<std::size_t>(c)]);
  e.row_nar.assign(static_cast<std::size_t>(e.Q), 0);
  for (int q = 0; q < e.Q; ++q) {
    char n = 0;
    for (int k = f.k0; k < f.k0 + f.kt; ++k) n |= stream_nar(e.stream_word(q, k));
    e.row_nar[static_cast<std::size_t>(q)] = n;
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
  s.grid = static_cast<double>(s.psum);
  if (m_wide) {  // the register's value: its limbs combined, low 128 bits shown
    std::vector<i128> v{s.psum};
    for (const auto& l : m_limbs) v.push_back(l->pe_state(r, c).psum);
    std::vector<const i128*> p;
    for (const i128& x : v) p.push_back(&x);
    const WideAcc whole = wide_from_limbs(p, 0);
    s.psum = wide_low128(whole);
    s.grid = wide_to_double(whole, 0);
  }
  return s;
}

}  // namespace lpsim::hw
