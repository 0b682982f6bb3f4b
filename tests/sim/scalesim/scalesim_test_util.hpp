// Helpers for the SCALE-Sim drop-in tests: test data paths, files, temporary directories.
#pragma once

#include <string>

namespace lpsim::scalesim::test {

// tests/data/scalesim in this repository (from LPSIM_TEST_DATA_DIR) joined with `rel`.
std::string data(const std::string& rel);
std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }
  std::string file(const std::string& name) const { return m_path + "/" + name; }
  // Writes `text` to a file named `name` in this directory and returns its path.
  std::string put(const std::string& name, const std::string& text) const;

 private:
  std::string m_path;
};

}  // namespace lpsim::scalesim::test
