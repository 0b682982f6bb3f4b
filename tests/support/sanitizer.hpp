// Sanitizer reports of a spawned lpsim fail the test that spawned it (make test-sanitize).
//
// In the sanitizer build every test runs with ASAN_OPTIONS / UBSAN_OPTIONS that stop a process
// at its first report with exit code 86 (LPSIM_SANITIZER_ENV in the top-level CMakeLists.txt);
// lpsim itself only exits 0, 1 or 2. A test that expects "some failure" from a child would
// otherwise pass on a sanitizer report, so every helper that runs lpsim calls this.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace lpsim::test {

inline constexpr int kSanitizerExitCode = 86;

// Adds a test failure (with the child's stderr) when the child stopped on a sanitizer report.
inline void expect_no_sanitizer_report(int exit_code, const std::string& err) {
  const bool report = exit_code == kSanitizerExitCode ||
                      err.find("ERROR: AddressSanitizer") != std::string::npos ||
                      err.find("ERROR: LeakSanitizer") != std::string::npos ||
                      err.find("runtime error: ") != std::string::npos;
  EXPECT_FALSE(report) << "the lpsim child process stopped on a sanitizer report (exit "
                       << exit_code << "):\n"
                       << err;
}

}  // namespace lpsim::test
