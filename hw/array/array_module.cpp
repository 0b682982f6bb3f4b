// SystemC shell of the systolic array: job queue and the stepping / per-tile-wait thread.
#include "hw/array/array_module.hpp"

#include "hw/common/config_error.hpp"

namespace lpsim::hw {

ArrayModule::ArrayModule(const sc_core::sc_module_name& name, const ArrayConfig& cfg, Fidelity fidelity,
                         const sc_core::sc_time& period)
    : sc_module(name), m_core(std::make_unique<SystolicArray>(cfg)), m_fidelity(fidelity), m_period(period) {
  if (period == sc_core::SC_ZERO_TIME) throw ConfigError(std::string(this->name()) + ": clock period must be > 0");
  SC_THREAD(run);
}

void ArrayModule::reconfigure(const ArrayConfig& cfg) {
  if (m_busy || !m_jobs.empty())
    SC_REPORT_ERROR("lpsim/array", (std::string(name()) + ": reconfigure while busy").c_str());
  if (!(cfg == m_core->config())) {
    m_core = std::make_unique<SystolicArray>(cfg);
    m_core->set_full_registers(static_cast<bool>(m_step_observer));
  }
}

void ArrayModule::submit(const GemmJob& job) {
  m_jobs.push_back(job);
  m_job_added.notify(sc_core::SC_ZERO_TIME);
}

void ArrayModule::run() {
  for (;;) {
    while (m_jobs.empty()) wait(m_job_added);
    const GemmJob job = m_jobs.front();
    m_jobs.pop_front();
    m_busy = true;
    if (m_fidelity == Fidelity::cycle) {
      m_core->start(job);
      while (m_core->busy()) {
        m_core->step();
        if (m_step_observer) m_step_observer(*m_core);
        wait(m_period);
      }
    } else {
      const std::uint64_t cycles = m_core->run_tile(job);
      wait(m_period * static_cast<double>(cycles));
    }
    m_busy = false;
    ++m_completed;
    m_done.notify(sc_core::SC_ZERO_TIME);
  }
}

}  // namespace lpsim::hw
