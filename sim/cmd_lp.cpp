// `lpsim lp table|quantize|error`: the number formats on the command line.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "sim/commands.hpp"
#include "sw/common/error.hpp"
#include "sim/value_reader.hpp"
#include "sw/formats/format_parse.hpp"
#include "sw/formats/metrics.hpp"

namespace lpsim::cli {
namespace {

// "0x<hex, zero-padded to the format's width> <value %.17g>\n"; NaR/NaN print as "nan".
std::string code_line(const fmt::NumberFormat& f, fmt::Code c) {
  char buf[64];
  const int digits = (f.bits() + 3) / 4;
  const double v = f.decode(c);
  if (std::isnan(v))
    std::snprintf(buf, sizeof buf, "0x%0*x nan\n", digits, c);
  else
    std::snprintf(buf, sizeof buf, "0x%0*x %.17g\n", digits, c, v);
  return buf;
}

// Values from standard input; a format that fits its scale to the data (int, af) is fitted
// to exactly these values.
struct Input {
  std::vector<double> values;
  fmt::FormatPtr format;
};

Input read_input(const std::string& format_text) {
  Input in;
  in.values = read_values(std::cin, "<stdin>");
  std::vector<float> calib(in.values.begin(), in.values.end());
  in.format = fmt::parse_format(format_text, calib.data(), calib.size());
  return in;
}

void write_all(const std::string& s) {
  if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size())
    throw UserError("<stdout>: write failed");
}

}  // namespace

void add_lp_command(CLI::App& app) {
  auto* lp = app.add_subcommand("lp", "Number formats: code tables, quantization, error");
  lp->require_subcommand(1);
  auto format = std::make_shared<std::string>();
  const std::string format_help =
      "lp:N,ES,RS,SF | posit:N,ES | fp8:e4m3 | fp8:e5m2 | int:N[,SCALE] | af:N,E[,EXPMIN]";

  auto* table = lp->add_subcommand("table", "Print every pattern 0 .. 2^N-1 and its value");
  table->add_option("--format,-f", *format, format_help)->required();
  table->callback([format] {
    const auto f = fmt::parse_format(*format);
    std::string out;
    for (fmt::Code c = 0; c < f->num_codes(); ++c) out += code_line(*f, c);
    write_all(out);
  });

  auto* quantize = lp->add_subcommand(
      "quantize", "Quantize numbers from stdin; print each one's pattern and dequantized value");
  quantize->add_option("--format,-f", *format, format_help)->required();
  quantize->callback([format] {
    const Input in = read_input(*format);
    const fmt::NumberFormat& f = *in.format;
    std::vector<std::string> lines(f.num_codes());  // a value's text depends only on its code
    for (fmt::Code c = 0; c < f.num_codes(); ++c) lines[c] = code_line(f, c);
    std::string out;
    out.reserve(1 << 20);
    for (double v : in.values) {
      out += lines[f.encode(v)];
      if (out.size() >= (1u << 20)) {
        write_all(out);
        out.clear();
      }
    }
    write_all(out);
  });

  auto* error = lp->add_subcommand(
      "error", "Quantize numbers from stdin and print RMSE, max relative error and mean "
               "decimal accuracy");
  error->add_option("--format,-f", *format, format_help)->required();
  error->callback([format] {
    const Input in = read_input(*format);
    if (in.values.empty()) throw UserError("<stdin>: no values to measure");
    std::vector<double> q(in.values.size());
    for (std::size_t i = 0; i < q.size(); ++i)
      q[i] = in.format->decode(in.format->encode(in.values[i]));
    const fmt::ErrorStats s = fmt::error_stats(in.values.data(), q.data(), q.size());
    std::printf("format %s\ncount %zu\nrmse %.9g\nmax_rel_error %.9g\n"
                "mean_decimal_accuracy %.6f\nexact %zu\nexcluded %zu\n",
                in.format->name().c_str(), s.count, s.rmse, s.max_rel_error, s.mean_decimal_acc,
                s.exact, s.excluded);
  });
}

}  // namespace lpsim::cli
