// The error thrown by hardware-block configs and plans that cannot work (before simulation).
#pragma once

#include <stdexcept>

#include "sw/common/error.hpp"

namespace lpsim::hw {

// Thrown by XxxConfig::validate(), plan checks (buffer fit, tiling) and constructors that
// reject an impossible configuration. The message names the block, the field and the value;
// the CLI turns it into "lpsim: error: ..." with exit code 2 (style.md, habit 8).
class ConfigError : public lpsim::UserError {
 public:
  using lpsim::UserError::UserError;
};

}  // namespace lpsim::hw
