// Kernel-free controller register file.
#include "hw/ctrl/controller_regs.hpp"

namespace lpsim::hw {

MemStatus ControllerRegs::read(std::uint32_t off, std::uint32_t& v) {
  if (off % 4 != 0) { ++m_stats.address_errors; return MemStatus::address_error; }
  switch (off) {
    case regs::ID: v = regs::kIdValue; break;
    case regs::VERSION: v = regs::kVersionValue; break;
    case regs::CTRL: v = 0; break;
    case regs::STATUS: v = m_status; break;
    case regs::IRQ_ENABLE: v = m_irq_enable; break;
    case regs::IRQ_STATUS: v = m_irq_status; break;
    case regs::ERROR_CODE: v = static_cast<std::uint32_t>(m_error); break;
    case regs::TILES_DONE: v = m_tiles_done; break;
    case regs::CYCLES_LO: v = static_cast<std::uint32_t>(m_cycles); break;
    case regs::CYCLES_HI: v = static_cast<std::uint32_t>(m_cycles >> 32); break;
    default:
      if (!LayerDescriptor::is_desc_reg(off)) { ++m_stats.address_errors; return MemStatus::address_error; }
      v = m_desc[(off - regs::DESC_BASE) / 4];
  }
  ++m_stats.reg_reads;
  return MemStatus::ok;
}

MemStatus ControllerRegs::write(std::uint32_t off, std::uint32_t v) {
  if (off % 4 != 0) { ++m_stats.address_errors; return MemStatus::address_error; }
  switch (off) {
    case regs::ID: case regs::VERSION: case regs::STATUS: case regs::ERROR_CODE:
    case regs::TILES_DONE: case regs::CYCLES_LO: case regs::CYCLES_HI:
      ++m_stats.ro_write_errors;
      return MemStatus::command_error;
    case regs::CTRL:
      if (v & regs::CTRL_START) {
        if (busy() || m_start) {
          ++m_stats.starts_ignored;
        } else {
          m_start = true;
          ++m_stats.starts;
        }
      }
      break;
    case regs::IRQ_ENABLE: m_irq_enable = v & (regs::IRQ_DONE | regs::IRQ_ERROR); break;
    case regs::IRQ_STATUS: m_irq_status &= ~v; break;  // write 1 to clear
    default:
      if (!LayerDescriptor::is_desc_reg(off)) { ++m_stats.address_errors; return MemStatus::address_error; }
      if (busy()) { ++m_stats.busy_write_errors; return MemStatus::command_error; }
      m_desc[(off - regs::DESC_BASE) / 4] = v;
  }
  ++m_stats.reg_writes;
  return MemStatus::ok;
}

void ControllerRegs::begin_layer() {
  m_status = regs::STATUS_BUSY;
  m_error = ErrorCode::none;
  m_tiles_done = 0;
  m_cycles = 0;
}

void ControllerRegs::end_layer(ErrorCode err, std::uint64_t cycles) {
  m_error = err;
  m_cycles = cycles;
  if (err == ErrorCode::none) {
    m_status = regs::STATUS_DONE;
    m_irq_status |= regs::IRQ_DONE;
    ++m_stats.layers_done;
  } else {
    m_status = regs::STATUS_ERROR;
    m_irq_status |= regs::IRQ_ERROR;
    ++m_stats.layers_failed;
  }
}

}  // namespace lpsim::hw
