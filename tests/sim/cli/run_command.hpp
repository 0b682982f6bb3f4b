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
// The same with shell text before the binary: "cd DIR && ", "HOME=X ", "ulimit -f 32; ",
// "timeout 30 " (a sanitizer report in the child fails the test either way).
CommandResult run_lpsim_with(const std::string& prefix, const std::string& args,
                             const std::string& input = "");

}  // namespace lpsim::test
