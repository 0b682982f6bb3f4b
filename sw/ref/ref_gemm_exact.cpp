// The reference's exact LP GEMM, blocked for speed (docs/datapath.md "Exact sizing"): the same
// sums as RefDatapath::Dot in exact mode, organised for the cache. Independent of hw/.
//
// Each product of codes (a, w) is sig * 2^(b + emin - W) with sig = the converter's output for
// the fraction of L_a + L_w and b its integer part above emin (the bucket); exact sums do not
// depend on the order. A table of all code pairs holds sig (signed) and b, packed into one
// integer; several output columns (8, 4 or 1) are computed per pass over their interleaved weight
// codes, each with its own int64 buckets, combined into the i128 word at the end. NaR: an output is
// NaR when its activation row or weight column holds a NaR code (NaR x anything is NaR).
#include <algorithm>
#include <array>

#include "sw/common/parallel.hpp"
#include "sw/ref/ref_datapath.hpp"

namespace lpsim::ref {

namespace {

constexpr int kBucketStride = 128;  // > the largest bucket count of an exact i128 grid (124)
constexpr int kLogFrac = 8;
constexpr std::uint8_t kZero = 1, kNar = 2, kNeg = 4;  // as in ref_datapath.cpp

struct Operands {
  const std::uint32_t* a;  // m x k codes
  const std::uint8_t* wt;  // [n / cols blocks][k][cols] codes, padded with code 0
  const char* a_nar;       // per activation code: NaR
  const char* col_nar;     // per output column: its weight column holds a NaR
  int m, k, n, mode, nbucket, lsb;
};

// C output columns per pass (8 independent bucket chains for wide layers, 1 for a depthwise
// layer's single column, so no padding is computed).
template <typename E, int C>
void exact_kernel(const E* table, const Operands& op, AccValue* out) {
  const int k = op.k, n = op.n, mode = op.mode, nbucket = op.nbucket;
  const int nb = (n + C - 1) / C;
  // Chunks of several rows, so a block of packed weights (k x C codes) is reused from the
  // cache by every row of the chunk. Every output is computed whole by one call.
  const std::int64_t row_work = std::max<std::int64_t>(1, std::int64_t{k} * n);
  const std::int64_t grain = std::max<std::int64_t>(8, (std::int64_t{1} << 18) / row_work);
  parallel_for(op.m, grain, [&](std::int64_t i0, std::int64_t i1) {
    std::array<std::int64_t, C * kBucketStride> bk{};
    std::vector<char> row_nar(static_cast<std::size_t>(i1 - i0), 0);
    for (std::int64_t i = i0; i < i1; ++i) {
      const std::uint32_t* ar = op.a + static_cast<std::size_t>(i) * k;
      char nar = 0;
      for (int kk = 0; kk < k; ++kk) nar |= op.a_nar[ar[kk]];
      row_nar[static_cast<std::size_t>(i - i0)] = nar;
    }
    for (int b = 0; b < nb; ++b) {
      const std::uint8_t* wb = op.wt + static_cast<std::size_t>(b) * k * C;
      for (std::int64_t i = i0; i < i1; ++i) {
        for (int j = 0; j < C; ++j)
          std::fill_n(bk.data() + j * kBucketStride, nbucket, std::int64_t{0});
        const std::uint32_t* ar = op.a + static_cast<std::size_t>(i) * k;
        std::int64_t* bkp = bk.data();
        for (int kk = 0; kk < k; ++kk) {
          const E* tr = table + (static_cast<std::size_t>(ar[kk]) << mode);
          const std::uint8_t* wk = wb + static_cast<std::size_t>(kk) * C;
          // Entry = sig * 128 + bucket (bucket < 128): the low 7 bits, then the signed rest.
#pragma GCC unroll 8
          for (int j = 0; j < C; ++j) {
            const E e = tr[wk[j]];
            bkp[j * kBucketStride + (e & 127)] += e >> 7;
          }
        }
        AccValue* o = out + static_cast<std::size_t>(i) * n;
        const bool rnar = row_nar[static_cast<std::size_t>(i - i0)] != 0;
        for (int j = 0; j < C && b * C + j < n; ++j) {
          const int col = b * C + j;
          AccValue& r = o[col];
          r.lsb_exp = op.lsb;
          if (rnar || op.col_nar[col]) {
            r.nar = true;
            r.units = 0;
          } else if (!detail::combine_buckets(bk.data() + j * kBucketStride, nbucket, r.units)) {
            throw RefError("ref: dot product exceeds the 128-bit accumulator word");
          }
        }
      }
    }
  });
}

template <typename E>
void exact_gemm(const E* table, int cols, const Operands& op, AccValue* out) {
  if (cols == 8)
    exact_kernel<E, 8>(table, op, out);
  else if (cols == 4)
    exact_kernel<E, 4>(table, op, out);
  else
    exact_kernel<E, 1>(table, op, out);
}

}  // namespace

std::vector<AccValue> RefDatapath::gemm_exact(const std::uint32_t* a, const std::uint32_t* w, int m,
                                              int k, int n) const {
  const int mode = m_spec.mode;
  const std::size_t ncodes = std::size_t{1} << mode;
  std::call_once(m_ptab_once, [&] {
    const std::vector<std::uint32_t>& lin = *m_lin;
    // |sig| <= 2^(W+1): W + 3 signed bits and 7 bucket bits.
    const bool narrow = m_spec.lin_frac_bits + 3 + 7 <= 32;
    std::vector<std::int64_t> t(ncodes * ncodes, 0);
    for (std::size_t ac = 0; ac < ncodes; ++ac)
      for (std::size_t wc = 0; wc < ncodes; ++wc) {
        const std::uint8_t fa = m_a_flag[ac], fw = m_w_flag[wc];
        if ((fa | fw) & (kZero | kNar)) continue;
        const auto l = static_cast<std::uint32_t>(m_a_off[ac] + m_w_val[wc]);
        const std::int64_t sig = lin[l & 0xffu];
        t[ac * ncodes + wc] = (((fa ^ fw) & kNeg) ? -sig : sig) * kBucketStride +
                              static_cast<std::int64_t>(l >> kLogFrac);
      }
    if (narrow)
      m_ptab32.assign(t.begin(), t.end());
    else
      m_ptab64 = std::move(t);
  });

  // Weights packed as [column block][k][cols] bytes (codes fit: mode <= 8), checked in the
  // order gemm() checks them; the columns past n are code 0 (zero products).
  const int cols = n >= 8 ? 8 : n >= 4 ? 4 : 1;
  const int nb = (n + cols - 1) / cols;
  std::vector<std::uint8_t> wt(static_cast<std::size_t>(nb) * k * cols, 0);
  std::vector<char> col_nar(static_cast<std::size_t>(n), 0);
  for (int kk = 0; kk < k; ++kk)
    for (int j = 0; j < n; ++j) {
      const std::uint32_t c = w[static_cast<std::size_t>(kk) * n + j];
      check_code(c, "weight");
      wt[(static_cast<std::size_t>(j / cols) * k + kk) * cols + j % cols] =
          static_cast<std::uint8_t>(c);
      if (m_w_flag[c] & kNar) col_nar[static_cast<std::size_t>(j)] = 1;
    }
  std::vector<char> a_nar(ncodes, 0);
  for (std::size_t c = 0; c < ncodes; ++c) a_nar[c] = (m_a_flag[c] & kNar) ? 1 : 0;

  std::vector<AccValue> out(static_cast<std::size_t>(m) * static_cast<std::size_t>(n));
  const Operands op{a, wt.data(), a_nar.data(), col_nar.data(), m, k, n, mode, m_nbucket, m_lsb};
  if (!m_ptab32.empty())
    exact_gemm(m_ptab32.data(), cols, op, out.data());
  else
    exact_gemm(m_ptab64.data(), cols, op, out.data());
  return out;
}

}  // namespace lpsim::ref
