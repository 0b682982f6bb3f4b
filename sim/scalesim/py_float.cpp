// Python repr() of a double (shortest round-trip digits, CPython's fixed/scientific switch).
#include "sim/scalesim/py_float.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace lpsim::scalesim {

std::string py_float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (v == 0.0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  // Shortest round-trip digits in scientific form: "-d.ddde+XX".
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  std::string sign;
  if (s[0] == '-') {
    sign = "-";
    s.erase(0, 1);
  }
  const auto epos = s.find('e');
  const int exp10 = std::atoi(s.c_str() + epos + 1);
  std::string digits;
  for (std::size_t i = 0; i < epos; ++i)
    if (s[i] != '.') digits += s[i];
  const int nd = static_cast<int>(digits.size());
  if (exp10 >= -4 && exp10 < 16) {
    // Fixed notation; the decimal point sits after digit number exp10 + 1.
    const int point = exp10 + 1;
    std::string out;
    if (point <= 0) {
      out = "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
    } else if (point >= nd) {
      out = digits + std::string(static_cast<std::size_t>(point - nd), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<std::size_t>(point)) + "." +
            digits.substr(static_cast<std::size_t>(point));
    }
    return sign + out;
  }
  std::string mant = digits.substr(0, 1);
  if (nd > 1) mant += "." + digits.substr(1);
  const int aexp = std::abs(exp10);
  std::string e = std::to_string(aexp);
  if (aexp < 10) e = "0" + e;
  return sign + mant + "e" + (exp10 < 0 ? "-" : "+") + e;
}

}  // namespace lpsim::scalesim
