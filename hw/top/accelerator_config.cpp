// AcceleratorConfig's user-facing ranges (see accelerator_config.hpp); kernel-free.
#include "hw/top/accelerator_config.hpp"

#include <sstream>
#include <string>

#include "hw/common/config_error.hpp"
#include "hw/ctrl/ctrl_regs.hpp"

namespace lpsim::hw {
namespace {

template <class T>
void in_range(const char* key, T v, T lo, T hi) {
  if (v >= lo && v <= hi) return;
  std::ostringstream s;
  s << "value " << v << " is out of range " << lo << ".." << hi;
  throw ConfigError(std::string("accelerator.") + key, s.str());
}

}  // namespace

void AcceleratorConfig::check_fields() const {
  in_range("rows", rows, 1, 1024);
  in_range("cols", cols, 1, 1024);
  in_range("clock_mhz", clock_mhz, 1e-3, 1e5);
  // SRAM buffers: the model holds every byte, so 64 MiB each at most (TPUv1's unified buffer
  // was 24 MiB).
  in_range<std::uint64_t>("buffers.weight_kb", weight_kb, 1, 65536);
  in_range<std::uint64_t>("buffers.input_kb", input_kb, 1, 65536);
  in_range<std::uint64_t>("buffers.output_kb", output_kb, 1, 65536);
  in_range<unsigned>("dram.bytes_per_cycle", dram_bytes_per_cycle, 1, 4096);
  in_range<unsigned>("dram.latency_cycles", dram_latency_cycles, 0, 1000000);
  in_range<std::uint64_t>("dram_bytes", dram_bytes, 1, kCtrlBase - kDramBase);
  // accelerator.datapath (docs/datapath.md gives the meaning of each range).
  in_range("datapath.converter_fraction_bits", datapath.lin_frac_bits, 1, 24);
  in_range("datapath.small_float.fraction_bits", datapath.float_frac_bits, 1, 32);
  in_range("datapath.small_float.exponent_bits", datapath.float_exp_bits, 0, 7);
  in_range("datapath.narrow.width", datapath.narrow_bits, 8, 64);
  in_range("datapath.narrow.fraction_bits", datapath.narrow_frac_bits, -64, 96);
  in_range("datapath.psum.fraction_bits", datapath.psum_frac_bits, 1, 64);
}

}  // namespace lpsim::hw
