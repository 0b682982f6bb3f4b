// Datapath choices that are not in the layer descriptor (docs/datapath.md); kernel-free.
// The workload key accelerator.datapath sets them (docs/workload.md).
#pragma once

#include "hw/pe/pe_config.hpp"

namespace lpsim::hw {

struct DatapathOptions {
  int lin_frac_bits = 8;
  AccMode acc_mode = AccMode::exact;
  int narrow_bits = 32;
  int narrow_frac_bits = 16;
  int float_frac_bits = 8;
  int float_exp_bits = 0;  // 0 = auto (as wide as the exact range)
  PsumMode psum = PsumMode::accumulator;
  int psum_frac_bits = 23;  // psum small_float: fraction bits, 1..64

  bool is_default() const {
    const DatapathOptions d;
    return lin_frac_bits == d.lin_frac_bits && acc_mode == d.acc_mode &&
           narrow_bits == d.narrow_bits && narrow_frac_bits == d.narrow_frac_bits &&
           float_frac_bits == d.float_frac_bits && float_exp_bits == d.float_exp_bits &&
           psum == d.psum && psum_frac_bits == d.psum_frac_bits;
  }
};

}  // namespace lpsim::hw
