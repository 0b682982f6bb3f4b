// The one error taxonomy of lpsim, below every user of it (docs/architecture.md, "Errors").
//
//   lpsim::UserError            bad user input: a file, flag, key, format text, model or
//   ├── hw::ConfigError         configuration that cannot work; the message names the file (and
//   ├── fmt::FormatError        line, key, layer or field) and what is wrong, on one line. The
//   └── ref::RefError           CLI prints "lpsim: error: <what>" and exits with code 2; the
//                               library and the Python module pass it to the caller.
//   anything else               a bug: the CLI prints "lpsim: internal error: <what>", exit 1.
#pragma once

#include <stdexcept>
#include <string>

namespace lpsim {

class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "FILE:LINE: what" (LINE omitted when 0).
inline UserError file_error(const std::string& file, int line, const std::string& what) {
  return UserError(file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + what);
}

}  // namespace lpsim
