// The bytes of a version-1.0 .npy file, for the CLI tests that write labels and inputs.
#pragma once

#include <string>

namespace lpsim::test {

// dtype text (e.g. "<f4"), shape text (inside the parentheses, e.g. "12, 10") and raw data bytes;
// the header is padded to a multiple of 64 bytes as numpy writes it.
inline std::string npy(const std::string& descr, const std::string& shape, const std::string& data) {
  std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shape + "), }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string s = "\x93NUMPY";
  s += '\x01';
  s += '\x00';
  s += static_cast<char>(h.size() & 0xff);
  s += static_cast<char>(h.size() >> 8);
  return s + h + data;
}

}  // namespace lpsim::test
