// The accelerator's configuration (kernel-free: the workload reader parses straight into it).
#pragma once

#include <cstdint>

#include "hw/array/array_config.hpp"
#include "hw/array/datapath_options.hpp"

namespace lpsim::hw {

struct ControllerConfig;
struct DramConfig;
struct PpuConfig;

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
  double clock_mhz = 500;         // one clock for controller, array, PPU and DRAM interface
  std::uint64_t weight_kb = 128;  // WB, double-buffered (each half holds one tile)
  std::uint64_t input_kb = 256;   // IB
  std::uint64_t output_kb = 128;  // OB
  unsigned dram_bytes_per_cycle = 16;
  unsigned dram_latency_cycles = 100;
  std::uint64_t dram_bytes = 1ull << 30;  // address space (sparse backing store)
  std::uint64_t dma_burst_bytes = 256;
  DatapathOptions datapath;
  unsigned ppu_lanes = 0;  // 0: one output row of the array per cycle (= cols)
  TlmCheck tlm_check = TlmCheck::build_default;

  // The user-facing fields against their ranges (the only place these ranges are written);
  // kernel-free. Throws ConfigError whose field() is the key under `accelerator.` of the
  // workload file ("rows", "buffers.weight_kb", "dram.bytes_per_cycle", ...).
  void check_fields() const;
  // check_fields() and every block's own configuration (controller, tiler, DMA, DRAM).
  void validate() const;
  double clock_period_ns() const { return 1000.0 / clock_mhz; }
  ControllerConfig controller() const;
  DramConfig dram() const;
  ArrayConfig array() const;  // the array before a layer configures it: rows x cols
  PpuConfig ppu() const;
};

}  // namespace lpsim::hw
