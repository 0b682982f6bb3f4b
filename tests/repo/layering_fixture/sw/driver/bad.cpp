// A deliberate violation.
#include "hw/top/accelerator.hpp"
#include "hw/ctrl/ctrl_regs.hpp"
