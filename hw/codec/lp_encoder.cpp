// LP encoder: leading-one detection, mantissa comparison against log-midpoint thresholds.
#include "hw/codec/lp_encoder.hpp"

#include <cmath>

namespace lpsim::hw {

LpEncoder::LpEncoder(const fmt::LpParams& p) : m_p(p) {
  const LpDecoder dec(p);  // validates, rejects non-MODE n
  const std::uint32_t maxpos = (1u << (p.n - 1)) - 1u;
  for (std::uint32_t q = 1; q < maxpos; ++q) {
    // Midpoint in Q.(kLogFracBits+1): exact.
    const std::int32_t mid2 = dec.decode(q).log_q + dec.decode(q + 1).log_q;
    constexpr int fb = kLogFracBits + 1;
    Threshold t{};
    t.floor_log = mid2 >> fb;  // arithmetic shift = floor
    const std::int32_t frac = mid2 - t.floor_log * (1 << fb);
    t.exact = frac == 0;
    if (t.exact) {
      t.mant = std::uint64_t{1} << 63;
    } else {
      const long double m = std::exp2l(static_cast<long double>(frac) / (1 << fb));
      t.mant = static_cast<std::uint64_t>(std::llroundl(std::ldexp(m - 1.0L, 63))) +
               (std::uint64_t{1} << 63);
    }
    m_thr.push_back(t);
  }
}

std::uint32_t LpEncoder::encode(i128 a, int lsb_exp) const {
  if (a == 0) return 0;
  const std::uint32_t nar = 1u << (m_p.n - 1);
  if (a == kAccNaR) return nar;
  const u128 mag = abs_u128(a);
  const int msb = msb_index(mag);
  const std::int32_t ilog = msb + lsb_exp;
  // Normalised mantissa, Q1.63, and a sticky bit for the bits below it.
  std::uint64_t mant;
  bool sticky = false;
  if (msb >= 63) {
    mant = static_cast<std::uint64_t>(mag >> (msb - 63));
    sticky = (mag & ((static_cast<u128>(1) << (msb - 63)) - 1)) != 0;
  } else {
    mant = static_cast<std::uint64_t>(mag << (63 - msb));
  }
  // cmp(i) = sign(log2|v| - mid_i).
  auto cmp = [&](const Threshold& t) {
    if (ilog != t.floor_log) return ilog < t.floor_log ? -1 : 1;
    if (mant != t.mant) return mant < t.mant ? -1 : 1;
    return sticky ? 1 : 0;
  };
  // Binary search: the number of thresholds strictly below the value.
  std::size_t lo = 0, hi = m_thr.size();
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (cmp(m_thr[mid]) > 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  auto q = static_cast<std::uint32_t>(lo + 1);
  // An exact tie (value on threshold lo) goes to the even pattern of q, q+1.
  if (lo < m_thr.size() && m_thr[lo].exact && cmp(m_thr[lo]) == 0 && (q & 1u)) ++q;
  if (a < 0) q = ((~q) + 1u) & ((1u << m_p.n) - 1u);
  return q;
}

std::uint8_t LpEncoder::encode_word(const i128* a, int lsb_exp) const {
  std::uint32_t w = 0;
  for (int j = 0; j < lanes_of_mode(m_p.n); ++j) w |= encode(a[j], lsb_exp) << (j * m_p.n);
  return static_cast<std::uint8_t>(w);
}

}  // namespace lpsim::hw
