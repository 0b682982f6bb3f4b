// AdaptivFloat<n, e> codec: table decode, nearest-in-value encode, and the per-tensor bias fit.
#include "adaptivfloat_format.hpp"

#include <algorithm>
#include <cmath>

namespace lpsim::fmt {

void AdaptivFloatParams::validate() const {
  auto bad = [](const std::string& what) { throw FormatError(what); };
  if (n < 3 || n > 16) bad("AF parameter n=" + std::to_string(n) + " is out of range 3..16");
  if (e < 1 || e > n - 2)
    bad("AF parameter e=" + std::to_string(e) + " is out of range 1..n-2 (n=" + std::to_string(n) +
        ")");
  if (exp_min < -256 || exp_min > 256)
    bad("AF parameter exp_min=" + std::to_string(exp_min) + " is out of range -256..256");
  // Wide exponent fields would leave the double range (e = 14 spans 16383 binades).
  const int exp_max = exp_min + (1 << e) - 1;
  if (exp_max > 1023)
    bad("AF parameters e=" + std::to_string(e) + ", exp_min=" + std::to_string(exp_min) +
        " give a largest exponent " + std::to_string(exp_max) + " beyond the double range 1023");
}

AdaptivFloatFormat::AdaptivFloatFormat(AdaptivFloatParams p) : m_p(p) {
  m_p.validate();
  const int m = m_p.n - 1 - m_p.e;
  const Code half = Code{1} << (m_p.n - 1);
  m_value.assign(num_codes(), 0.0);
  // Positive codes in order: exponent field E above mantissa M. Code 0 (E = 0, M = 0) is zero.
  for (Code c = 1; c < half; ++c) {
    const int E = static_cast<int>(c >> m);
    const Code M = c & ((Code{1} << m) - 1);
    m_value[c] = std::ldexp(static_cast<double>((Code{1} << m) + M), m_p.exp_min + E - m);
  }
  for (Code c = 0; c < half; ++c) m_value[negate(c)] = -m_value[c];  // sign|0 is -0.0
  // Midpoints between neighbouring magnitudes have at most m + 2 significant bits: exact.
  m_mid.assign(half - 1, 0.0);
  for (Code c = 0; c + 1 < half; ++c) m_mid[c] = (m_value[c] + m_value[c + 1]) / 2;
}

std::string AdaptivFloatFormat::name() const {
  return "af<" + std::to_string(m_p.n) + "," + std::to_string(m_p.e) + "," +
         std::to_string(m_p.exp_min) + ">";
}

double AdaptivFloatFormat::decode(Code c) const {
  return m_value[c & (num_codes() - 1)];
}

Code AdaptivFloatFormat::encode(double x) const {
  // NaN has no code; it becomes a zero that keeps its sign bit, so that encode(-x) is still
  // negate(encode(x)) as the fast path requires.
  const double a = std::isnan(x) ? 0.0 : std::fabs(x);
  // The first midpoint >= |x| indexes the nearest magnitude; past the last one is the largest
  // magnitude (saturation, also for inf).
  return round_on_midpoints(m_mid.data(), m_mid.data(), m_mid.data() + m_mid.size(), a,
                            std::signbit(x));
}

int AdaptivFloatFormat::fit_exp_min(int e, const float* x, std::size_t count) {
  if (e < 1 || e > 14)
    throw FormatError("AF parameter e=" + std::to_string(e) + " is out of range 1..14");
  const double m = max_abs_finite(x, count);
  // An all-zero (or empty, or all non-finite) tensor has no scale; place the top binade at
  // 2^0 as if max|x| were 1. Zero is exact under any bias.
  const int exp_max = m > 0 ? std::ilogb(m) : 0;
  // Clamp into the legal range so that the fitted bias is always accepted (only reachable
  // for tiny tensors with a wide exponent field, e.g. max|x| = 2^-140 with e = 8).
  return std::clamp(exp_max - (1 << e) + 1, -256, 256);
}

}  // namespace lpsim::fmt
