// LPA top level: configuration and wiring.
#include "hw/top/accelerator.hpp"

#include "hw/common/config_error.hpp"

namespace lpsim::hw {
namespace {

const AcceleratorConfig& validated(const AcceleratorConfig& c) {
  c.validate();
  return c;
}

}  // namespace

void AcceleratorConfig::validate() const {
  check_fields();
  controller().validate();
  dram().validate();
}

ControllerConfig AcceleratorConfig::controller() const {
  ControllerConfig c;
  c.clock_period_ns = clock_period_ns();
  c.tiler.array_rows = static_cast<unsigned>(rows);
  c.tiler.array_cols = static_cast<unsigned>(cols);
  c.tiler.wb = BufferConfig{"wb", weight_kb * 1024, 8, 8, 1, true};
  c.tiler.ib = BufferConfig{"ib", input_kb * 1024, 8, 8, 1, true};
  c.tiler.ob = BufferConfig{"ob", output_kb * 1024, 8, 8, 1, true};
  c.dma.burst_bytes = dma_burst_bytes;
  c.dma.sync_at_end = true;
  return c;
}

ArrayConfig AcceleratorConfig::array() const {
  ArrayConfig a;
  a.rows = rows;
  a.cols = cols;
  return a;
}

PpuConfig AcceleratorConfig::ppu() const {
  PpuConfig p;
  p.lanes = ppu_lanes ? ppu_lanes : static_cast<unsigned>(cols);
  return p;
}

DramConfig AcceleratorConfig::dram() const {
  DramConfig d;
  d.capacity_bytes = dram_bytes;
  d.bytes_per_cycle = dram_bytes_per_cycle;
  d.latency_cycles = dram_latency_cycles;
  d.clock_period_ns = clock_period_ns();
  return d;
}

Accelerator::Accelerator(const sc_core::sc_module_name& name, const AcceleratorConfig& cfg)
    : sc_module(name),
      i_bus("i_bus"),
      i_router("i_router", RouterConfig{{MapEntry{kDramBase, validated(cfg).dram_bytes, 0, "dram"},
                                         MapEntry{kCtrlBase, regs::kWindowBytes, 1, "ctrl"}}}),
      i_dram("i_dram", cfg.dram()),
      i_ctrl("i_ctrl", cfg.controller()),
      i_array("i_array", cfg.array(), cfg.fidelity, sc_core::sc_time(cfg.clock_period_ns(), sc_core::SC_NS)),
      m_cfg(cfg),
      m_period(cfg.clock_period_ns(), sc_core::SC_NS),
      m_backend(i_array, cfg.datapath, cfg.ppu(), m_period) {
  const bool check = cfg.tlm_check == TlmCheck::on ||
                     (cfg.tlm_check == TlmCheck::build_default && tlm_check_by_default());
  // Binds initiator to target, through a protocol checker when the checks are on.
  auto link = [&](auto& initiator, auto& target, const char* checker, const char* text, TlmTargetCaps caps) {
    if (!check) {
      initiator.bind(target);
      return;
    }
    m_checkers.push_back(std::make_unique<TlmChecker>(checker, text, caps));
    initiator.bind(m_checkers.back()->tsock);
    m_checkers.back()->isock.bind(target);
  };
  link(i_ctrl.i_dma.isock, i_bus.tsock, "i_chk_dma", "i_ctrl.i_dma.isock -> i_bus.tsock", TlmTargetCaps::interconnect());
  link(i_bus.isock, i_router.tsock, "i_chk_bus", "i_bus.isock -> i_router.tsock (host and DMA traffic)",
       TlmTargetCaps::interconnect());
  link(i_router.isock, i_dram.tsock, "i_chk_dram", "i_router.isock[0] -> i_dram.tsock",  // target 0
       TlmTargetCaps::memory(cfg.dram_bytes, true));
  link(i_router.isock, i_ctrl.tsock, "i_chk_ctrl", "i_router.isock[1] -> i_ctrl.tsock",  // target 1
       TlmTargetCaps::registers(regs::kWindowBytes, 4));
  i_ctrl.irq_o(s_irq);
  i_ctrl.set_backend(&m_backend);
}

}  // namespace lpsim::hw
