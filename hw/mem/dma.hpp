// DMA engine: TLM-2.0 initiator moving strided 2-D blocks between DRAM and a local buffer.
#pragma once

#include <cstdint>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "hw/mem/dma_plan.hpp"
#include "hw/mem/local_store.hpp"

namespace lpsim::hw {

struct DmaConfig {
  std::uint64_t burst_bytes = 64;  // largest single TLM transaction
  bool sync_at_end = true;         // sync the quantum keeper when a job ends (time = start + delay)
  void validate() const;           // throws ConfigError naming the field
};

struct DmaStats {
  std::uint64_t jobs = 0;
  std::uint64_t bursts = 0;          // transactions issued (including a failed one)
  std::uint64_t bytes_read = 0;      // DRAM -> local, OK bursts only
  std::uint64_t bytes_written = 0;   // local -> DRAM, OK bursts only
  std::uint64_t errors = 0;          // jobs that ended with a non-OK status
  sc_core::sc_time busy_time = sc_core::SC_ZERO_TIME;  // sum of annotated delays
};

struct DmaResult {
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;  // first non-OK status, else OK
  std::uint64_t bytes = 0;       // bytes moved by OK bursts
  std::uint64_t bursts = 0;      // transactions issued
  std::uint64_t error_addr = 0;  // DRAM address of the failing burst
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;  // sum of the delays annotated by the targets
  bool ok() const { return status == tlm::TLM_OK_RESPONSE; }
};

// Bursts are issued one after another with b_transport (no overlap between bursts: each pays
// the target's full latency). The delay goes through a tlm_quantumkeeper: the local time
// offset is passed to the target and synced when the global quantum is reached, and at the
// end of the job when sync_at_end. The job stops at the first non-OK response and reports it.
// run() may wait(), so it must be called from an SC_THREAD.
class Dma : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Dma> isock{"isock"};

  Dma(const sc_core::sc_module_name& name, const DmaConfig& cfg);

  // A malformed job or one overflowing `local` is a broken plan (the controller checked it
  // before simulation): SC_REPORT_ERROR "lpsim/dma", returns TLM_GENERIC_ERROR_RESPONSE.
  DmaResult run(const DmaJob& job, LocalStore& local);

  // Pipelined issue without waiting: every burst of the job is issued at `issue` (an offset
  // from the current simulation time, as outstanding requests would be) and the target's
  // channel serialises them. Data moves at once; the result's `delay` is from `issue` to the
  // completion of the last burst. The caller owns the timing (it waits, or schedules with it).
  // May be called from any process. Same error handling as run().
  DmaResult run_at(const DmaJob& job, LocalStore& local, const sc_core::sc_time& issue);

  tlm_utils::tlm_quantumkeeper& quantum_keeper() { return m_qk; }
  const DmaConfig& config() const { return m_cfg; }
  const DmaStats& stats() const { return m_stats; }

 private:
  // Counts the job and checks it against `local`; false (and res set) when it is malformed.
  bool begin_job(const DmaJob& job, LocalStore& local, DmaResult& res);
  // One transaction issued at offset t (t becomes its completion); false on an error response.
  bool burst(const DmaBurst& b, DmaDir dir, LocalStore& local, sc_core::sc_time& t, DmaResult& res);

  DmaConfig m_cfg;
  DmaStats m_stats;
  tlm_utils::tlm_quantumkeeper m_qk;
  std::vector<std::uint8_t> m_tmp;
  tlm::tlm_generic_payload m_gp;
};

}  // namespace lpsim::hw
