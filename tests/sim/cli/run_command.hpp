// Runs the lpsim binary with arguments and standard input; captures stdout, stderr, exit code.
#pragma once

#include <string>

namespace lpsim::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `args` is appended to the binary's path and run by /bin/sh; `input` is fed on stdin.
CommandResult run_lpsim(const std::string& args, const std::string& input = "");

}  // namespace lpsim::test
