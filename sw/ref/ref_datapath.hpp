// Software reference of the LPA datapath: exact dot products / GEMMs on codes, written from
// docs/datapath.md alone (never includes or links anything under hw/), so that `lpsim run` can
// check every simulated layer bit for bit.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "sw/common/error.hpp"
#include <vector>

#include "sw/formats/lp_format.hpp"

namespace lpsim::ref {

// GCC/Clang 128-bit integer (the width of the hardware accumulator word).
__extension__ typedef __int128 i128;

// Thrown for a DatapathSpec the reference cannot (or the hardware would not) evaluate, or for
// operand codes out of range. The message names the field.
class RefError : public lpsim::UserError {
 public:
  using lpsim::UserError::UserError;
};

enum class PeKind { lp, integer };
// docs/datapath.md "Accumulator (AccUnit) and its modes".
enum class AccKind { exact, narrow, small_float };
// docs/datapath.md "K tiles and the OB partial-sum format": how the OB adds the sums of the
// controller's K tiles (the accumulator's own add, exactly, or as a small float).
enum class PsumKind { accumulator, exact, small_float };

// What the reference needs to know about the datapath of one layer.
struct DatapathSpec {
  PeKind pe = PeKind::lp;
  int mode = 8;                   // MODE: 8, 4 or 2 bits per value; lanes = 8 / mode
  fmt::LpParams act{8, 2, 3, 0};  // LP PE: activation format, act.n == mode
  fmt::LpParams wgt{8, 2, 3, 0};  // LP PE: weight format, wgt.n == mode
  // INT PE: operands are mode-bit two's complement integers (the scale of an int format is
  // applied by the PPU, not here); act/wgt are ignored.
  int lin_frac_bits = 8;  // W of the log->linear converter, 1..24
  AccKind acc = AccKind::exact;
  int narrow_bits = 32;        // narrow: total width b, 8..64
  int narrow_frac_bits = 16;   // narrow: LSB weight 2^-narrow_frac_bits, -64..96
  int float_frac_bits = 8;     // small_float: fraction bits (float_frac_bits+1 significant)
  int float_exp_bits = 0;      // small_float: exponent bits 1..7 (saturating), 0 = unbounded
  std::int64_t max_k = 65536;  // longest dot product the exact sizing covers
  // K tiles of the controller: every k_tile consecutive terms (k = 0, 1, ...) are one chain from
  // 0, a ragged last word per tile; the tiles' sums are added in the OB's psum format. 0 = one
  // tile (K fits the buffers).
  std::int64_t k_tile = 0;
  PsumKind psum = PsumKind::accumulator;
  int psum_frac_bits = 23;  // psum small_float: fraction bits, 1..64

  // True when the K tiles change results (so the fast exact paths may not be used).
  bool tiles_round() const {
    return k_tile > 0 && (acc != AccKind::exact || psum == PsumKind::small_float);
  }

  int lanes() const { return 8 / mode; }
  // Throws RefError naming the field. RefDatapath also rejects an LP pair whose exact grid
  // needs more than kRefMaxExactBits bits (exact mode) or more than 127 bits (small_float,
  // which rounds in the i128 word), docs/datapath.md "Exact sizing".
  void validate() const;
};

// The widest exact accumulator (sign included) the reference evaluates: exact sums wider than
// 127 bits are computed with arbitrary-precision integers (Boost.Multiprecision cpp_int).
// The bound: LP<8,4,7,*> x LP<8,4,7,*>, W = 24, max_k = 2^31 (docs/datapath.md "Exact sizing").
inline constexpr int kRefMaxExactBits = 442;

// One accumulator result: value = units * 2^lsb_exp exactly, or NaR. `units` and `lsb_exp`
// are the hardware's i128 word and grid for the same spec (units is 0 when nar). Exception,
// the wide exact accumulator (more than 127 bits): a sum that does not fit 126 bits is kept
// rounded to odd on 126 significant bits (the dropped bits OR-ed into the last one) with
// lsb_exp raised to match; that keeps to_double() equal to the exact sum's.
struct AccValue {
  i128 units = 0;
  int lsb_exp = 0;
  bool nar = false;

  // The double nearest to the exact value (round to nearest, ties to even, on 53 significant
  // bits, then scaled by 2^lsb_exp; the scaling is exact for every sized accumulator), NaN for
  // NaR. Same result as the hardware's acc_to_double.
  double to_double() const;
  // The hardware encoding of this value: units, or the most negative i128 for NaR.
  i128 hw_units() const;
  bool operator==(const AccValue& o) const {
    return nar == o.nar && lsb_exp == o.lsb_exp && units == o.units;
  }
  bool operator!=(const AccValue& o) const { return !(*this == o); }
};

// The accumulator grid exponent of a spec (docs/datapath.md table): exact / small_float:
// LP emin - W, INT 0; narrow: -narrow_frac_bits. Validates the spec.
int acc_lsb_exp(const DatapathSpec& spec);

// Exact value of nearest(2^(f/256) * 2^w) for f = 0..255, computed with exact big-integer
// comparisons ((2s-1)^256 < 2^(f + 256(w+1)) < (2s+1)^256), independent of any libm.
// Cached per w (1..24); thread-safe.
const std::vector<std::uint32_t>& lin_table(int w);

// The reference datapath of one spec: decode tables built once, then any number of dot
// products, GEMMs or convolutions (sw/ref/ref_conv.hpp). Immutable; safe to share.
class RefDatapath {
 public:
  explicit RefDatapath(const DatapathSpec& spec);  // validates
  ~RefDatapath();
  RefDatapath(const RefDatapath&) = delete;
  RefDatapath& operator=(const RefDatapath&) = delete;

