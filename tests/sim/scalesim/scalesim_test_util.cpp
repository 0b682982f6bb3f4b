// Helpers for the SCALE-Sim drop-in tests.
#include "scalesim_test_util.hpp"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lpsim::scalesim::test {

std::string data(const std::string& rel) {
  return std::string(LPSIM_TEST_DATA_DIR) + "/scalesim/" + rel;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream o(path, std::ios::binary);
  o << text;
  if (!o) throw std::runtime_error("cannot write " + path);
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/lpsim_scalesim_XXXXXX";
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  m_path = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

std::string TempDir::put(const std::string& name, const std::string& text) const {
  write_text(file(name), text);
  return file(name);
}

}  // namespace lpsim::scalesim::test
