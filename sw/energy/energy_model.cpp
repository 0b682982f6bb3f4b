// The energy model: a fixed-order sum of count x cost per component, plus area and metrics.
#include "sw/energy/energy_model.hpp"

#include <stdexcept>

namespace lpsim::energy {

EnergyReport evaluate(const ActionCounts& c, const RunInfo& run, const EnergyTable& e,
                      const AreaTable& a) {
  if (run.inferences == 0) throw std::invalid_argument("energy: inferences must be >= 1");
  if (!(run.clock_period_ns > 0)) throw std::invalid_argument("energy: clock period must be > 0");
  const auto d = [](std::uint64_t n) { return static_cast<double>(n); };
  const auto sram = [&](const BufferTraffic& b) {
    return d(b.read_bytes + b.write_bytes) * e.sram_pj_per_byte(b.size_bytes);
  };

  EnergyReport r;
  double mac = 0;
  for (std::size_t k = 0; k < kMacKinds; ++k) mac += d(c.macs[k]) * e.mac_pj(MacKind(k));
  r.breakdown_pj["pe_mac"] = mac;
  r.breakdown_pj["decoder"] = d(c.decoder_words) * e.value("decoder_word");
  r.breakdown_pj["encoder"] = d(c.encoder_words) * e.value("encoder_word");
  r.breakdown_pj["pe_regs"] = d(c.pe_reg_write_bytes) * e.value("pe_reg_write_byte");
  r.breakdown_pj["sram_wb"] = sram(c.wb);
  r.breakdown_pj["sram_ib"] = sram(c.ib);
  r.breakdown_pj["sram_ob"] = sram(c.ob);
  r.breakdown_pj["dram"] = d(c.dram_read_bytes + c.dram_write_bytes) * e.dram_pj_per_byte();
  r.breakdown_pj["ppu"] =
      d(c.ppu_adds) * e.value("ppu_add") + d(c.ppu_mults) * e.value("ppu_mult") +
      d(c.ppu_activations) * e.value("ppu_activation") + d(c.ppu_encodes) * e.value("ppu_encode");
  r.breakdown_pj["leakage"] = d(c.leakage_pe_cycles) * e.value("leakage_pe_cycle");
  // The total is defined as this fixed-order sum, so summing the breakdown the same way
  // reproduces it bit for bit.
  r.total_pj = 0.0;
  for (const char* comp : kEnergyComponents) r.total_pj += r.breakdown_pj.at(comp);

  r.pe_area_mm2 = d(run.pe_count) * a.pe_um2(run.pe_kind) / 1e6;
  r.sram_area_mm2 =
      a.sram_mm2(c.wb.size_bytes) + a.sram_mm2(c.ib.size_bytes) + a.sram_mm2(c.ob.size_bytes);
  r.area_mm2 = r.pe_area_mm2 + r.sram_area_mm2;
  r.ops = 2.0 * d(c.total_macs());
  r.seconds = d(run.cycles) * run.clock_period_ns * 1e-9;
  // TOPS/W = (ops/s) / (J/s) / 1e12 = ops / (pJ * 1e-12) / 1e12 = ops / pJ.
  r.tops_per_w = r.total_pj > 0 ? r.ops / r.total_pj : 0.0;
  if (r.seconds > 0) {
    const double tops = r.ops / r.seconds / 1e12;
    r.tops_per_mm2 = r.area_mm2 > 0 ? tops / r.area_mm2 : 0.0;
    r.compute_tops_per_mm2 = r.pe_area_mm2 > 0 ? tops / r.pe_area_mm2 : 0.0;
    r.average_power_w = r.total_pj * 1e-12 / r.seconds;
  }
  r.energy_per_inference_pj = r.total_pj / d(run.inferences);
  return r;
}

}  // namespace lpsim::energy
