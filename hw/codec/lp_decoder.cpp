// Bit-level LP decode: sign, two's complement, regime run by leading-zero count, shifters.
#include "hw/codec/lp_decoder.hpp"

#include <stdexcept>
#include <string>

namespace lpsim::hw {

LpDecoder::LpDecoder(const fmt::LpParams& p) : m_p(p) {
  m_p.validate();
  if (!valid_mode(m_p.n))
    throw fmt::FormatError("LP decoder: n=" + std::to_string(m_p.n) +
                           " is not a hardware MODE (2, 4 or 8)");
}

LpDecoded LpDecoder::decode(std::uint32_t code) const {
  const int n = m_p.n;
  const std::uint32_t mask = (1u << n) - 1u;
  const std::uint32_t p = code & mask;
  LpDecoded d;
  if (p == 0) {
    d.zero = true;
    return d;
  }
  const std::uint32_t sign_bit = 1u << (n - 1);
  if (p == sign_bit) {
    d.nar = true;
    return d;
  }
  // Extract sign, two's complement (docs/lp-format.md, "Decoding" step 2).
  d.neg = (p & sign_bit) != 0;
  const std::uint32_t q = d.neg ? ((~p + 1u) & mask) : p;
  const int body_bits = n - 1;
  const std::uint32_t body = q & (sign_bit - 1u);
  // Regime-bit mux: invert the body when r0 = 1 so the run is always a run of leading zeros.
  const std::uint32_t r0 = (body >> (body_bits - 1)) & 1u;
  const std::uint32_t lz_in = (r0 ? ~body : body) & (sign_bit - 1u);
  // Leading-zero count within body_bits, capped at rs (step 3).
  const int lz = lz_in == 0 ? body_bits : __builtin_clz(lz_in) - (32 - body_bits);
  const int m = lz < m_p.rs ? lz : m_p.rs;
  const int used = m + ((m < m_p.rs && m < body_bits) ? 1 : 0);  // terminator
  const int t = body_bits - used;                                   // bits after the regime
  d.run = m;
  d.k = r0 ? m - 1 : -m;
  // ulfx constructor: the t remaining bits are e (es bits, missing bits = 0) followed by the
  // fraction; as a Q.8 number that is rest * 2^(es + 8 - t), one shifter (steps 4-5).
  const std::uint32_t rest = body & ((1u << t) - 1u);
  d.ulfx_q = static_cast<std::int32_t>((rest << (m_p.es + kLogFracBits)) >> t);
  // Scaled regime: 2^es*k - sf, shifted to Q.8 (step 6).
  const std::int32_t scaled_regime = d.k * (1 << m_p.es) - m_p.sf;
  d.log_q = scaled_regime * (1 << kLogFracBits) + d.ulfx_q;
  return d;
}

int LpDecoder::decode_word(std::uint8_t word, std::array<LpDecoded, kMaxLanes>& out) const {
  const int lanes = this->lanes();
  for (int j = 0; j < lanes; ++j) out[static_cast<std::size_t>(j)] = decode(lane_code(word, m_p.n, j));
  return lanes;
}

}  // namespace lpsim::hw
