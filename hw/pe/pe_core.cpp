// Stand-alone PE: one MAC step with statistics.
#include "hw/pe/pe_core.hpp"

namespace lpsim::hw {

PeCore::PeCore(const PeConfig& cfg) : m_arith(make_pe_arith(cfg)) {}

void PeCore::mac(std::uint8_t a, std::uint8_t w) {
  const int mode = m_arith->mode();
  for (int j = 0; j < m_arith->lanes(); ++j) {
    const std::uint32_t ca = lane_code(a, mode, j), cw = lane_code(w, mode, j);
    if (m_arith->is_nar_code(ca, false) || m_arith->is_nar_code(cw, true))
      ++m_stats.nar_products;
    else if (ca == 0 || cw == 0)
      ++m_stats.zero_products;
  }
  if (m_arith->wide()) {  // exact, NaR sticky
    const WideAcc p = m_arith->word_product_wide(a, w);
    m_wacc = is_wide_nar(m_wacc) || is_wide_nar(p) ? wide_nar() : WideAcc(m_wacc + p);
    ++m_stats.cycles;
    m_stats.macs += static_cast<std::uint64_t>(m_arith->lanes());
    return;
  }
  const i128 p = m_arith->word_product(a, w);
  if (m_arith->acc().saturates(m_acc, p)) ++m_stats.saturations;
  m_acc = m_arith->acc().add(m_acc, p);
  ++m_stats.cycles;
  m_stats.macs += static_cast<std::uint64_t>(m_arith->lanes());
}

}  // namespace lpsim::hw
