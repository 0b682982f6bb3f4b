// `lpsim lp table|quantize|error|plot`: the number formats on the command line.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "sim/commands.hpp"
#include "sw/common/error.hpp"
#include "sim/output/output_dir.hpp"
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

std::string xml_text(const std::string& t) {
  std::string o;
  for (char c : t) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
  return o;
}

// Decimal accuracy -log10|log10(q/x)| against log2|x| for each format (the LP paper's
// Figure 1b): one polyline per format over the union of their ranges; exact values are drawn
// at the top of the axis (kTop), zero or overflow to infinity leaves a gap.
std::string plot_svg(const std::vector<std::string>& texts) {
  std::vector<fmt::FormatPtr> fs;
  double lo = 1e9, hi = -1e9;
  for (const std::string& t : texts) {
    fs.push_back(fmt::parse_format(t));
    const fmt::NumberFormat& f = *fs.back();
    for (fmt::Code c = 0; c < f.num_codes(); ++c) {
      const double v = f.decode(c);
      if (!std::isfinite(v) || v <= 0) continue;
      lo = std::min(lo, std::log2(v));
      hi = std::max(hi, std::log2(v));
    }
  }
  lo = std::max(-64.0, std::floor(lo) - 2);
  hi = std::min(64.0, std::ceil(hi) + 2);
  constexpr double kTop = 5.0;  // decimals drawn for exactly representable values
  constexpr int kSamples = 4000, W = 760, H = 380, L = 60, R = 180, T = 20, B = 44;
  auto X = [&](double x) { return L + (x - lo) / (hi - lo) * (W - L - R); };
  auto Y = [&](double y) { return H - B - y / kTop * (H - B - T); };
  static const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << W << "' height='" << H << "' font-family='sans-serif'>\n"
    << "<rect width='100%' height='100%' fill='white'/>\n";
  s << "<line x1='" << L << "' y1='" << H - B << "' x2='" << W - R << "' y2='" << H - B << "' stroke='black'/>"
    << "<line x1='" << L << "' y1='" << T << "' x2='" << L << "' y2='" << H - B << "' stroke='black'/>\n";
  const int step = hi - lo > 40 ? 8 : hi - lo > 16 ? 4 : 2;
  for (int x = static_cast<int>(std::ceil(lo / step) * step); x <= hi; x += step)
    s << "<text x='" << X(x) << "' y='" << H - B + 14 << "' font-size='10' text-anchor='middle'>" << x << "</text>";
  for (int y = 0; y <= 5; ++y)
    s << "<text x='" << L - 5 << "' y='" << Y(y) + 3 << "' font-size='10' text-anchor='end'>" << y << "</text>";
  s << "\n<text x='" << (L + W - R) / 2 << "' y='" << H - 8 << "' font-size='12' text-anchor='middle'>log2 |x|</text>"
    << "<text x='14' y='" << (T + H - B) / 2 << "' font-size='12' text-anchor='middle' transform='rotate(-90 14 "
    << (T + H - B) / 2 << ")'>decimal accuracy</text>\n";
  for (std::size_t i = 0; i < fs.size(); ++i) {
    const char* col = colours[i % 6];
    s << "<path fill='none' stroke='" << col << "' stroke-width='1.2' d='";
    bool pen = false;
    for (int k = 0; k <= kSamples; ++k) {
      const double lx = lo + (hi - lo) * k / kSamples, x = std::exp2(lx);
      const double q = fs[i]->decode(fs[i]->encode(x));
      const double a = fmt::decimal_accuracy(x, q);
      if (std::isnan(a)) {
        pen = false;
        continue;
      }
      const double y = std::clamp(a, 0.0, kTop);
      s << (pen ? " L" : " M") << X(lx) << "," << Y(y);
      pen = true;
    }
    s << "'/>\n<text x='" << W - R + 10 << "' y='" << T + 16 * (i + 1) << "' font-size='12' fill='" << col << "'>"
      << xml_text(fs[i]->name()) << "</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

// Writes `text` to a new file `path`: never replaces an existing file (written beside it, then
// linked into place, which fails if the name appeared meanwhile).
void write_new_file(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(fs::symlink_status(path, ec)))
    throw UserError(path + ": exists; lpsim lp plot never replaces a file (remove it or choose another name)");
  const fs::path dir = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  if (!fs::is_directory(dir, ec)) throw UserError(path + ": the directory " + dir.string() + " does not exist");
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  sim::write_text_file(tmp, text);
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    throw UserError(path + ": " + (e == EEXIST ? std::string("exists; lpsim lp plot never replaces a file")
                                               : std::string(std::strerror(e))));
  }
  ::unlink(tmp.c_str());
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

  auto vs = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto* plot = lp->add_subcommand(
      "plot", "Decimal accuracy against log2|x| of formats (the LP paper's Figure 1b) as an SVG file");
  plot->add_option("--format,-f", *format, format_help)->required();
  plot->add_option("--vs", *vs, "another format to draw (repeatable)");
  plot->add_option("--out,-o", *out, "the SVG file to write (never replaces an existing file)")->required();
  plot->callback([format, vs, out] {
    std::vector<std::string> texts{*format};
    texts.insert(texts.end(), vs->begin(), vs->end());
    if (texts.size() > 6) throw UserError("--vs: at most 5 formats besides --format");
    const std::string svg = plot_svg(texts);
    write_new_file(*out, svg);
    std::printf("plot: %zu formats, decimal accuracy vs log2|x|, written to %s\n", texts.size(), out->c_str());
  });
}

}  // namespace lpsim::cli
