// Whitespace-separated number reader (see value_reader.hpp).
#include "sim/value_reader.hpp"

#include <charconv>

#include "sw/common/error.hpp"

namespace lpsim {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::vector<double> parse_values(const std::string& text, const std::string& source) {
  std::vector<double> values;
  const char* p = text.data();
  const char* end = p + text.size();
  std::size_t index = 0;
  while (true) {
    while (p != end && is_space(*p)) ++p;
    if (p == end) break;
    const char* tok = p;
    while (p != end && !is_space(*p)) ++p;
    ++index;
    const char* num = tok;
    if (*num == '+' && num + 1 != p && num[1] != '-') ++num;  // from_chars rejects a leading '+'
    double v = 0;
    auto [q, ec] = std::from_chars(num, p, v);
    if (q != p || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
      std::string t(tok, p);
      if (t.size() > 40) t = t.substr(0, 40) + "...";
      throw UserError(source + ": token " + std::to_string(index) + " ('" + t +
                      "') is not a number");
    }
    if (ec == std::errc::result_out_of_range) {
      // Overflow to +-inf or underflow to +-0, as strtod would give.
      v = std::strtod(std::string(tok, p).c_str(), nullptr);
    }
    values.push_back(v);
  }
  return values;
}

std::vector<double> read_values(std::istream& in, const std::string& source) {
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) text.append(buf, in.gcount());
  return parse_values(text, source);
}

}  // namespace lpsim
