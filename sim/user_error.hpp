// The one error type for bad user input (files, flags, configs, workloads, models).
#pragma once

#include <stdexcept>
#include <string>

namespace lpsim {

// Thrown for bad user input; main() prints "lpsim: error: <what>" and exits with code 2.
// The message names the file (and line, key or token) and says what is wrong, on one line.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "FILE:LINE: what" (LINE omitted when 0).
inline UserError file_error(const std::string& file, int line, const std::string& what) {
  return UserError(file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + what);
}

}  // namespace lpsim
