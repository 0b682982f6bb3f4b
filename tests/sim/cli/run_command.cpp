// Runs the lpsim binary through /bin/sh with files for stdin, stdout and stderr.
#include "run_command.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/sanitizer.hpp"

namespace lpsim::test {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

CommandResult run_lpsim(const std::string& args, const std::string& input) {
  return run_lpsim_with("", args, input);
}

CommandResult run_lpsim_with(const std::string& prefix, const std::string& args,
                             const std::string& input) {
  char dir_template[] = "/tmp/lpsim-cli-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (!dir) throw std::runtime_error("mkdtemp failed");
  const std::string d = dir;
  std::ofstream(d + "/in", std::ios::binary) << input;
  const std::string cmd = prefix + std::string(LPSIM_BIN) + " " + args + " <" + d + "/in >" + d +
                          "/out 2>" + d + "/err";
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(d + "/out");
  r.err = slurp(d + "/err");
  std::system(("rm -rf " + d).c_str());
  expect_no_sanitizer_report(r.exit_code, r.err);
  return r;
}

}  // namespace lpsim::test
