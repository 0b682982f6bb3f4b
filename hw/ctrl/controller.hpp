// Layer controller: register file TLM target, DMA initiator, tile loop over a ComputeBackend.
#pragma once

#include <functional>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "hw/ctrl/compute_backend.hpp"
#include "hw/ctrl/controller_regs.hpp"
#include "hw/ctrl/tiler.hpp"
#include "hw/mem/dma.hpp"
#include "hw/mem/sram_buffer.hpp"

namespace lpsim::hw {

struct ControllerConfig {
  double clock_period_ns = 2.0;  // accelerator clock (500 MHz); backend cycles count in it
  unsigned reg_access_cycles = 1;  // delay annotated per register access
  TilerConfig tiler;             // array size and WB/IB/OB configs
  DmaConfig dma;
  void validate() const;         // throws ConfigError
};

// Registers: tsock, one 32-bit register per transaction (len 4, 4-byte aligned):
//   len != 4 or streaming width != 4 -> TLM_BURST_ERROR_RESPONSE, byte enables ->
//   TLM_BYTE_ENABLE_ERROR_RESPONSE, unaligned/unmapped -> TLM_ADDRESS_ERROR_RESPONSE, write to
//   a read-only register (or descriptor while BUSY) or a command value other than
//   read/write/ignore -> TLM_COMMAND_ERROR_RESPONSE; TLM_IGNORE_COMMAND -> OK without effect.
// Writing CTRL.START starts the layer in the execute thread: validate, tile, fetch the bias,
// then run the tiles on the backend with the DMA loads of tile i+1 (weights, inputs, residual)
// overlapping the compute of tile i, and each output tile's store overlapping later compute
// (double-buffered WB/IB/OB; docs/architecture.md, "Layer schedule").
// irq_o = OR of IRQ_STATUS & IRQ_ENABLE; it follows register writes in the same delta cycle.
// When each tile's DMA and compute ran (absolute simulation times).
struct TileTiming {
  sc_core::sc_time load_start, load_end;        // its loads (equal when it loaded nothing)
  sc_core::sc_time compute_start, compute_end;  // on the backend
  sc_core::sc_time post_start;                  // the post-processing tail [post_start,
                                                // compute_end); == compute_end when none
  sc_core::sc_time store_start, store_end;      // its output store (last K tile only)
  std::uint64_t load_bytes = 0, store_bytes = 0;
  std::uint64_t wb_bytes = 0, ib_bytes = 0;     // of load_bytes: into the WB, into the IB
  std::uint64_t macs = 0;                       // mt x kt x nt of the tile
  bool last_k = false;                          // the tile finishes an output tile
};

// What a layer-end observer gets (Controller::set_layer_observer).
struct LayerEnd {
  const LayerDescriptor* layer = nullptr;
  sc_core::sc_time start, end;  // START and done
  ErrorCode error = ErrorCode::none;
};

class Controller : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Controller> tsock{"tsock"};
  sc_core::sc_out<bool> irq_o{"irq_o"};
  Dma i_dma;  // the top level binds i_dma.isock to the memory router

  Controller(const sc_core::sc_module_name& name, const ControllerConfig& cfg);

  void set_backend(ComputeBackend* backend) { m_backend = backend; }
  ControllerRegs& registers() { return m_regs; }
  const ControllerStats& stats() const { return m_regs.stats(); }
  SramBuffer& wb() { return m_wb; }
  SramBuffer& ib() { return m_ib; }
  SramBuffer& ob() { return m_ob; }
  const TilePlan& last_plan() const { return m_plan; }
  // Per tile of the last layer, in plan order.
  const std::vector<TileTiming>& last_timeline() const { return m_timeline; }
  const std::string& last_error() const { return m_last_error; }  // text of ERROR_CODE
  // Called in the execute thread when a layer ends, before the interrupt is raised, while
  // last_timeline() and the block stats still describe that layer (traces, energy counts,
  // progress). Empty by default: no cost when nobody observes.
  using LayerObserver = std::function<void(const LayerEnd&)>;
  void set_layer_observer(LayerObserver f) { m_layer_observer = std::move(f); }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& gp);
  void execute();
  void drive_irq();
  ErrorCode run_layer();

  ControllerConfig m_cfg;
  sc_core::sc_time m_period;
  ControllerRegs m_regs;
  SramBuffer m_wb, m_ib, m_ob;
  ComputeBackend* m_backend = nullptr;
  TilePlan m_plan;
  std::vector<TileTiming> m_timeline;
  std::vector<float> m_bias;
  std::vector<float> m_scales;  // pp::CHSCALE: per-channel scales
  std::string m_last_error;
  sc_core::sc_event m_start_ev, m_irq_ev;
  LayerObserver m_layer_observer;
};

}  // namespace lpsim::hw
