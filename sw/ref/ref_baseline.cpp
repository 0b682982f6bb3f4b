// Reference of the baseline PE types: exact products of decoded values (see ref_baseline.hpp).
#include "sw/ref/ref_baseline.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <boost/multiprecision/cpp_int.hpp>

#include "sw/ref/ref_wide.hpp"

namespace lpsim::ref {

RefBaselineDatapath::Term RefBaselineDatapath::term_of(double v) {
  Term t;
  if (std::isnan(v) || std::isinf(v)) {
    t.zero = false;
    t.nar = true;
    return t;
  }
  if (v == 0) return t;
  t.zero = false;
  int e = 0;
  const double m = std::frexp(std::fabs(v), &e);                  // v = m * 2^e, m in [0.5, 1)
  std::int64_t s = static_cast<std::int64_t>(std::ldexp(m, 53));  // exact: 53-bit significand
  e -= 53;
  while ((s & 1) == 0) {
    s >>= 1;
    ++e;
  }
  t.sig = v < 0 ? -s : s;
  t.exp = e;
  return t;
}

RefBaselineDatapath::RefBaselineDatapath(fmt::FormatPtr act, fmt::FormatPtr wgt, std::int64_t max_k)
    : m_a(std::move(act)), m_w(std::move(wgt)) {
  if (!m_a || !m_w) throw RefError("baseline reference: missing operand format");
  if (m_a->bits() > 8 || m_w->bits() > 8)
    throw RefError("baseline reference: operand formats wider than 8 bits");
  int lo_a = 1 << 20, lo_w = 1 << 20, hi_a = -(1 << 20), hi_w = -(1 << 20);
  auto build = [](const fmt::NumberFormat& f, std::vector<Term>& t, int& lo, int& hi) {
    t.resize(f.num_codes());
    for (fmt::Code c = 0; c < t.size(); ++c) {
      t[c] = term_of(f.decode(c));
      if (t[c].zero || t[c].nar) continue;
      const std::int64_t mag = t[c].sig < 0 ? -t[c].sig : t[c].sig;
      lo = std::min(lo, t[c].exp);
      hi = std::max(hi, t[c].exp + 64 - __builtin_clzll(static_cast<unsigned long long>(mag)));
    }
  };
  build(*m_a, m_ta, lo_a, hi_a);
  build(*m_w, m_tw, lo_w, hi_w);
  if (lo_a > hi_a || lo_w > hi_w) {  // a format without nonzero values cannot occur; be safe
    lo_a = hi_a = lo_w = hi_w = 0;
  }
  m_lsb = lo_a + lo_w;
  const int bits = (hi_a + hi_w) - m_lsb + detail::ceil_log2(max_k) + 1;
  if (bits > kRefMaxExactBits)
    throw RefError("baseline reference: " + m_a->name() + " x " + m_w->name() + " needs " +
                   std::to_string(bits) + " accumulator bits > " + std::to_string(kRefMaxExactBits));
  m_wcodes = m_tw.size();
  // Every product as an i128 on the grid, or on a grid wider than 127 bits as (significand,
  // shift) pairs that the wide sum places exactly.
  m_wide = bits > 127;
  const std::size_t pairs = m_ta.size() * m_wcodes;
  if (m_wide) {
    m_wsig.assign(pairs, 0);
    m_wsh.assign(pairs, 0);
  } else {
    m_prod.assign(pairs, 0);
  }
  m_nar.assign(pairs, 0);
  for (std::size_t i = 0; i < m_ta.size(); ++i)
    for (std::size_t j = 0; j < m_wcodes; ++j) {
      const Term& a = m_ta[i];
      const Term& w = m_tw[j];
      const std::size_t at = i * m_wcodes + j;
      if (a.nar || w.nar) {
        m_nar[at] = 1;
      } else if (!a.zero && !w.zero) {
        const int shift = a.exp + w.exp - m_lsb;
        if (m_wide) {
          m_wsig[at] = a.sig * w.sig;  // 8-bit significands: fits
          m_wsh[at] = shift;
        } else {
          // Scaled by a multiplication: a left shift of a negative value is undefined.
          m_prod[at] = static_cast<i128>(a.sig * w.sig) * (static_cast<i128>(1) << shift);
        }
      }
    }
}

AccValue RefBaselineDatapath::dot(const std::uint32_t* a_codes, const std::uint32_t* w_codes,
                                  int k) const {
  // The product-table entry of term i, its codes checked.
  auto entry = [&](int i) {
    if (a_codes[i] >= m_ta.size())
      throw RefError("baseline reference: activation code out of range");
    if (w_codes[i] >= m_wcodes) throw RefError("baseline reference: weight code out of range");
    return a_codes[i] * m_wcodes + w_codes[i];
  };
  AccValue r;
  r.lsb_exp = m_lsb;
  if (m_wide) {
    boost::multiprecision::cpp_int s = 0;
    for (int i = 0; i < k; ++i) {
      const std::size_t idx = entry(i);
      if (m_nar[idx]) r.nar = true;
      if (m_wsig[idx] != 0) s += boost::multiprecision::cpp_int(m_wsig[idx]) << m_wsh[idx];
    }
    // As one bucket per bit would: the reference's own rounding to odd (see AccValue).
    return r.nar ? r : detail::acc_value_of(s, m_lsb);
  }
  for (int i = 0; i < k; ++i) {
    const std::size_t idx = entry(i);
    if (m_nar[idx]) r.nar = true;
    r.units += m_prod[idx];
  }
  if (r.nar) r.units = 0;
  return r;
}

std::vector<AccValue> RefBaselineDatapath::gemm(const std::uint32_t* a_codes,
                                                const std::uint32_t* w_codes, int m, int k,
                                                int n) const {
  std::vector<AccValue> out(static_cast<std::size_t>(m) * static_cast<std::size_t>(n));
  std::vector<std::uint32_t> col(static_cast<std::size_t>(k));
  for (int j = 0; j < n; ++j) {
    for (int kk = 0; kk < k; ++kk)
      col[static_cast<std::size_t>(kk)] = w_codes[static_cast<std::size_t>(kk) * n + j];
    for (int i = 0; i < m; ++i)
      out[static_cast<std::size_t>(i) * n + j] =
          dot(a_codes + static_cast<std::size_t>(i) * k, col.data(), k);
  }
  return out;
}

}  // namespace lpsim::ref
