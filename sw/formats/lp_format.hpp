// Logarithmic Posit LP<n, es, rs, sf>, exactly as docs/lp-format.md defines it.
#pragma once

#include <vector>

#include "number_format.hpp"

namespace lpsim::fmt {

struct LpParams {
  int n = 8;   // word size, 2..16
  int es = 2;  // exponent field size, 0..4
  int rs = 3;  // maximum regime run length, 1..n-1
  int sf = 0;  // scale factor, -64..64

  // Throws FormatError naming the first parameter out of range.
  void validate() const;
  bool operator==(const LpParams& o) const {
    return n == o.n && es == o.es && rs == o.rs && sf == o.sf;
  }
};

// The fields of a decoded pattern (docs/lp-format.md, "Decoding", steps 2-5). `k`, `e` and the fraction
// are those of the magnitude pattern q; `log2` = 2^es*k + e + F/2^fb - sf exactly.
struct LpFields {
  bool zero = false;
  bool nar = false;
  bool negative = false;
  int k = 0;          // regime value, in [-rs, rs-1]
  int e = 0;          // exponent, missing bits counted as 0
  int frac = 0;       // fraction bits F
  int frac_bits = 0;  // fb
  double log2 = 0;    // L, exact (a dyadic rational with at most 16 significant bits)
};

class LpFormat final : public NumberFormat {
 public:
  explicit LpFormat(LpParams p);

  const LpParams& params() const { return m_p; }
  std::string name() const override;
  int bits() const override { return m_p.n; }
  Code encode(double x) const override;
  double decode(Code c) const override;
  bool is_nan_code(Code c) const override { return c == nar(); }
  Code negate(Code c) const override { return (num_codes() - c) & (num_codes() - 1); }
  bool twos_complement() const override { return true; }

  Code nar() const { return Code{1} << (m_p.n - 1); }
  Code maxpos() const { return nar() - 1; }
  // Bit-level decode of a pattern into its fields (the decoder's view).
  LpFields fields(Code c) const;
  // log2 of the magnitude of positive pattern p (1 <= p <= maxpos), exact.
  double log2_of(Code p) const { return m_log2[p]; }

 private:
  LpParams m_p;
  std::vector<double> m_log2;   // L of positive patterns, index = pattern (index 0 unused)
  std::vector<double> m_mid;    // m_mid[p] = (L[p] + L[p+1]) / 2, p = 1 .. maxpos-1
  std::vector<double> m_value;  // decoded value of every pattern
};

// The textual form "lp<8,2,3,0>".
std::string lp_name(const LpParams& p);

}  // namespace lpsim::fmt
