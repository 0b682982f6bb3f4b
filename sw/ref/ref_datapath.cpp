// Software reference of the LPA datapath (docs/datapath.md), independent of hw/.
#include "sw/ref/ref_datapath.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <mutex>
#include <string>

#include <boost/multiprecision/cpp_int.hpp>

#include "sw/common/parallel.hpp"
#include "sw/ref/ref_wide.hpp"

namespace lpsim::ref {

namespace {

__extension__ typedef unsigned __int128 u128;

constexpr int kLogFrac =
    8;  // the decoder's log2 has 8 fraction bits (docs/datapath.md, decoder 6.)
constexpr std::uint8_t kZero = 1, kNar = 2, kNeg = 4;

int floor_div(int a, int b) {  // b > 0
  const int q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

using detail::ceil_log2;

u128 magnitude(i128 v) {
  return v < 0 ? u128{0} - static_cast<u128>(v) : static_cast<u128>(v);
}

int top_bit(u128 x) {  // x != 0
  int h = 0;
  while (x >> 1) {
    x >>= 1;
    ++h;
  }
  return h;
}

// Round m / 2^sh to nearest, ties to even, from the round bit and the sticky bits.
u128 round_shift(u128 m, int sh) {
  if (sh <= 0) return m;
  if (sh > 128) return 0;
  const u128 q = sh == 128 ? 0 : m >> sh;
  const bool round = (m >> (sh - 1)) & 1;
  const u128 below = sh == 1 ? 0 : (m & ((u128{1} << (sh - 1)) - 1));
  return (round && (below != 0 || (q & 1))) ? q + 1 : q;
}

// --- Unsigned big integers, only for the exact construction of the converter table. --------
using Big = std::vector<std::uint32_t>;  // little-endian limbs

Big big_mul(const Big& a, const Big& b) {
  std::vector<std::uint64_t> t(a.size() + b.size() + 1, 0);
  for (std::size_t i = 0; i < a.size(); ++i) {
    std::uint64_t carry = 0;
    for (std::size_t j = 0; j < b.size(); ++j) {
      const std::uint64_t cur = t[i + j] + static_cast<std::uint64_t>(a[i]) * b[j] + carry;
      t[i + j] = cur & 0xffffffffu;
      carry = cur >> 32;
    }
    std::size_t p = i + b.size();
    while (carry != 0) {
      const std::uint64_t cur = t[p] + carry;
      t[p++] = cur & 0xffffffffu;
      carry = cur >> 32;
    }
  }
  Big r(t.begin(), t.end());
  while (r.size() > 1 && r.back() == 0) r.pop_back();
  return r;
}

Big big_pow256(std::uint64_t x) {
  Big r{static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(x >> 32)};
  while (r.size() > 1 && r.back() == 0) r.pop_back();
  for (int i = 0; i < 8; ++i) r = big_mul(r, r);
  return r;
}

// Compare a with 2^e: -1, 0, 1.
int big_cmp_pow2(const Big& a, int e) {
  int top = static_cast<int>(a.size()) - 1;
  while (top > 0 && a[static_cast<std::size_t>(top)] == 0) --top;
  const std::uint32_t hi = a[static_cast<std::size_t>(top)];
  if (hi == 0) return -1;
  int hb = 31;
  while (!((hi >> hb) & 1)) --hb;
  const int msb = top * 32 + hb;
  if (msb != e) return msb < e ? -1 : 1;
  // Same top bit: a == 2^e iff every other bit is 0.
  if (hi != (std::uint32_t{1} << hb)) return 1;
  for (int i = 0; i < top; ++i)
    if (a[static_cast<std::size_t>(i)] != 0) return 1;
  return 0;
}

std::vector<std::uint32_t> build_lin_table(int w) {
  std::vector<std::uint32_t> tab(256);
  for (int f = 0; f < 256; ++f) {
    // s = nearest(2^(f/256 + w)) iff 2s-1 < 2^(f/256 + w + 1) < 2s+1, i.e. raising to the
    // 256th power: (2s-1)^256 < 2^T < (2s+1)^256 with T = f + 256(w+1).
    const int t = f + 256 * (w + 1);
    auto s = static_cast<std::uint64_t>(std::llround(std::ldexp(std::pow(2.0, f / 256.0), w)));
    for (;;) {
      if (big_cmp_pow2(big_pow256(2 * s + 1), t) <= 0) {
        ++s;
      } else if (big_cmp_pow2(big_pow256(2 * s - 1), t) >= 0) {
        --s;
      } else {
        break;
      }
    }
    tab[static_cast<std::size_t>(f)] = static_cast<std::uint32_t>(s);
  }
  return tab;
}

// --- A 256-bit two's complement integer for the exact-mode combination of buckets. ---------
struct Wide {
  std::array<std::uint64_t, 4> limb{};  // little-endian

  void twice_plus(std::int64_t v) {  // *this = 2 * *this + v
    for (int i = 3; i > 0; --i) limb[i] = (limb[i] << 1) | (limb[i - 1] >> 63);
    limb[0] <<= 1;
    const std::uint64_t ext = v < 0 ? ~std::uint64_t{0} : 0;
    std::uint64_t carry = 0;
    for (int i = 0; i < 4; ++i) {
      const std::uint64_t add = i == 0 ? static_cast<std::uint64_t>(v) : ext;
      const std::uint64_t s1 = limb[i] + add;
      const std::uint64_t c1 = s1 < add;
      const std::uint64_t s2 = s1 + carry;
      const std::uint64_t c2 = s2 < carry;
      limb[i] = s2;
      carry = c1 | c2;
    }
  }
  // The value as i128; false when it does not fit in (-2^127, 2^127).
  bool to_i128(i128& out) const {
    const std::uint64_t ext = (limb[1] >> 63) ? ~std::uint64_t{0} : 0;
    if (limb[2] != ext || limb[3] != ext) return false;
    const u128 u = (static_cast<u128>(limb[1]) << 64) | limb[0];
    out = static_cast<i128>(u);
    return !(limb[1] == (std::uint64_t{1} << 63) && limb[0] == 0);  // -2^127 is NaR
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------

void DatapathSpec::validate() const {
  if (mode != 8 && mode != 4 && mode != 2)
    throw RefError("ref: mode = " + std::to_string(mode) + " must be 8, 4 or 2");
  if (lin_frac_bits < 1 || lin_frac_bits > 24)
    throw RefError("ref: lin_frac_bits = " + std::to_string(lin_frac_bits) + " must be in 1..24");
  if (max_k < 1) throw RefError("ref: max_k must be >= 1");
  if (acc == AccKind::narrow) {
    if (narrow_bits < 8 || narrow_bits > 64)
      throw RefError("ref: narrow_bits = " + std::to_string(narrow_bits) + " must be in 8..64");
    if (narrow_frac_bits < -64 || narrow_frac_bits > 96)
      throw RefError("ref: narrow_frac_bits = " + std::to_string(narrow_frac_bits) +
                     " must be in -64..96");
  }
  if (acc == AccKind::small_float && (float_frac_bits < 1 || float_frac_bits > 32))
    throw RefError("ref: float_frac_bits = " + std::to_string(float_frac_bits) +
                   " must be in 1..32");
  if (acc == AccKind::small_float && (float_exp_bits < 0 || float_exp_bits > 7))
    throw RefError("ref: float_exp_bits = " + std::to_string(float_exp_bits) +
                   " must be in 0..7 (0 = unbounded)");
  if (k_tile < 0) throw RefError("ref: k_tile must be >= 0");
  if (psum == PsumKind::small_float && (psum_frac_bits < 1 || psum_frac_bits > 64))
    throw RefError("ref: psum_frac_bits = " + std::to_string(psum_frac_bits) +
                   " must be in 1..64");
  if (pe == PeKind::lp) {
    for (const auto* p : {&act, &wgt}) {
      const char* what = p == &act ? "act" : "wgt";
      try {
        p->validate();
      } catch (const std::exception& e) {
        throw RefError(std::string("ref: ") + what + " format: " + e.what());
      }
      if (p->n != mode)
        throw RefError(std::string("ref: ") + what + " format " + fmt::lp_name(*p) +
                       " must have n = mode (" + std::to_string(mode) + ")");
    }
  }
}

int acc_lsb_exp(const DatapathSpec& spec) {
  return RefDatapath(spec).lsb_exp();
}

const std::vector<std::uint32_t>& lin_table(int w) {
  if (w < 1 || w > 24)
    throw RefError("ref: lin_frac_bits = " + std::to_string(w) + " must be in 1..24");
  static std::mutex mu;
  static std::array<std::unique_ptr<std::vector<std::uint32_t>>, 25> cache;
  const std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[static_cast<std::size_t>(w)];
  if (!slot) slot = std::make_unique<std::vector<std::uint32_t>>(build_lin_table(w));
  return *slot;
}

double AccValue::to_double() const {
  if (nar) return std::numeric_limits<double>::quiet_NaN();
  if (units == 0) return 0.0;
  const u128 mag = magnitude(units);
  const int h = top_bit(mag);
  double d;
  if (h <= 52) {
    d = static_cast<double>(static_cast<std::uint64_t>(mag));
  } else {
    const int sh = h - 52;
    d = std::ldexp(static_cast<double>(static_cast<std::uint64_t>(round_shift(mag, sh))), sh);
  }
  return std::ldexp(units < 0 ? -d : d, lsb_exp);
}

i128 AccValue::hw_units() const {
  return nar ? static_cast<i128>(u128{1} << 127) : units;
}

// ---------------------------------------------------------------------------------------------

RefDatapath::RefDatapath(const DatapathSpec& spec) : m_spec(spec) {
  m_spec.validate();
  const int n = m_spec.mode;
  const std::size_t ncodes = std::size_t{1} << n;
  const int kbits = ceil_log2(m_spec.max_k);
  auto fill = [&](const fmt::LpParams* p, std::vector<std::int32_t>& val,
                  std::vector<std::uint8_t>& flag) {
    val.assign(ncodes, 0);
    flag.assign(ncodes, 0);
    if (p) {
      const fmt::LpFormat f(*p);
      for (std::size_t c = 0; c < ncodes; ++c) {
        const fmt::LpFields fl = f.fields(static_cast<fmt::Code>(c));
        flag[c] = static_cast<std::uint8_t>((fl.zero ? kZero : 0) | (fl.nar ? kNar : 0) |
                                            (fl.negative ? kNeg : 0));
        if (fl.zero || fl.nar) continue;
        if (fl.frac_bits > kLogFrac)
          throw RefError("ref: " + f.name() + " has more than 8 fraction bits");
        // log2 in Q.8 with sf folded in: (2^es k + e - sf) 2^8 + F 2^(8 - fb).
        // (Multiplied, not shifted: the exponent is negative for codes below 1, and a left
        // shift of a negative value is undefined in C++17.)
        val[c] = ((1 << p->es) * fl.k + fl.e - p->sf) * (1 << kLogFrac) +
                 (fl.frac << (kLogFrac - fl.frac_bits));
      }
    } else {
      for (std::size_t c = 0; c < ncodes; ++c) {
        // n-bit two's complement integer.
        const int v =
            c >= ncodes / 2 ? static_cast<int>(c) - static_cast<int>(ncodes) : static_cast<int>(c);
        val[c] = v;
        flag[c] = static_cast<std::uint8_t>((v == 0 ? kZero : 0) | (v < 0 ? kNeg : 0));
      }
    }
  };
  if (m_spec.pe == PeKind::lp) {
    fill(&m_spec.act, m_a_val, m_a_flag);
    fill(&m_spec.wgt, m_w_val, m_w_flag);
    const std::size_t maxpos = ncodes / 2 - 1;
    m_emin = floor_div(m_a_val[1] + m_w_val[1], 1 << kLogFrac);
    const int emax = floor_div(m_a_val[maxpos] + m_w_val[maxpos], 1 << kLogFrac);
    m_nbucket = emax - m_emin + 1;
    // The exact grid: up to kRefMaxExactBits in exact mode (wider than 127 bits: summed in
    // arbitrary precision), 127 bits for small_float (it rounds in the i128 word); narrow has
    // its own width.
    const int bits = (emax - m_emin) + m_spec.lin_frac_bits + kbits + 3;
    const int limit = m_spec.acc == AccKind::exact ? kRefMaxExactBits : 127;
    if (m_spec.acc != AccKind::narrow && bits > limit)
      throw RefError("ref: " + std::string(m_spec.acc == AccKind::exact ? "exact" : "small_float") +
                     " accumulator for " + fmt::lp_name(m_spec.act) + " x " +
                     fmt::lp_name(m_spec.wgt) + " needs " + std::to_string(bits) +
                     " bits (more than " + std::to_string(limit) + ")");
    if (m_spec.acc == AccKind::exact && bits > 127) {
      if (m_spec.psum == PsumKind::small_float)
        throw RefError("ref: psum small_float with an exact accumulator of " + std::to_string(bits) +
                       " bits (more than 127; its K-tile sums are exact)");
      m_wide = true;
    }
    m_lin = &lin_table(m_spec.lin_frac_bits);
    m_lsb = m_emin - m_spec.lin_frac_bits;
    // The exact-mode fast paths ignore K tiles: only when the OB does not round between them.
    m_fast = m_spec.acc == AccKind::exact && !m_spec.tiles_round();
    m_a_off = m_a_val;
    for (auto& v : m_a_off) v -= m_emin * (1 << kLogFrac);
  } else {
    fill(nullptr, m_a_val, m_a_flag);
    fill(nullptr, m_w_val, m_w_flag);
    m_emin = 0;
    m_nbucket = 1;
    m_lsb = 0;
  }
  if (m_spec.acc == AccKind::narrow) m_lsb = -m_spec.narrow_frac_bits;
}

RefDatapath::~RefDatapath() = default;

void RefDatapath::check_code(std::uint32_t c, const char* what) const {
  if (c >> m_spec.mode)
    throw RefError(std::string("ref: ") + what + " code " + std::to_string(c) +
                   " does not fit in " + std::to_string(m_spec.mode) + " bits");
}

RefDatapath::Dot::Dot(const RefDatapath& dp)
    : m_dp(dp), m_bucket(static_cast<std::size_t>(dp.m_nbucket), 0) {}

void RefDatapath::Dot::add(std::uint32_t a, std::uint32_t w) {
  const RefDatapath& dp = m_dp;
  const std::uint8_t fa = dp.m_a_flag[a], fw = dp.m_w_flag[w];
  if (dp.m_fast) {
    // Exact LP: lanes do not matter; l = L_a + L_w - 256 emin >= 0 in Q.8, so its integer part
    // is the bucket and its low 8 bits the converter input.
    if (!((fa | fw) & (kZero | kNar))) {
      const auto l = static_cast<std::uint32_t>(dp.m_a_off[a] + dp.m_w_val[w]);
      const std::int64_t sig = (*dp.m_lin)[l & 0xffu];
      m_bucket[l >> kLogFrac] += ((fa ^ fw) & kNeg) ? -sig : sig;
    } else if ((fa | fw) & kNar) {
      m_word_nar = true;
    }
    return;
  }
  if (dp.m_spec.k_tile > 0) {  // a new K tile starts: the previous one goes to the OB
    if (m_in_tile == dp.m_spec.k_tile) close_tile();
    ++m_in_tile;
  }
  if ((fa | fw) & kNar) {
    m_word_nar = true;
  } else if (!((fa | fw) & kZero)) {
    const bool neg = ((fa ^ fw) & kNeg) != 0;
    std::int64_t sig;  // |product| = sig * 2^(e - W), or sig * 2^0 for INT
    int e;
    if (dp.m_spec.pe == PeKind::lp) {
      const int l = dp.m_a_val[a] + dp.m_w_val[w];
      e = floor_div(l, 1 << kLogFrac);
      sig = (*dp.m_lin)[static_cast<std::size_t>(l - e * (1 << kLogFrac))];
    } else {
      sig = static_cast<std::int64_t>(dp.m_a_val[a]) * dp.m_w_val[w];
      if (sig < 0) sig = -sig;
      e = 0;
    }
    if (dp.m_spec.acc == AccKind::exact) {
      m_bucket[static_cast<std::size_t>(e - dp.m_emin)] += neg ? -sig : sig;
    } else {
      // Place on the grid: exact when fine enough, else round to nearest even (narrow).
      const int lsb_of_product = dp.m_spec.pe == PeKind::lp ? e - dp.m_spec.lin_frac_bits : 0;
      const int sh = lsb_of_product - dp.m_lsb;
      i128 v;
      if (sh >= 0) {
        if (sh > 100) throw RefError("ref: product does not fit the 128-bit accumulator word");
        v = static_cast<i128>(sig) << sh;
      } else {
        v = static_cast<i128>(round_shift(static_cast<u128>(sig), -sh));
      }
      m_word += neg ? -v : v;
    }
  }
  if (++m_lane == dp.m_spec.lanes()) flush_word();
}

void RefDatapath::Dot::flush_word() {
  const DatapathSpec& s = m_dp.m_spec;
  if (m_word_nar) m_nar = true;
  if (s.acc != AccKind::exact && !m_nar) m_acc = modes::acc_post_add(s, m_acc + m_word);
  m_word = 0;
  m_word_nar = false;
  m_lane = 0;
}

// The current K tile's sum (the whole dot product when K is one tile); the tile state is reset.
AccValue RefDatapath::Dot::take_tile() {
  if (m_lane != 0 || m_word_nar) flush_word();  // ragged last word: the missing lanes are zero
  AccValue r;
  r.lsb_exp = m_dp.m_lsb;
  r.nar = m_nar;
  if (!m_nar) {
    if (m_dp.m_spec.acc == AccKind::exact) {
      if (!detail::combine_buckets(m_bucket.data(), static_cast<int>(m_bucket.size()), r.units)) {
        if (!m_dp.m_wide) throw RefError("ref: dot product exceeds the 128-bit accumulator word");
        r = detail::combine_buckets_wide(m_bucket.data(), static_cast<int>(m_bucket.size()), m_dp.m_lsb);
      }
    } else {
      r.units = m_acc;
    }
  }
  std::fill(m_bucket.begin(), m_bucket.end(), 0);
  m_acc = 0;
  m_nar = false;
  return r;
}

bool detail::combine_buckets(const std::int64_t* bucket, int n, i128& out) {
  if (n <= 63) {
    // |sum| < 2^63 * 2^n <= 2^126: Horner's scheme in i128 cannot overflow and the result fits.
    i128 r = 0;
    for (int b = n; b-- > 0;) r = 2 * r + bucket[b];
    out = r;
    return true;
  }
  Wide wide;
  for (int b = n; b-- > 0;) wide.twice_plus(bucket[b]);
  return wide.to_i128(out);
}

AccValue detail::combine_buckets_wide(const std::int64_t* bucket, int n, int lsb) {
  boost::multiprecision::cpp_int v = 0;
  for (int b = n; b-- > 0;) {
    v <<= 1;
    v += bucket[b];
  }
  return acc_value_of(v, lsb);
}

AccValue detail::acc_value_of(const boost::multiprecision::cpp_int& v, int lsb) {
  namespace bmp = boost::multiprecision;
  AccValue r;
  r.lsb_exp = lsb;
  if (v == 0) return r;
  const bool neg = v < 0;
  bmp::cpp_int mag = bmp::abs(v);
  const int top = static_cast<int>(bmp::msb(mag));
  if (top > 125) {  // round to odd on 126 significant bits
    const int sh = top - 125;
    const bool sticky = static_cast<int>(bmp::lsb(mag)) < sh;
    mag >>= sh;
    if (sticky) mag |= 1;
    r.lsb_exp = lsb + sh;
  }
  const bmp::cpp_int hi_c = mag >> 64;  // mag < 2^126
  const auto hi = static_cast<std::uint64_t>(hi_c);
  const auto lo = static_cast<std::uint64_t>(bmp::cpp_int(mag - (hi_c << 64)));
  const auto u = static_cast<i128>((static_cast<u128>(hi) << 64) | lo);
  r.units = neg ? -u : u;
  return r;
}

std::vector<AccValue> RefDatapath::gemm(const std::uint32_t* a, const std::uint32_t* w, int m,
                                        int k, int n) const {
  if (m < 0 || k < 0 || n < 0) throw RefError("ref: gemm dimensions must be >= 0");
  const auto mk = static_cast<std::size_t>(m) * static_cast<std::size_t>(k);
  const auto kn = static_cast<std::size_t>(k) * static_cast<std::size_t>(n);
  for (std::size_t i = 0; i < mk; ++i) check_code(a[i], "activation");
  // Exact LP: the blocked path (sw/ref/ref_gemm_exact.cpp), once the GEMM is big enough to
  // repay its product table (built once per RefDatapath).
  // (Not for a wide grid: its buckets do not fit the blocked path's 128-bucket stride.)
  if (m_fast && !m_wide && static_cast<std::int64_t>(mk) * n >= 4096) return gemm_exact(a, w, m, k, n);
  // W transposed to N x K so each dot product reads both operands contiguously.
  std::vector<std::uint32_t> wt(kn);
  for (int kk = 0; kk < k; ++kk)
    for (int j = 0; j < n; ++j) {
      const std::uint32_t c = w[static_cast<std::size_t>(kk) * n + j];
      check_code(c, "weight");
      wt[static_cast<std::size_t>(j) * k + kk] = c;
    }
  std::vector<AccValue> out(static_cast<std::size_t>(m) * static_cast<std::size_t>(n));
  // Rows in parallel: each output is one Dot over its k codes, whoever computes it.
  const std::int64_t row_work = std::max<std::int64_t>(1, std::int64_t{k} * n);
  parallel_for(m, std::max<std::int64_t>(1, (std::int64_t{1} << 18) / row_work),
               [&](std::int64_t i0, std::int64_t i1) {
                 Dot dot(*this);
                 for (std::int64_t i = i0; i < i1; ++i) {
                   const std::uint32_t* ar = a + static_cast<std::size_t>(i) * k;
                   for (int j = 0; j < n; ++j) {
                     const std::uint32_t* wc = wt.data() + static_cast<std::size_t>(j) * k;
                     for (int kk = 0; kk < k; ++kk) dot.add(ar[kk], wc[kk]);
                     out[static_cast<std::size_t>(i) * n + j] = dot.finish();
                   }
                 }
               });
  return out;
}

std::vector<AccValue> ref_gemm(const DatapathSpec& spec, const std::uint32_t* a_codes,
                               const std::uint32_t* w_codes, int m, int k, int n) {
  return RefDatapath(spec).gemm(a_codes, w_codes, m, k, n);
}

std::vector<float> fp32_gemm(const float* a, const float* w, int m, int k, int n) {
  std::vector<float> out(static_cast<std::size_t>(m) * static_cast<std::size_t>(n));
  std::vector<double> row(static_cast<std::size_t>(n));
  for (int i = 0; i < m; ++i) {
    std::fill(row.begin(), row.end(), 0.0);
    for (int kk = 0; kk < k; ++kk) {
      const double av = a[static_cast<std::size_t>(i) * k + kk];
      const float* wr = w + static_cast<std::size_t>(kk) * n;
      for (int j = 0; j < n; ++j)
        row[static_cast<std::size_t>(j)] += av * static_cast<double>(wr[j]);
    }
    for (int j = 0; j < n; ++j)
      out[static_cast<std::size_t>(i) * n + j] =
          static_cast<float>(row[static_cast<std::size_t>(j)]);
  }
  return out;
}

}  // namespace lpsim::ref
