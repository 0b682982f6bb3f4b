// The error thrown by hardware-block configs and plans that cannot work (before simulation).
#pragma once

#include <stdexcept>
#include <string>

#include "sw/common/error.hpp"

namespace lpsim::hw {

// Thrown by XxxConfig::validate(), plan checks (buffer fit, tiling) and constructors that
// reject an impossible configuration. The message names the block, the field and the value;
// the CLI turns it into "lpsim: error: ..." with exit code 2 (style.md, habit 8).
class ConfigError : public lpsim::UserError {
 public:
  using lpsim::UserError::UserError;
  // An error of one user-facing key (e.g. "accelerator.buffers.weight_kb"): what() is
  // "KEY: DETAIL", and a reader can name where the key was set.
  ConfigError(const std::string& key, const std::string& detail) : UserError(key + ": " + detail), m_key(key) {}
  const std::string& key() const { return m_key; }

 private:
  std::string m_key;
};

}  // namespace lpsim::hw
