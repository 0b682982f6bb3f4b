// Small helpers shared by the text-file readers.
#pragma once

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "sw/common/error.hpp"

namespace lpsim {

// `s` without leading and trailing white space (std::isspace in the "C" locale).
inline std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// `path` opened for reading as a `what` ("config file", ...). A directory or a special file (a
// fifo or device would never end) is refused, like a file that cannot be opened, with a
// UserError "PATH: ...".
inline std::ifstream open_text_file(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw file_error(path, 0, "is a directory, not a " + what);
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    throw file_error(path, 0, "is not a regular file (a fifo or device would never end)");
  std::ifstream in(path);
  if (!in) throw file_error(path, 0, "cannot open " + what);
  return in;
}

// `text` on one line: control characters (a newline or NUL in a file name, a key or a model's
// node name) are shown escaped (\n, \r, \t, \xHH), so an error message never spans two lines.
inline std::string one_line(const std::string& text) {
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned char c : text) {
    if (c == '\n')
      s += "\\n";
    else if (c == '\r')
      s += "\\r";
    else if (c == '\t')
      s += "\\t";
    else if (c < 0x20 || c == 0x7f)
      s += std::string("\\x") + hex[c >> 4] + hex[c & 15];
    else
      s += static_cast<char>(c);
  }
  return s;
}

}  // namespace lpsim
