// Test helpers: temp dirs, running external tools (vcd2fst, chromium), CI-aware skipping.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace lpsim::traces::test {

inline std::filesystem::path fresh_dir(const std::string& tag) {
  std::random_device rd;
  const auto p = std::filesystem::temp_directory_path() /
                 ("lpsim_" + tag + "_" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(p);
  return p;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline bool ci() {
  const char* v = std::getenv("CI");
  return v && std::string(v) == "true";
}

// Exit status of `cmd` run by /bin/sh.
inline int run(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace lpsim::traces::test

// A required external tool is missing: fail under CI=true (install-deps.sh installs it), else skip.
#define LPSIM_REQUIRE_TOOL(path)                                                       \
  do {                                                                                 \
    if (!std::filesystem::exists(path)) {                                              \
      if (::lpsim::traces::test::ci())                                                 \
        FAIL() << (path)                                                               \
               << " not installed (CI=true); run "                                     \
                  "scripts/install-deps.sh";                                           \
      GTEST_SKIP() << (path) << " not installed; scripts/install-deps.sh installs it"; \
    }                                                                                  \
  } while (0)
