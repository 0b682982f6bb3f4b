// The host CPU as a TLM initiator: DRAM transfers, controller registers, the done interrupt.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "hw/ctrl/layer_descriptor.hpp"

namespace lpsim::driver {

// What the controller reported for one layer.
struct LayerStatus {
  std::uint32_t status = 0;
  std::uint32_t error_code = 0;
  std::uint64_t cycles = 0;  // CYCLES register: START to done, in accelerator clocks
  std::uint32_t tiles = 0;
  sc_core::sc_time start, end;
};

// Runs `body` in its SC_THREAD; body drives the accelerator through the methods below, which
// may only be called from that thread. Host transfers use b_transport and take the annotated
// time (host time is not part of a layer's cycles, which the controller counts).
class Driver : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Driver> isock{"isock"};
  sc_core::sc_in<bool> irq_i{"irq_i"};

  using Body = std::function<void(Driver&)>;
  SC_HAS_PROCESS(Driver);
  Driver(const sc_core::sc_module_name& name, std::uint64_t ctrl_base, Body body);

  void write(std::uint64_t addr, const std::uint8_t* data, std::size_t n);
  void read(std::uint64_t addr, std::uint8_t* data, std::size_t n);
  void write_reg(std::uint32_t offset, std::uint32_t value);
  std::uint32_t read_reg(std::uint32_t offset);
  // Writes the descriptor, enables the interrupts, starts, waits for the interrupt and
  // acknowledges it.
  LayerStatus run_layer(const hw::LayerDescriptor& d);

 private:
  void thread();
  void transport(tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data, unsigned len);

  std::uint64_t m_ctrl_base;
  Body m_body;
};

}  // namespace lpsim::driver
