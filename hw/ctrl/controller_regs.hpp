// Kernel-free controller register file: access rules, status/IRQ bits, descriptor image.
#pragma once

#include <cstdint>

#include "hw/ctrl/ctrl_regs.hpp"
#include "hw/ctrl/layer_descriptor.hpp"
#include "hw/mem/mem_status.hpp"

namespace lpsim::hw {

enum class ErrorCode : std::uint32_t {
  none = 0,
  bad_descriptor = 1,  // LayerDescriptor::validate failed
  no_fit = 2,          // tiling impossible with these buffers
  bus_error = 3,       // a DMA transfer got a non-OK TLM response
  backend_error = 4,   // the compute backend reported a failure
};

struct ControllerStats {
  std::uint64_t reg_reads = 0;
  std::uint64_t reg_writes = 0;
  std::uint64_t ro_write_errors = 0;    // writes to RO registers (TLM_COMMAND_ERROR_RESPONSE)
  std::uint64_t busy_write_errors = 0;  // descriptor writes while BUSY (TLM_COMMAND_ERROR_RESPONSE)
  std::uint64_t address_errors = 0;     // unaligned / unmapped accesses
  std::uint64_t starts = 0;
  std::uint64_t starts_ignored = 0;     // START while BUSY
  std::uint64_t layers_done = 0;
  std::uint64_t layers_failed = 0;
  std::uint64_t tiles = 0;
  std::uint64_t compute_cycles = 0;     // sum of backend tile cycles
  std::uint64_t stall_cycles = 0;       // compute waiting for DMA (operands or a free OB half)
  std::uint64_t dma_bytes = 0;
};

// 32-bit registers, one per aligned word; see ctrl_regs.hpp and docs/memory-and-control.md.
class ControllerRegs {
 public:
  // address_error: offset not 4-aligned or not a register; command_error: write to a
  // read-only register or to the descriptor while busy. Failed writes change nothing.
  MemStatus read(std::uint32_t offset, std::uint32_t& value);
  MemStatus write(std::uint32_t offset, std::uint32_t value);

  // START was written (while idle); cleared by take_start().
  bool start_pending() const { return m_start; }
  bool take_start() { const bool s = m_start; m_start = false; return s; }

  // Layer lifecycle, driven by the controller.
  void begin_layer();                                  // BUSY, clears DONE/ERROR and counters
  void tile_done() { ++m_tiles_done; }
  void end_layer(ErrorCode err, std::uint64_t cycles); // DONE or ERROR, raises IRQ_STATUS bits

  bool busy() const { return m_status & regs::STATUS_BUSY; }
  std::uint32_t status() const { return m_status; }
  std::uint32_t irq_status() const { return m_irq_status; }
  ErrorCode error_code() const { return m_error; }
  // Level of the interrupt line: any enabled pending bit.
  bool irq_line() const { return (m_irq_status & m_irq_enable) != 0; }
  LayerDescriptor descriptor() const { return LayerDescriptor::decode(m_desc); }
  void set_descriptor(const LayerDescriptor& d) { m_desc = d.encode(); }
  const ControllerStats& stats() const { return m_stats; }
  ControllerStats& stats() { return m_stats; }

 private:
  LayerDescriptor::Image m_desc = LayerDescriptor{}.encode();
  std::uint32_t m_status = 0;
  std::uint32_t m_irq_enable = 0;
  std::uint32_t m_irq_status = 0;
  ErrorCode m_error = ErrorCode::none;
  std::uint32_t m_tiles_done = 0;
  std::uint64_t m_cycles = 0;
  bool m_start = false;
  ControllerStats m_stats;
};

}  // namespace lpsim::hw
