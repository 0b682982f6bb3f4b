// Shared pieces of the libFuzzer targets (docs/reliability.md, "Fuzzing"): a scratch directory
// for the parsers that read files, and the rule that a user error is the only clean way out.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <typeinfo>

namespace lpsim::fuzz {

// A directory private to this process (under $TMPDIR), removed at a normal exit.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lpsim-fuzz-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {
      std::perror("lpsim fuzz: mkdtemp");
      std::abort();
    }
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return std::filesystem::path(tmpl);
  }();
  return dir;
}

// Writes `size` bytes to scratch_dir()/name (replacing it) and returns its path.
inline std::string write_file(const std::string& name, const void* data, std::size_t size) {
  const std::string path = (scratch_dir() / name).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::fprintf(stderr, "lpsim fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

inline std::string write_file(const std::string& name, const std::string& text) {
  return write_file(name, text.data(), text.size());
}

// A finding that is not a crash by itself (a broken round trip, a wrong result): abort.
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "lpsim fuzz: %s\n", what.c_str());
  std::abort();
}

// Whether the last input given to expect_clean ended in a clean rejection (a user error); the
// replay driver checks it for the regression inputs named reject-*.
inline bool& last_input_rejected() {
  static bool rejected = false;
  return rejected;
}

// Runs `f`; an exception of one of the `Clean` types is the documented way to reject bad input
// (main prints it as one line "lpsim: error: ..." and exits with 2). Any other exception is a
// finding: it would reach main as "internal error" (or terminate the program).
template <class... Clean, class F>
void expect_clean(F&& f) {
  last_input_rejected() = false;
  try {
    try {
      f();
    } catch (const std::exception& e) {
      if ((dynamic_cast<const Clean*>(&e) || ...)) {
        last_input_rejected() = true;
        return;
      }
      finding(std::string("uncaught ") + typeid(e).name() + ": " + e.what());
    }
  } catch (...) {
    finding("uncaught exception that is not a std::exception");
  }
}

}  // namespace lpsim::fuzz
