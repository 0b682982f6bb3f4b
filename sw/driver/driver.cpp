// Host driver over TLM (see driver.hpp).
#include "sw/driver/driver.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "hw/ctrl/ctrl_regs.hpp"

namespace lpsim::driver {

Driver::Driver(const sc_core::sc_module_name& name, std::uint64_t ctrl_base, Body body)
    : sc_module(name), m_ctrl_base(ctrl_base), m_body(std::move(body)) {
  SC_THREAD(thread);
}

void Driver::thread() { m_body(*this); }

void Driver::transport(tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data, unsigned len) {
  tlm::tlm_generic_payload gp;
  gp.set_command(cmd);
  gp.set_address(addr);
  gp.set_data_ptr(data);
  gp.set_data_length(len);
  gp.set_streaming_width(len);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  isock->b_transport(gp, delay);
  if (gp.is_response_error())
    throw std::runtime_error("driver: " + gp.get_response_string() + " at address " +
                             std::to_string(addr));
  if (delay > sc_core::SC_ZERO_TIME) wait(delay);
}

void Driver::write(std::uint64_t addr, const std::uint8_t* data, std::size_t n) {
  constexpr std::size_t kChunk = 1 << 16;
  std::vector<std::uint8_t> buf;
  for (std::size_t o = 0; o < n; o += kChunk) {
    const std::size_t len = std::min(kChunk, n - o);
    buf.assign(data + o, data + o + len);
    transport(tlm::TLM_WRITE_COMMAND, addr + o, buf.data(), static_cast<unsigned>(len));
  }
}

void Driver::read(std::uint64_t addr, std::uint8_t* data, std::size_t n) {
  constexpr std::size_t kChunk = 1 << 16;
  for (std::size_t o = 0; o < n; o += kChunk)
    transport(tlm::TLM_READ_COMMAND, addr + o, data + o,
              static_cast<unsigned>(std::min(kChunk, n - o)));
}

void Driver::write_reg(std::uint32_t offset, std::uint32_t value) {
  transport(tlm::TLM_WRITE_COMMAND, m_ctrl_base + offset, reinterpret_cast<std::uint8_t*>(&value), 4);
}

std::uint32_t Driver::read_reg(std::uint32_t offset) {
  std::uint32_t v = 0;
  transport(tlm::TLM_READ_COMMAND, m_ctrl_base + offset, reinterpret_cast<std::uint8_t*>(&v), 4);
  return v;
}

LayerStatus Driver::run_layer(const hw::LayerDescriptor& d) {
  namespace regs = hw::regs;
  const hw::LayerDescriptor::Image img = d.encode();
  for (std::size_t i = 0; i < img.size(); ++i) {
    const auto off = static_cast<std::uint32_t>(regs::DESC_BASE + 4 * i);
    if (hw::LayerDescriptor::is_desc_reg(off)) write_reg(off, img[i]);
  }
  write_reg(regs::IRQ_ENABLE, regs::IRQ_DONE | regs::IRQ_ERROR);
  LayerStatus s;
  s.start = sc_core::sc_time_stamp();
  write_reg(regs::CTRL, regs::CTRL_START);
  wait(irq_i.posedge_event());
  s.end = sc_core::sc_time_stamp();
  s.status = read_reg(regs::STATUS);
  s.error_code = read_reg(regs::ERROR_CODE);
  s.cycles = read_reg(regs::CYCLES_LO) | (std::uint64_t{read_reg(regs::CYCLES_HI)} << 32);
  s.tiles = read_reg(regs::TILES_DONE);
  write_reg(regs::IRQ_STATUS, regs::IRQ_DONE | regs::IRQ_ERROR);  // W1C
  return s;
}

}  // namespace lpsim::driver
