// LP and INT PE arithmetic, the log->linear converter and the word-pair product table.
#include "hw/pe/lp_pe.hpp"

#include <cmath>
#include <stdexcept>

#include "hw/common/config_error.hpp"
#include "hw/pe/scalar_pe.hpp"

namespace lpsim::hw {

LogLinearConverter::LogLinearConverter(int frac_bits) : m_bits(frac_bits) {
  m_lut.resize(std::size_t{1} << kLogFracBits);
  for (std::uint32_t f = 0; f < m_lut.size(); ++f) {
    // 64-bit long double: the nearest integer is unambiguous (no ties, W <= 24).
    const long double v = std::ldexp(std::exp2l(static_cast<long double>(f) / (1 << kLogFracBits)), frac_bits);
    m_lut[f] = static_cast<std::uint32_t>(std::llroundl(v));
  }
}

// ---------------------------------------------------------------------------------------
LpPeArith::LpPeArith(const PeConfig& cfg)
    : PeArith(cfg.mode), m_dec_a(cfg.act), m_dec_w(cfg.wgt), m_conv(cfg.lin_frac_bits) {
  cfg.validate();
  const std::uint32_t maxpos = (1u << (cfg.mode - 1)) - 1u;
  m_emin = (m_dec_a.decode(1).log_q + m_dec_w.decode(1).log_q) >> kLogFracBits;
  m_emax = (m_dec_a.decode(maxpos).log_q + m_dec_w.decode(maxpos).log_q) >> kLogFracBits;
  const int exact_lsb = m_emin - cfg.lin_frac_bits;
  switch (cfg.acc_mode) {
    case AccMode::exact:
      m_acc = AccUnit(AccMode::exact, exact_lsb, exact_bits(cfg), cfg.float_frac_bits);
      break;
    case AccMode::small_float:
      m_acc = AccUnit(AccMode::small_float, exact_lsb, exact_bits(cfg), cfg.float_frac_bits,
                      cfg.float_exp_bits);
      break;
    case AccMode::narrow:
      m_acc = AccUnit(AccMode::narrow, -cfg.narrow_frac_bits, cfg.narrow_bits, cfg.float_frac_bits);
      break;
  }
}

int LpPeArith::exact_bits(const PeConfig& cfg) {
  const LpDecoder a(cfg.act), w(cfg.wgt);
  const std::uint32_t maxpos = (1u << (cfg.mode - 1)) - 1u;
  const int emin = (a.decode(1).log_q + w.decode(1).log_q) >> kLogFracBits;
  const int emax = (a.decode(maxpos).log_q + w.decode(maxpos).log_q) >> kLogFracBits;
  return emax - emin + cfg.lin_frac_bits + ceil_log2(cfg.max_k) + 3;
}

std::string LpPeArith::name() const {
  return "lp(act=" + fmt::lp_name(m_dec_a.params()) + ",wgt=" + fmt::lp_name(m_dec_w.params()) +
         ",W=" + std::to_string(m_conv.frac_bits()) + ",acc=" + to_string(m_acc.mode()) + ")";
}

LpLogProduct LpPeArith::log_product(std::uint32_t a_code, std::uint32_t w_code) const {
  return lp_log_multiply(m_dec_a.decode(a_code), m_dec_w.decode(w_code));
}

LpLinearProduct LpPeArith::linear(const LpLogProduct& p) const {
  // Bit-unpack L = I + f: I = L >> 8 (floor), f = low 8 bits; the converter gives 2^f.
  LpLinearProduct l;
  l.neg = p.neg;
  l.sig = m_conv(static_cast<std::uint32_t>(p.log_q) & ((1u << kLogFracBits) - 1u));
  l.exp = (p.log_q >> kLogFracBits) - m_conv.frac_bits();
  return l;
}

i128 LpPeArith::lane_product(std::uint32_t a_code, std::uint32_t w_code) const {
  const LpLogProduct p = log_product(a_code, w_code);
  if (p.nar) return kAccNaR;
  if (p.zero) return 0;
  const LpLinearProduct l = linear(p);
  return m_acc.to_grid(l.neg, l.sig, l.exp);
}

i128 LpPeArith::word_product(std::uint8_t a, std::uint8_t w) const {
  if (wide()) throw std::logic_error("LpPeArith::word_product: wide accumulator, use word_product_wide");
  i128 sum = 0;
  bool nar = false;
  for (int j = 0; j < lanes(); ++j) {
    const i128 p = lane_product(lane_code(a, m_mode, j), lane_code(w, m_mode, j));
    if (p == kAccNaR)
      nar = true;
    else
      sum += p;
  }
  return nar ? kAccNaR : sum;
}

WideAcc LpPeArith::word_product_wide(std::uint8_t a, std::uint8_t w) const {
  if (!wide()) return PeArith::word_product_wide(a, w);
  WideAcc sum = 0;
  for (int j = 0; j < lanes(); ++j) {
    const LpLogProduct p = log_product(lane_code(a, m_mode, j), lane_code(w, m_mode, j));
    if (p.nar) return wide_nar();
    if (p.zero) continue;
    const LpLinearProduct l = linear(p);
    sum += wide_on_grid(l.neg, l.sig, l.exp - m_acc.lsb_exp());
  }
  return sum;
}

bool LpPeArith::is_nar_code(std::uint32_t code, bool weight) const {
  return (weight ? m_dec_w : m_dec_a).decode(code).nar;
}

// ---------------------------------------------------------------------------------------
IntPeArith::IntPeArith(const PeConfig& cfg) : PeArith(cfg.mode) {
  cfg.validate();
  const int exact = 2 * cfg.mode - 2 + ceil_log2(cfg.max_k) + 2;
  switch (cfg.acc_mode) {
    case AccMode::exact: m_acc = AccUnit(AccMode::exact, 0, exact, cfg.float_frac_bits); break;
    case AccMode::small_float:
      m_acc = AccUnit(AccMode::small_float, 0, exact, cfg.float_frac_bits, cfg.float_exp_bits);
      break;
    case AccMode::narrow:
      m_acc = AccUnit(AccMode::narrow, -cfg.narrow_frac_bits, cfg.narrow_bits, cfg.float_frac_bits);
      break;
  }
}

std::string IntPeArith::name() const {
  return "int" + std::to_string(m_mode) + "(acc=" + to_string(m_acc.mode()) + ")";
}

i128 IntPeArith::word_product(std::uint8_t a, std::uint8_t w) const {
  i128 sum = 0;
  for (int j = 0; j < lanes(); ++j) {
    const int p = value(lane_code(a, m_mode, j), m_mode) * value(lane_code(w, m_mode, j), m_mode);
    sum += p == 0 ? 0 : m_acc.to_grid(p < 0, static_cast<std::uint64_t>(p < 0 ? -p : p), 0);
  }
  return sum;
}

// ---------------------------------------------------------------------------------------
std::unique_ptr<PeArith> make_pe_arith(const PeConfig& cfg) {
  cfg.validate();
  if (cfg.type == PeType::lp) return std::make_unique<LpPeArith>(cfg);
  if (is_scalar_pe(cfg.type)) return std::make_unique<ScalarPeArith>(cfg);
  return std::make_unique<IntPeArith>(cfg);
}

WideAcc PeArith::word_product_wide(std::uint8_t a, std::uint8_t w) const {
  const i128 p = word_product(a, w);
  if (p == kAccNaR) return wide_nar();
  const u128 m = abs_u128(p);
  const WideAcc v = (WideAcc(static_cast<std::uint64_t>(m >> 64)) << 64) | WideAcc(static_cast<std::uint64_t>(m));
  return p < 0 ? WideAcc(-v) : v;
}

ProductTable::ProductTable(const PeArith& pe) : ProductTable(pe, std::vector<i128>(std::size_t{1} << 16)) {
  for (unsigned a = 0; a < 256; ++a)
    for (unsigned w = 0; w < 256; ++w)
      m_t[(a << 8) | w] = pe.word_product(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(w));
}

ProductTable::ProductTable(const PeArith& pe, std::vector<i128> entries)
    : m_t(std::move(entries)), m_act_nar(256), m_wgt_nar(256) {
  if (m_t.size() != (std::size_t{1} << 16)) throw std::logic_error("ProductTable: 65536 entries expected");
  for (unsigned x = 0; x < 256; ++x)
    for (int j = 0; j < pe.lanes(); ++j) {
      const std::uint32_t c = lane_code(static_cast<std::uint8_t>(x), pe.mode(), j);
      if (pe.is_nar_code(c, false)) m_act_nar[x] = true;
      if (pe.is_nar_code(c, true)) m_wgt_nar[x] = true;
    }
}

}  // namespace lpsim::hw
