// The LPA top level: controller, DMA, buffers, systolic array, PPU, router and DRAM, wired.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>

#include "hw/array/array_backend.hpp"
#include "hw/top/accelerator_config.hpp"
#include "hw/array/array_module.hpp"
#include "hw/common/tlm_checker.hpp"
#include "hw/ctrl/controller.hpp"
#include "hw/mem/dram.hpp"
#include "hw/mem/router.hpp"
#include "hw/ctrl/ctrl_regs.hpp"  // the address map
#include "hw/top/bus.hpp"

namespace lpsim::hw {

class Accelerator : public sc_core::sc_module {
 public:
  Bus i_bus;  // the host binds its initiator to i_bus.tsock
  Router i_router;
  Dram i_dram;
  Controller i_ctrl;
  ArrayModule i_array;
  sc_core::sc_signal<bool> s_irq{"s_irq"};

  Accelerator(const sc_core::sc_module_name& name, const AcceleratorConfig& cfg);

  const AcceleratorConfig& config() const { return m_cfg; }
  const ArrayBackend& backend() const { return m_backend; }
  sc_core::sc_time clock_period() const { return m_period; }
  // With the protocol checks on: one checker per link (DMA -> bus, bus -> router, router ->
  // DRAM, router -> controller registers; the host's link is checked at bus -> router, the bus
  // only forwards). Empty with them off: the sockets are bound directly.
  const std::vector<std::unique_ptr<TlmChecker>>& tlm_checkers() const { return m_checkers; }

 private:
  AcceleratorConfig m_cfg;
  sc_core::sc_time m_period;
  ArrayBackend m_backend;
  std::vector<std::unique_ptr<TlmChecker>> m_checkers;
};

}  // namespace lpsim::hw
