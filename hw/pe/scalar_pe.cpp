// Baseline PE decoders (posit, AdaptivFloat, FP8, ANT int/flint) and their exact lane products.
#include "hw/pe/scalar_pe.hpp"

#include <algorithm>
#include <stdexcept>

#include "hw/common/config_error.hpp"

namespace lpsim::hw {
namespace {

// Posit Standard 2022 fields of posit<n, es>, generalised to any es: two's complement, regime
// run, es exponent bits (missing ones are 0), fraction.
ScalarDecoded decode_posit(int n, int es, std::uint32_t c) {
  ScalarDecoded d;
  const std::uint32_t mask = (1u << n) - 1u, sign = 1u << (n - 1);
  c &= mask;
  if (c == 0) return d.zero = true, d;
  if (c == sign) return d.nar = true, d;
  d.neg = (c & sign) != 0;
  const std::uint32_t q = d.neg ? (0u - c) & mask : c;
  int left = n - 1;
  const std::uint32_t r0 = (q >> (left - 1)) & 1u;
  int m = 0;
  while (m < left && ((q >> (left - 1 - m)) & 1u) == r0) ++m;
  const int k = r0 ? m - 1 : -m;
  left -= std::min(m + 1, left);
  const std::uint32_t rest = q & ((1u << left) - 1u);
  const int eb = std::min(es, left);
  const int e = static_cast<int>((rest >> (left - eb)) << (es - eb));
  const int fb = left - eb;
  d.sig = (1u << fb) | (rest & ((1u << fb) - 1u));
  d.exp = k * (1 << es) + e - fb;
  return d;
}

// AdaptivFloat: sign | e-bit exponent field E | mantissa M; magnitude 0 is zero, else
// (2^m + M) * 2^(exp_min + E - m).
ScalarDecoded decode_af(int n, int e, int exp_min, std::uint32_t c) {
  ScalarDecoded d;
  const int m = n - 1 - e;
  d.neg = ((c >> (n - 1)) & 1u) != 0;
  const std::uint32_t mag = c & ((1u << (n - 1)) - 1u);
  if (mag == 0) return d.zero = true, d.neg = false, d;
  d.sig = (1u << m) | (mag & ((1u << m) - 1u));
  d.exp = exp_min + static_cast<int>(mag >> m) - m;
  return d;
}

// OCP OFP8: E4M3 (bias 7, S.1111.111 NaN) and E5M2 (bias 15, S.11111.xx inf/NaN), subnormals.
ScalarDecoded decode_fp8(bool e4m3, std::uint32_t c) {
  ScalarDecoded d;
  const int man = e4m3 ? 3 : 2, bias = e4m3 ? 7 : 15;
  d.neg = ((c >> 7) & 1u) != 0;
  const std::uint32_t mag = c & 0x7fu;
  if (e4m3 ? mag == 0x7fu : mag >= 0x7cu) return d.nar = true, d.neg = false, d;
  const int E = static_cast<int>(mag >> man);
  const std::uint32_t M = mag & ((1u << man) - 1u);
  if (E == 0) {
    if (M == 0) return d.zero = true, d.neg = false, d;
    d.sig = M;
    d.exp = 1 - bias - man;
  } else {
    d.sig = (1u << man) | M;
    d.exp = E - bias - man;
  }
  return d;
}

// ANT int: n-bit two's complement times 2^-sf.
ScalarDecoded decode_int(int n, int sf, std::uint32_t c) {
  ScalarDecoded d;
  c &= (1u << n) - 1u;
  const int v = static_cast<int>(c) - (((c >> (n - 1)) & 1u) ? (1 << n) : 0);
  if (v == 0) return d.zero = true, d;
  d.neg = v < 0;
  d.sig = static_cast<std::uint32_t>(v < 0 ? -v : v);
  d.exp = -sf;
  return d;
}

// flint<n> (sw/formats/flint_format.hpp): sign | q; q < 2^(b-1) the integer q, else a run of r
// ones (first-one exponent code), its 0 terminator, mb = max(0, b-r-1) mantissa bits.
ScalarDecoded decode_flint(int n, int sf, std::uint32_t c) {
  ScalarDecoded d;
  const int b = n - 1;
  d.neg = ((c >> b) & 1u) != 0;
  const std::uint32_t q = c & ((1u << b) - 1u);
  if (q == 0) return d.zero = true, d.neg = false, d;
  if (q < (1u << (b - 1))) {
    d.sig = q;
    d.exp = -sf;
    return d;
  }
  int r = 0;
  while (r < b && ((q >> (b - 1 - r)) & 1u)) ++r;
  const int mb = std::max(0, b - r - 1);
  d.sig = (1u << mb) | (q & ((1u << mb) - 1u));
  d.exp = b - 2 + r - mb - sf;
  return d;
}

std::vector<ScalarDecoded> table(const ScalarOperand& f) {
  std::vector<ScalarDecoded> t(std::size_t{1} << f.n);
  for (std::uint32_t c = 0; c < t.size(); ++c) t[c] = decode_scalar(f, c);
  return t;
}

// Smallest LSB exponent and largest top exponent (exp + msb(sig) + 1) over nonzero codes.
void range_of(const ScalarOperand& f, int& lo, int& hi) {
  lo = 1 << 20;
  hi = -(1 << 20);
  for (const ScalarDecoded& d : table(f)) {
    if (d.zero || d.nar) continue;
    lo = std::min(lo, d.exp);
    hi = std::max(hi, d.exp + 32 - __builtin_clz(d.sig));
  }
}

}  // namespace

std::string to_string(const ScalarOperand& f) {
  const std::string n = std::to_string(f.n);
  switch (f.family) {
    case ScalarFamily::posit:
      return "posit<" + n + "," + std::to_string(f.es) + ">";
    case ScalarFamily::af:
      return "af<" + n + "," + std::to_string(f.es) + "," + std::to_string(f.sf) + ">";
    case ScalarFamily::fp8_e4m3:
      return "fp8_e4m3";
    case ScalarFamily::fp8_e5m2:
      return "fp8_e5m2";
    case ScalarFamily::int_:
      return "int<" + n + ",2^" + std::to_string(-f.sf) + ">";
    case ScalarFamily::flint:
      return "flint<" + n + ",2^" + std::to_string(-f.sf) + ">";
  }
  return "?";
}

ScalarDecoded decode_scalar(const ScalarOperand& f, std::uint32_t code) {
  switch (f.family) {
    case ScalarFamily::posit:
      return decode_posit(f.n, f.es, code);
    case ScalarFamily::af:
      return decode_af(f.n, f.es, f.sf, code);
    case ScalarFamily::fp8_e4m3:
      return decode_fp8(true, code);
    case ScalarFamily::fp8_e5m2:
      return decode_fp8(false, code);
    case ScalarFamily::int_:
      return decode_int(f.n, f.sf, code);
    case ScalarFamily::flint:
      return decode_flint(f.n, f.sf, code);
  }
  return {};
}

int ScalarPeArith::grid_lsb(const PeConfig& cfg) {
  int la, ha, lw, hw_;
  range_of(cfg.act_s, la, ha);
  range_of(cfg.wgt_s, lw, hw_);
  return la + lw;
}

int ScalarPeArith::exact_bits(const PeConfig& cfg) {
  int la, ha, lw, hw_;
  range_of(cfg.act_s, la, ha);
  range_of(cfg.wgt_s, lw, hw_);
  return (ha + hw_) - (la + lw) + ceil_log2(cfg.max_k) + 1;
}

ScalarPeArith::ScalarPeArith(const PeConfig& cfg)
    : PeArith(cfg.mode),
      m_type(cfg.type),
      m_fa(cfg.act_s),
      m_fw(cfg.wgt_s),
      m_a(table(cfg.act_s)),
      m_w(table(cfg.wgt_s)) {
  cfg.validate();  // exact accumulator only, widths == MODE, <= kMaxExactBits bits
  m_acc = AccUnit(AccMode::exact, grid_lsb(cfg), exact_bits(cfg), cfg.float_frac_bits);
}

std::string ScalarPeArith::name() const {
  return to_string(m_type) + "(act=" + to_string(m_fa) + ",wgt=" + to_string(m_fw) + ",acc=exact)";
}

i128 ScalarPeArith::lane_product(std::uint32_t a_code, std::uint32_t w_code) const {
  const ScalarDecoded& a = m_a[a_code];
  const ScalarDecoded& w = m_w[w_code];
  if (a.nar || w.nar) return kAccNaR;
  if (a.zero || w.zero) return 0;
  return m_acc.to_grid(a.neg != w.neg, std::uint64_t{a.sig} * w.sig, a.exp + w.exp);
}

i128 ScalarPeArith::word_product(std::uint8_t a, std::uint8_t w) const {
  if (wide()) throw std::logic_error("ScalarPeArith::word_product: wide accumulator, use word_product_wide");
  i128 sum = 0;
  for (int j = 0; j < lanes(); ++j) {
    const i128 p = lane_product(lane_code(a, m_mode, j), lane_code(w, m_mode, j));
    if (p == kAccNaR) return kAccNaR;
    sum += p;
  }
  return sum;
}

WideAcc ScalarPeArith::word_product_wide(std::uint8_t a, std::uint8_t w) const {
  if (!wide()) return PeArith::word_product_wide(a, w);
  WideAcc sum = 0;
  for (int j = 0; j < lanes(); ++j) {
    const ScalarDecoded& x = m_a[lane_code(a, m_mode, j)];
    const ScalarDecoded& y = m_w[lane_code(w, m_mode, j)];
    if (x.nar || y.nar) return wide_nar();
    if (x.zero || y.zero) continue;
    sum += wide_on_grid(x.neg != y.neg, std::uint64_t{x.sig} * y.sig, x.exp + y.exp - m_acc.lsb_exp());
  }
  return sum;
}

bool ScalarPeArith::is_nar_code(std::uint32_t code, bool weight) const {
  return (weight ? m_w : m_a)[code].nar;
}

}  // namespace lpsim::hw
