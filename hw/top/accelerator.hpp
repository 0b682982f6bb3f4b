// The LPA top level: controller, DMA, buffers, systolic array, PPU, router and DRAM, wired.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>

#include "hw/array/array_backend.hpp"
#include "hw/array/array_module.hpp"
#include "hw/common/tlm_checker.hpp"
#include "hw/ctrl/controller.hpp"
#include "hw/mem/dram.hpp"
#include "hw/mem/router.hpp"
#include "hw/ctrl/ctrl_regs.hpp"  // the address map
#include "hw/top/bus.hpp"

namespace lpsim::hw {

// TLM-2.0 protocol checkers on the device's sockets (hw/common/tlm_checker.hpp).
enum class TlmCheck {
  build_default,  // on when the build has LPSIM_TLM_CHECK (Debug, sanitizers), else off
  off,
  on,
};

struct AcceleratorConfig {
  int rows = 32;
  int cols = 32;
  Fidelity fidelity = Fidelity::tile;
  double clock_mhz = 500;          // one clock for controller, array, PPU and DRAM interface
  std::uint64_t weight_kb = 128;   // WB, double-buffered (each half holds one tile)
  std::uint64_t input_kb = 256;    // IB
  std::uint64_t output_kb = 128;   // OB
  unsigned dram_bytes_per_cycle = 16;
  unsigned dram_latency_cycles = 100;
  std::uint64_t dram_bytes = 1ull << 30;  // address space (sparse backing store)
  std::uint64_t dma_burst_bytes = 256;
  DatapathOptions datapath;
  unsigned ppu_lanes = 0;          // 0: one output row of the array per cycle (= cols)
  TlmCheck tlm_check = TlmCheck::build_default;

  // Throws ConfigError naming the field.
  void validate() const;
  double clock_period_ns() const { return 1000.0 / clock_mhz; }
  ControllerConfig controller() const;
  DramConfig dram() const;
};

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