  const DatapathSpec& spec() const { return m_spec; }
  int lsb_exp() const { return m_lsb; }

  // A dot product fed one term at a time in k order (k = 0, 1, ...). Terms are grouped into
  // words of lanes() consecutive terms (docs/datapath.md "MODE packing"); a ragged last word
  // is completed with zero lanes. For exact mode the order does not matter; for narrow and
  // small_float it is the hardware's k-ascending chain.
  class Dot {
   public:
    explicit Dot(const RefDatapath& dp);
    void add(std::uint32_t a_code, std::uint32_t w_code);
    AccValue finish();  // result; the Dot is reset to empty afterwards

   private:
    void flush_word();
    // K tiles (sw/ref/ref_datapath_modes.cpp): the current tile's sum, then reset for the next.
    void close_tile();
    AccValue take_tile();
    const RefDatapath& m_dp;
    std::vector<std::int64_t> m_bucket;  // exact mode: sum of signed significands per exponent
    i128 m_word = 0;                     // chain modes: exact sum of the current word's lanes
    i128 m_acc = 0;                      // chain modes: running sum on the grid
    int m_lane = 0;
    bool m_word_nar = false;
    bool m_nar = false;
    std::int64_t m_in_tile = 0;  // terms of the current K tile
    bool m_tiled = false;        // a K tile was closed: m_psum holds the OB partial sum
    bool m_psum_nar = false;
    i128 m_psum = 0;
  };

  // out[i*N + j] = sum_k A[i*K + k] * W[k*N + j] (codes; A is M x K, W is K x N, row-major).
  std::vector<AccValue> gemm(const std::uint32_t* a_codes, const std::uint32_t* w_codes, int m,
                             int k, int n) const;

 private:
  friend class Dot;
  void check_code(std::uint32_t c, const char* what) const;
  // Exact LP GEMM, blocked (sw/ref/ref_gemm_exact.cpp): several output columns per pass over
  // packed weight codes, a product table of (bucket, signed significand) per code pair, int64
  // buckets per exponent. Same results as the Dot path. `a` codes already checked.
  std::vector<AccValue> gemm_exact(const std::uint32_t* a, const std::uint32_t* w, int m, int k,
                                   int n) const;

  DatapathSpec m_spec;
  int m_lsb = 0;
  int m_emin = 0;  // LP: floor(L_min(a) + L_min(w)); INT: 0
  int m_nbucket = 1;
  // Per code: log2 in Q.8 with sf folded in (LP) or the signed integer (INT), and flags.
  std::vector<std::int32_t> m_a_val, m_w_val;
  std::vector<std::uint8_t> m_a_flag, m_w_flag;  // bit0 zero, bit1 NaR, bit2 negative
  std::vector<std::int32_t> m_a_off;             // LP: m_a_val - 256 emin (exact-mode fast path)
  bool m_fast = false;                           // LP PE with the exact accumulator
  bool m_wide = false;                           // exact grid wider than 127 bits
  const std::vector<std::uint32_t>* m_lin = nullptr;
  // gemm_exact's product table, built on first use: entry [a << mode | w] =
  // signed significand * 128 + bucket (0 for a zero or NaR operand); 32-bit entries when
  // they fit (converter W <= 22), else 64-bit.
  mutable std::once_flag m_ptab_once;
  mutable std::vector<std::int32_t> m_ptab32;
  mutable std::vector<std::int64_t> m_ptab64;
};

namespace detail {
// Exact mode: sum_b bucket[b] 2^b (the word on the exact grid); false when it does not fit
// the i128 word (the most negative i128 is NaR, so it does not fit either).
bool combine_buckets(const std::int64_t* bucket, int n, i128& out);
// The same sum exactly (arbitrary precision), as an AccValue on the grid 2^lsb (rounded to odd
// on 126 bits when it does not fit: see AccValue).
AccValue combine_buckets_wide(const std::int64_t* bucket, int n, int lsb);
}  // namespace detail

namespace modes {
// The accumulator's step after each add (docs/datapath.md): nothing (exact), clamp (narrow),
// round to float_frac_bits + 1 significant bits with the exponent's saturation (small_float).
i128 acc_post_add(const DatapathSpec& s, i128 sum);
// The OB partial sum between K tiles: the first tile's sum as stored, and psum + tile (neither
// NaR).
i128 psum_store(const DatapathSpec& s, i128 tile);
i128 psum_add(const DatapathSpec& s, i128 psum, i128 tile);
}  // namespace modes

// Convenience: one GEMM with a fresh RefDatapath.
std::vector<AccValue> ref_gemm(const DatapathSpec& spec, const std::uint32_t* a_codes,
                               const std::uint32_t* w_codes, int m, int k, int n);

// FP32 GEMM for error figures: float operands, products and sums in double, result rounded
// to float once. out is M x N.
std::vector<float> fp32_gemm(const float* a, const float* w, int m, int k, int n);

}  // namespace lpsim::ref
