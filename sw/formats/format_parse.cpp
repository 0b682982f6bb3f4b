// Format-name parser (see format_parse.hpp for the accepted forms).
#include "format_parse.hpp"

#include <charconv>
#include <algorithm>
#include <cmath>
#include <vector>

#include "adaptivfloat_format.hpp"
#include "flint_format.hpp"
#include "fp8_format.hpp"
#include "int_format.hpp"
#include "lp_format.hpp"
#include "posit_format.hpp"

namespace lpsim::fmt {
namespace {

[[noreturn]] void fail(const std::string& text, const std::string& why) {
  throw FormatError("format '" + text + "': " + why);
}

// Splits "fam:a,b" or "fam<a,b>" into the family and its argument strings.
void split(const std::string& text, std::string& family, std::vector<std::string>& args) {
  std::size_t open = text.find_first_of(":<");
  family = text.substr(0, open);
  args.clear();
  if (open == std::string::npos) return;
  std::string body = text.substr(open + 1);
  if (text[open] == '<') {
    if (body.empty() || body.back() != '>') fail(text, "missing closing '>'");
    body.pop_back();
  }
  std::size_t start = 0;
  while (true) {
    std::size_t comma = body.find(',', start);
    args.push_back(body.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

int to_int(const std::string& text, const std::string& s, const char* what) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size())
    fail(text, std::string("parameter ") + what + "='" + s + "' is not an integer");
  return v;
}

double to_double(const std::string& text, const std::string& s, const char* what) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size())
    fail(text, std::string("parameter ") + what + "='" + s + "' is not a number");
  return v;
}

void want_args(const std::string& text, const std::vector<std::string>& a, std::size_t lo,
               std::size_t hi, const char* usage) {
  if (a.size() < lo || a.size() > hi) fail(text, std::string("expected ") + usage);
}

}  // namespace

FormatPtr select_ant_type(int n, const float* calib, std::size_t calib_count) {
  // Power-of-two scales (the PE folds them into its shifter), rounded up from the max fit so
  // that nothing saturates; the lower squared error on the tensor wins, int on a tie.
  auto pow2_up = [](double s) { return std::ldexp(1.0, static_cast<int>(std::ceil(std::log2(s)))); };
  if (!calib || calib_count == 0) return std::make_shared<IntFormat>(IntParams{n, 1.0});
  const auto in = std::make_shared<IntFormat>(IntParams{n, pow2_up(IntFormat::fit_scale(n, calib, calib_count))});
  const auto fl =
      std::make_shared<FlintFormat>(FlintParams{n, pow2_up(FlintFormat::fit_scale(n, calib, calib_count))});
  double e_int = 0, e_fl = 0;
  for (std::size_t i = 0; i < calib_count; ++i) {
    const double x = calib[i];
    if (!std::isfinite(x)) continue;
    const double di = in->decode(in->encode(x)) - x, df = fl->decode(fl->encode(x)) - x;
    e_int += di * di;
    e_fl += df * df;
  }
  if (e_fl < e_int) return fl;
  return in;
}

