// Thin SystemC shell of the systolic array: one SC_THREAD, cycle- or tile-fidelity timing.
#pragma once

#include <deque>
#include <functional>
#include <memory>

#include <systemc>

#include "hw/array/systolic_array.hpp"

namespace lpsim::hw {

// Runs queued GEMM jobs on a SystolicArray core. Fidelity::cycle: the thread calls step()
// once per clock period (wait(period) between steps); Fidelity::tile: one wait(cycles * period)
// per GEMM (loosely timed). Both finish a job at the same simulated time with the same bits.
// Latency is expressed in the array's own clock (`period`).
class ArrayModule : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(ArrayModule);
  ArrayModule(const sc_core::sc_module_name& name, const ArrayConfig& cfg, Fidelity fidelity,
              const sc_core::sc_time& period);

  // Queues a job (operands must stay valid until it completes); done_event() fires after it.
  void submit(const GemmJob& job);
  const sc_core::sc_event& done_event() const { return m_done; }
  std::size_t completed() const { return m_completed; }
  bool busy() const { return m_busy; }
  Fidelity fidelity() const { return m_fidelity; }
  const SystolicArray& core() const { return *m_core; }
  SystolicArray& core() { return *m_core; }
  // A new configuration (formats, MODE, dataflow) for the next jobs; only while idle. Keeps the
  // current core when the configuration is unchanged (its product table is reused).
  void reconfigure(const ArrayConfig& cfg);
  // Cycle fidelity only: called after every step() of the core, at the simulated time of that
  // clock edge, with the core (PE registers via pe_state()); for PE-level waveforms. Empty by
  // default (one test of an empty std::function per clock). Tile fidelity never calls it.
  using StepObserver = std::function<void(const SystolicArray&)>;
  // While an observer is set, the core writes every PE register every clock (idle PEs too).
  void set_step_observer(StepObserver f) {
    m_step_observer = std::move(f);
    m_core->set_full_registers(static_cast<bool>(m_step_observer));
  }

 private:
  void run();

  std::unique_ptr<SystolicArray> m_core;
  Fidelity m_fidelity;
  sc_core::sc_time m_period;
  std::deque<GemmJob> m_jobs;
  sc_core::sc_event m_job_added{"job_added"};
  sc_core::sc_event m_done{"done"};
  std::size_t m_completed = 0;
  bool m_busy = false;
  StepObserver m_step_observer;
};

}  // namespace lpsim::hw
