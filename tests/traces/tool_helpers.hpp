// Test helpers: temp dirs, running external tools (vcd2fst, headless chromium: render, console
// errors, screenshot size), CI-aware skipping.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

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

inline const char* const kChromium = "/usr/bin/chromium";

// Runs headless Chromium on `html_path`; returns its stderr and the exit code.
struct ChromiumRun {
  int rc = -1;
  std::string stderr_text, stdout_text;
};

inline ChromiumRun run_chromium(const std::filesystem::path& dir, const std::string& html_path,
                         const std::string& mode_flag) {
  const auto profile = dir / ("profile" + std::to_string(std::rand()));
  std::filesystem::create_directories(profile);
  const auto err = dir / "chromium.err", out = dir / "chromium.out";
  const std::string cmd =
      std::string("timeout 120 ") + kChromium +
      " --headless --no-sandbox --disable-gpu --disable-background-networking"
      " --disable-component-update --disable-sync --no-first-run --user-data-dir=" +
      quote(profile.string()) + " --enable-logging=stderr --v=0 " + mode_flag +
      " --window-size=1280,2000 " + quote("file://" + html_path) + " >" +
      quote(out.string()) + " 2>" + quote(err.string());
  ChromiumRun r;
  r.rc = run(cmd);
  r.stderr_text = slurp(err);
  r.stdout_text = slurp(out);
  std::filesystem::remove_all(profile);
  return r;
}

// Page console messages and uncaught exceptions in Chromium's stderr. Chromium logs every
// console message as "INFO:CONSOLE..." whatever its level, and the report has no scripts, so
// any console line is an error (a failed load, a parse error, a CSP violation).
inline std::vector<std::string> console_errors(const std::string& err) {
  std::vector<std::string> bad;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);)
    if (line.find("CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos)
      bad.push_back(line);
  return bad;
}

// PNG width and height from the IHDR chunk (0 when not a PNG).
inline std::pair<unsigned, unsigned> png_size(const std::string& png) {
  if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return {0, 0};
  auto be32 = [&](std::size_t o) {
    return (unsigned(static_cast<unsigned char>(png[o])) << 24) |
           (unsigned(static_cast<unsigned char>(png[o + 1])) << 16) |
           (unsigned(static_cast<unsigned char>(png[o + 2])) << 8) |
           unsigned(static_cast<unsigned char>(png[o + 3]));
  };
  return {be32(16), be32(20)};
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