FormatPtr parse_format(const std::string& text, const float* calib, std::size_t calib_count) {
  std::string family;
  std::vector<std::string> a;
  split(text, family, a);
  try {
    if (family == "lp") {
      want_args(text, a, 4, 4, "lp:N,ES,RS,SF");
      return std::make_shared<LpFormat>(LpParams{to_int(text, a[0], "n"), to_int(text, a[1], "es"),
                                                 to_int(text, a[2], "rs"),
                                                 to_int(text, a[3], "sf")});
    }
    if (family == "posit") {
      want_args(text, a, 2, 2, "posit:N,ES");
      return std::make_shared<PositFormat>(
          PositParams{to_int(text, a[0], "n"), to_int(text, a[1], "es")});
    }
    if (family == "fp8" || family == "fp8_e4m3" || family == "fp8_e5m2") {
      std::string kind = family == "fp8" ? (a.size() == 1 ? a[0] : "") : family.substr(4);
      if (family != "fp8" && !a.empty()) fail(text, "takes no parameters");
      if (kind == "e4m3") return std::make_shared<Fp8Format>(Fp8Kind::E4M3);
      if (kind == "e5m2") return std::make_shared<Fp8Format>(Fp8Kind::E5M2);
      fail(text, "expected fp8:e4m3 or fp8:e5m2");
    }
    if (family == "int" ||
        (family.size() > 3 && family.rfind("int", 0) == 0 &&
         family.find_first_not_of("0123456789", 3) == std::string::npos)) {
      IntParams p;
      if (family.size() > 3) {  // "int8"
        if (!a.empty()) fail(text, "expected intN or int:N[,SCALE]");
        p.n = to_int(text, family.substr(3), "n");
      } else {
        want_args(text, a, 1, 2, "int:N[,SCALE] or int:N,channel");
        p.n = to_int(text, a[0], "n");
        // "channel": weights with one fitted scale per output channel (the compiler fits
        // them, sw/compiler/layer_code.hpp); as a single format, the per-tensor fit.
        if (a.size() == 2 && a[1] != "channel") p.scale = to_double(text, a[1], "scale");
      }
      p.validate();
      const bool fitted = a.size() < 2 || a[1] == "channel";
      if (fitted && calib) p.scale = IntFormat::fit_scale(p.n, calib, calib_count);
      return std::make_shared<IntFormat>(p);
    }
    // flint<N[,SCALE]> / flint:N[,SCALE] / flintN; ant:N / antN (ANT: int or flint per tensor).
    const bool flint_n = family.size() > 5 && family.rfind("flint", 0) == 0 &&
                         family.find_first_not_of("0123456789", 5) == std::string::npos;
    const bool ant_n = family.size() > 3 && family.rfind("ant", 0) == 0 &&
                       family.find_first_not_of("0123456789", 3) == std::string::npos;
    if (family == "flint" || flint_n) {
      FlintParams p;
      if (flint_n) {
        if (!a.empty()) fail(text, "expected flintN or flint:N[,SCALE]");
        p.n = to_int(text, family.substr(5), "n");
      } else {
        want_args(text, a, 1, 2, "flint:N[,SCALE]");
        p.n = to_int(text, a[0], "n");
        if (a.size() == 2) p.scale = to_double(text, a[1], "scale");
      }
      p.validate();
      if (a.size() < 2 && calib) p.scale = FlintFormat::fit_scale(p.n, calib, calib_count);
      return std::make_shared<FlintFormat>(p);
    }
    if (family == "ant" || ant_n) {
      int n = 0;
      if (ant_n) {
        if (!a.empty()) fail(text, "expected antN or ant:N");
        n = to_int(text, family.substr(3), "n");
      } else {
        want_args(text, a, 1, 1, "ant:N");
        n = to_int(text, a[0], "n");
      }
      if (n != 4 && n != 8) fail(text, "ANT's int/flint types are 4 or 8 bits (n=" + std::to_string(n) + ")");
      return select_ant_type(n, calib, calib_count);
    }
    if (family == "af") {
      want_args(text, a, 2, 3, "af:N,E[,EXPMIN]");
      AdaptivFloatParams p{to_int(text, a[0], "n"), to_int(text, a[1], "e"), 0};
      if (a.size() == 3) {
        p.exp_min = to_int(text, a[2], "exp_min");
      } else if (calib) {
        p.exp_min = AdaptivFloatFormat::fit_exp_min(p.e, calib, calib_count);
      } else {
        // IEEE-like bias, clamped to the legal exp_min range so a wide e is not rejected for a
        // parameter the user did not give.
        p.exp_min = std::max(-256, 1 - (1 << std::clamp(p.e - 1, 0, 14)));
      }
      return std::make_shared<AdaptivFloatFormat>(p);
    }
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    if (msg.rfind("format '", 0) == 0) throw;
    fail(text, msg);
  }
  fail(text, "unknown format family '" + family + "' (expected lp, posit, fp8, int, af, flint or ant)");
}

}  // namespace lpsim::fmt
