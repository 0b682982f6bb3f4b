// The PE-type interface: what one PE computes for one (activation word, weight word) pair.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hw/codec/fixed_point.hpp"
#include "hw/codec/lp_decoder.hpp"
#include "hw/pe/acc_unit.hpp"
#include "hw/pe/pe_config.hpp"
#include "hw/pe/wide_acc.hpp"

namespace lpsim::hw {

// One PE type (LP, INT; later posit, AdaptivFloat). Per cycle a PE takes one 8-bit activation
// word and one 8-bit weight word (lanes_of_mode(mode) values each), forms the lane products,
// sums them exactly (a small adder tree) and adds that sum to the partial sum with the
// accumulator's mode rounding: psum' = acc().add(psum, word_product(a, w)).
class PeArith {
 public:
  virtual ~PeArith() = default;
  virtual std::string name() const = 0;
  int mode() const { return m_mode; }
  int lanes() const { return lanes_of_mode(m_mode); }
  const AccUnit& acc() const { return m_acc; }
  // Exact sum of the lane products on the accumulator grid; kAccNaR if any lane is NaR.
  virtual i128 word_product(std::uint8_t a, std::uint8_t w) const = 0;
  // Lane classification for statistics.
  virtual bool is_nar_code(std::uint32_t code, bool weight) const = 0;
  // The wide path (docs/datapath.md, "Exact sizing"): an exact accumulator of more than 127
  // bits. word_product() is then undefined (throws std::logic_error) and word_product_wide()
  // gives the exact lane sum on the grid (wide_nar() if any lane is NaR); for every other PE
  // word_product_wide() is word_product() widened.
  bool wide() const { return m_acc.mode() == AccMode::exact && m_acc.bits() > kI128Bits; }
  virtual WideAcc word_product_wide(std::uint8_t a, std::uint8_t w) const;

 protected:
  explicit PeArith(int mode) : m_mode(mode) {}
  int m_mode;
  AccUnit m_acc;
};

// Builds the PE arithmetic of `cfg` (validates it first).
std::unique_ptr<PeArith> make_pe_arith(const PeConfig& cfg);

// word_product() of every (a, w) word pair: 64 Ki entries, built once per layer ("decode
// once"); the array's both fidelities read it, so they compute identical bits.
class ProductTable {
 public:
  explicit ProductTable(const PeArith& pe);
  // A table of given entries (the wide path's limb tables); NaR flags from pe.
  ProductTable(const PeArith& pe, std::vector<i128> entries);
  i128 operator()(std::uint8_t a, std::uint8_t w) const { return m_t[(std::size_t{a} << 8) | w]; }
  const i128* row(std::uint8_t a) const { return m_t.data() + (std::size_t{a} << 8); }
  // Word-level NaR flags: a word with at least one NaR lane.
  bool act_word_nar(std::uint8_t a) const { return m_act_nar[a]; }
  bool wgt_word_nar(std::uint8_t w) const { return m_wgt_nar[w]; }

 private:
  std::vector<i128> m_t;
  std::vector<bool> m_act_nar, m_wgt_nar;
};

}  // namespace lpsim::hw
