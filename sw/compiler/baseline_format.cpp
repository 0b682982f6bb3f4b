// Register view of the baseline PE types' formats (see baseline_format.hpp).
#include "sw/compiler/baseline_format.hpp"

#include <cmath>

#include "sw/common/error.hpp"
#include "sw/compiler/program.hpp"
#include "sw/formats/adaptivfloat_format.hpp"
#include "sw/formats/flint_format.hpp"
#include "sw/formats/format_parse.hpp"
#include "sw/formats/fp8_format.hpp"
#include "sw/formats/int_format.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/formats/posit_format.hpp"

namespace lpsim::compiler {
namespace {

bool is_ant_text(const std::string& text) {
  const std::string fam = text.substr(0, text.find_first_of(":<"));
  return fam.rfind("ant", 0) == 0;
}

// Narrow format values carried in codes of a wider one (same as layer_code's WidenedFormat).
class WidenedPosit final : public fmt::NumberFormat {
 public:
  WidenedPosit(fmt::FormatPtr narrow, fmt::FormatPtr wide)
      : m_narrow(std::move(narrow)), m_wide(std::move(wide)) {}
  std::string name() const override {
    return m_narrow->name() + "@" + std::to_string(m_wide->bits());
  }
  int bits() const override { return m_wide->bits(); }
  fmt::Code encode(double x) const override {
    return m_wide->encode(m_narrow->decode(m_narrow->encode(x)));
  }
  double decode(fmt::Code c) const override { return m_wide->decode(c); }
  bool is_nan_code(fmt::Code c) const override { return m_wide->is_nan_code(c); }
  fmt::Code negate(fmt::Code c) const override { return m_wide->negate(c); }
  bool twos_complement() const override { return true; }

 private:
  fmt::FormatPtr m_narrow, m_wide;
};

}  // namespace

std::string pe_of_format(const std::string& text) {
  const fmt::FormatPtr f = fmt::parse_format(is_auto_sf(text) ? with_sf(text, 0) : text);
  const fmt::NumberFormat* p = f.get();
  if (dynamic_cast<const fmt::LpFormat*>(p)) return "lp";
  if (dynamic_cast<const fmt::IntFormat*>(p)) return is_ant_text(text) ? "ant" : "int";
  if (dynamic_cast<const fmt::FlintFormat*>(p)) return "ant";
  if (dynamic_cast<const fmt::PositFormat*>(p)) return "posit";
  if (dynamic_cast<const fmt::AdaptivFloatFormat*>(p)) return "adaptivfloat";
  if (dynamic_cast<const fmt::Fp8Format*>(p)) return "fp8";
  return "";
}

bool baseline_hw_format(HwFormat& h) {
  const fmt::NumberFormat* p = h.format.get();
  auto pow2_sf = [&](double scale) {
    const double e = std::ceil(std::log2(scale));
    if (!std::isfinite(e) || e < -127 || e > 127)
      throw UserError("format '" + h.text +
                      "': the scale must lie in 2^-127 .. 2^127 (the PE's scale register)");
    return -static_cast<int>(e);
  };
  if (const auto* in = dynamic_cast<const fmt::IntFormat*>(p)) {
    if (!is_ant_text(h.text)) return false;
    const int n = in->params().n, sf = pow2_sf(in->params().scale);
    h.format = std::make_shared<fmt::IntFormat>(fmt::IntParams{n, std::ldexp(1.0, -sf)});
    h.op = hw::OperandFormat{hw::FormatFamily::ant_int, n, 0, 0, sf};
    return true;
  }
  if (const auto* fl = dynamic_cast<const fmt::FlintFormat*>(p)) {
    const int n = fl->params().n, sf = pow2_sf(fl->params().scale);
    h.format = std::make_shared<fmt::FlintFormat>(fmt::FlintParams{n, std::ldexp(1.0, -sf)});
    h.op = hw::OperandFormat{hw::FormatFamily::flint, n, 0, 0, sf};
    return true;
  }
  if (const auto* po = dynamic_cast<const fmt::PositFormat*>(p)) {
    h.op = hw::OperandFormat{hw::FormatFamily::posit, po->params().n, po->params().es, 0, 0};
    return true;
  }
  if (const auto* af = dynamic_cast<const fmt::AdaptivFloatFormat*>(p)) {
    const fmt::AdaptivFloatParams& q = af->params();
    if (q.exp_min < -128 || q.exp_min > 127)
      throw UserError("format '" + h.text + "': exp_min=" + std::to_string(q.exp_min) +
                      " is outside the PE's exponent-bias register (-128..127)");
    h.op = hw::OperandFormat{hw::FormatFamily::af, q.n, q.e, 0, q.exp_min};
    return true;
  }
  if (const auto* f8 = dynamic_cast<const fmt::Fp8Format*>(p)) {
    h.op = hw::OperandFormat{
        f8->kind() == fmt::Fp8Kind::E4M3 ? hw::FormatFamily::fp8_e4m3 : hw::FormatFamily::fp8_e5m2,
        8, 0, 0, 0};
    return true;
  }
  return false;
}

bool widen_baseline(HwFormat& h, int mode) {
  const hw::FormatFamily f = h.op.family;
  if (f == hw::FormatFamily::lp || f == hw::FormatFamily::int_) return false;
  if (f != hw::FormatFamily::posit)
    throw UserError("format '" + h.text + "' is " + std::to_string(h.op.n) +
                    " bits but its layer runs at MODE " + std::to_string(mode) +
                    " (the other operand is wider); only LP, INT and posit operands widen exactly: "
                    "give both operands the same width");
  h.format = std::make_shared<WidenedPosit>(
      h.format, std::make_shared<fmt::PositFormat>(fmt::PositParams{mode, h.op.es}));
  h.op.n = mode;
  return true;
}

}  // namespace lpsim::compiler
