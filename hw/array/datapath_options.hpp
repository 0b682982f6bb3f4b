// Datapath choices that are not in the layer descriptor (docs/datapath.md); kernel-free.
#pragma once

#include "hw/pe/pe_config.hpp"

namespace lpsim::hw {

struct DatapathOptions {
  int lin_frac_bits = 8;
  AccMode acc_mode = AccMode::exact;
  int narrow_bits = 32;
  int narrow_frac_bits = 16;
  int float_frac_bits = 8;
};

}  // namespace lpsim::hw
