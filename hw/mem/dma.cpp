// DMA engine: burst loop over b_transport with quantum keeping and error propagation.
#include "hw/mem/dma.hpp"

#include <algorithm>

#include "hw/common/config_error.hpp"

namespace lpsim::hw {

void DmaConfig::validate() const {
  if (burst_bytes == 0) throw ConfigError("dma: burst_bytes must be > 0");
  if (burst_bytes > (1u << 30)) throw ConfigError("dma: burst_bytes = " + std::to_string(burst_bytes) + " is too large");
}

Dma::Dma(const sc_core::sc_module_name& name, const DmaConfig& cfg) : sc_module(name), m_cfg(cfg) {
  m_cfg.validate();
  m_tmp.resize(m_cfg.burst_bytes);
  m_qk.reset();
}

bool Dma::begin_job(const DmaJob& job, LocalStore& local, DmaResult& res) {
  ++m_stats.jobs;
  const std::string bad = job.check(local.size());
  if (bad.empty()) return true;
  SC_REPORT_ERROR("lpsim/dma", (std::string(name()) + ": " + bad).c_str());
  res.status = tlm::TLM_GENERIC_ERROR_RESPONSE;
  ++m_stats.errors;
  return false;
}

bool Dma::burst(const DmaBurst& b, DmaDir dir, LocalStore& local, sc_core::sc_time& t, DmaResult& res) {
  const bool to_local = dir == DmaDir::to_local;
  const auto len = static_cast<unsigned>(b.len);
  if (!to_local) local.read(b.local_offset, m_tmp.data(), len);
  tlm::tlm_generic_payload& gp = m_gp;  // reused: a payload allocates its extension array
  gp.set_command(to_local ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
  gp.set_address(b.dram_addr);
  gp.set_data_ptr(m_tmp.data());
  gp.set_data_length(len);
  gp.set_streaming_width(len);
  gp.set_byte_enable_ptr(nullptr);
  gp.set_byte_enable_length(0);
  gp.set_dmi_allowed(false);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  isock->b_transport(gp, t);
  ++res.bursts;
  ++m_stats.bursts;
  if (gp.is_response_error()) {
    res.status = gp.get_response_status();
    res.error_addr = b.dram_addr;
    ++m_stats.errors;
    return false;
  }
  if (to_local) {
    local.write(b.local_offset, m_tmp.data(), len);
    m_stats.bytes_read += len;
  } else {
    m_stats.bytes_written += len;
  }
  res.bytes += len;
  return true;
}

DmaResult Dma::run(const DmaJob& job, LocalStore& local) {
  DmaResult res;
  if (!begin_job(job, local, res)) return res;
  for (const DmaBurst& b : plan_bursts(job, m_cfg.burst_bytes)) {
    sc_core::sc_time t = m_qk.get_local_time();
    const sc_core::sc_time before = t;
    const bool ok = burst(b, job.dir, local, t, res);
    res.delay += t - before;
    m_stats.busy_time += t - before;
    m_qk.set(t);
    if (!ok) break;
    if (m_qk.need_sync()) m_qk.sync();
  }
  if (m_cfg.sync_at_end) m_qk.sync();
  return res;
}

DmaResult Dma::run_at(const DmaJob& job, LocalStore& local, const sc_core::sc_time& issue) {
  DmaResult res;
  if (!begin_job(job, local, res)) return res;
  sc_core::sc_time end = issue;
  for (const DmaBurst& b : plan_bursts(job, m_cfg.burst_bytes)) {
    sc_core::sc_time t = issue;
    const bool ok = burst(b, job.dir, local, t, res);
    end = std::max(end, t);
    if (!ok) break;
  }
  res.delay = end - issue;
  m_stats.busy_time += res.delay;
  return res;
}

}  // namespace lpsim::hw
