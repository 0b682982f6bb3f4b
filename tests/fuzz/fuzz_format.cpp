// Fuzz target: number-format texts (sw/formats/format_parse). The input is the text, optionally
// followed by a NUL and float32 calibration values (fitted INT scales and AdaptivFloat exp_min).
// An accepted format is used (encode/decode), and its name() must parse back to itself.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "sw/formats/format_parse.hpp"
#include "sw/formats/number_format.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lpsim;
  const auto* text_end = static_cast<const std::uint8_t*>(std::memchr(data, 0, size));
  const std::size_t text_len = text_end ? static_cast<std::size_t>(text_end - data) : size;
  const std::string text(reinterpret_cast<const char*>(data), text_len);
  std::vector<float> calib;
  if (text_end) {
    const std::size_t rest = size - text_len - 1;
    calib.resize(rest / sizeof(float));
    if (!calib.empty()) std::memcpy(calib.data(), text_end + 1, calib.size() * sizeof(float));
  }
  fuzz::expect_clean<fmt::FormatError>([&] {
    const fmt::FormatPtr f = text_end ? fmt::parse_format(text, calib.data(), calib.size())
                                      : fmt::parse_format(text);
    const std::string name = f->name();
    fmt::FormatPtr again;
    try {
      again = fmt::parse_format(name);
    } catch (const fmt::FormatError& e) {
      fuzz::finding("name '" + name + "' of format '" + text + "' does not parse: " + e.what());
    }
    if (again->name() != name || again->bits() != f->bits())
      fuzz::finding("name '" + name + "' parses back as '" + again->name() + "'");
    const double xs[] = {0.0, -0.0, 1.0, -1.0, 0.3, 1e-30, 1e30, -7.5, INFINITY, -INFINITY, NAN};
    for (double x : xs) {
      const fmt::Code c = f->encode(x);
      if (c >= f->num_codes()) fuzz::finding(name + ": encode gave an out-of-range code");
      (void)f->decode(c);
      (void)f->is_nan_code(c);
      if (f->negate(c) >= f->num_codes()) fuzz::finding(name + ": negate out of range");
    }
    for (float x : calib) (void)f->decode(f->encode(static_cast<double>(x)));
  });
  return 0;
}
