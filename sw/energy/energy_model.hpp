// Energy, area and efficiency of a run: ActionCounts x EnergyTable, PEs and buffers x AreaTable.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "sw/energy/action_counts.hpp"
#include "sw/energy/cost_tables.hpp"

namespace lpsim::energy {

// What the counts alone do not say: the hardware and the run length.
struct RunInfo {
  PeKind pe_kind = PeKind::lp;
  std::uint64_t pe_count = 32 * 32;  // rows x cols
  std::uint64_t cycles = 0;          // run length in clock cycles
  double clock_period_ns = 2.0;      // 500 MHz (ANT evaluation)
  std::uint64_t inferences = 1;      // inferences (batch items) the counts cover
};

// Breakdown components, in the fixed order in which they are summed.
inline constexpr std::array<const char*, 10> kEnergyComponents = {
    "pe_mac",  "decoder", "encoder", "pe_regs", "sram_wb",
    "sram_ib", "sram_ob", "dram",    "ppu",     "leakage"};

struct EnergyReport {
  // pJ per component (every name of kEnergyComponents is present).
  std::map<std::string, double> breakdown_pj;
  // Defined as the sum of breakdown_pj in kEnergyComponents order: it equals that sum exactly.
  double total_pj = 0.0;
  double pe_area_mm2 = 0.0;              // pe_count x PE area
  double sram_area_mm2 = 0.0;            // WB + IB + OB
  double area_mm2 = 0.0;                 // pe_area_mm2 + sram_area_mm2
  double ops = 0.0;                      // 2 x lane MACs
  double seconds = 0.0;                  // cycles x clock period
  double tops_per_w = 0.0;               // ops / total energy (= ops / pJ); 0 without energy
  double tops_per_mm2 = 0.0;             // ops / s / 1e12 / area_mm2; 0 without cycles
  double compute_tops_per_mm2 = 0.0;     // the same over the PE area only (paper's "compute area")
  double energy_per_inference_pj = 0.0;  // total_pj / inferences
  double average_power_w = 0.0;          // total / seconds; 0 without cycles
};

// Throws std::invalid_argument for inconsistent inputs (inferences = 0, period <= 0).
EnergyReport evaluate(const ActionCounts& counts, const RunInfo& run, const EnergyTable& energy,
                      const AreaTable& area);
inline EnergyReport evaluate(const ActionCounts& counts, const RunInfo& run,
                             const CostTables& tables) {
  return evaluate(counts, run, tables.energy, tables.area);
}

}  // namespace lpsim::energy
