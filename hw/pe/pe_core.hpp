// One stand-alone PE: an accumulator register driven by mac(activation word, weight word).
#pragma once

#include <cstdint>
#include <memory>

#include "hw/pe/pe_arith.hpp"

namespace lpsim::hw {

// A single PE of any type, for unit tests and small models. The systolic array does not
// instantiate PeCore per PE (style: no object per PE); it keeps the same state in arrays and
// uses the same PeArith / AccUnit, so both compute identical bits.
class PeCore {
 public:
  explicit PeCore(const PeConfig& cfg);

  void reset() {
    m_acc = 0;
    m_wacc = 0;
  }
  // One cycle: lanes() MACs of the packed words, psum <- acc.add(psum, sum of lane products).
  void mac(std::uint8_t a, std::uint8_t w);

  // The accumulator register: i128, or (PeArith::wide()) acc_wide() with acc() unused (0).
  i128 acc() const { return m_acc; }
  const WideAcc& acc_wide() const { return m_wacc; }
  int lsb_exp() const { return m_arith->acc().lsb_exp(); }
  double value() const {
    return m_arith->wide() ? wide_to_double(m_wacc, lsb_exp()) : acc_to_double(m_acc, lsb_exp());
  }
  bool is_nar() const { return m_arith->wide() ? is_wide_nar(m_wacc) : m_acc == kAccNaR; }
  const PeArith& arith() const { return *m_arith; }
  const PeStats& stats() const { return m_stats; }

 private:
  std::unique_ptr<PeArith> m_arith;
  i128 m_acc = 0;
  WideAcc m_wacc = 0;
  PeStats m_stats;
};

}  // namespace lpsim::hw
