// PeConfig validation and the enum names used in configs and reports.
#include "hw/pe/pe_config.hpp"

#include "hw/codec/lp_decoder.hpp"
#include "hw/common/config_error.hpp"
#include "hw/pe/lp_pe.hpp"
#include "hw/pe/scalar_pe.hpp"
#include "hw/pe/wide_acc.hpp"

namespace lpsim::hw {

std::string to_string(PeType t) {
  switch (t) {
    case PeType::lp: return "lp";
    case PeType::integer: return "int";
    case PeType::posit: return "posit";
    case PeType::adaptivfloat: return "adaptivfloat";
    case PeType::fp8: return "fp8";
    case PeType::ant: return "ant";
  }
  return "?";
}
std::string to_string(AccMode m) {
  return m == AccMode::exact ? "exact" : m == AccMode::narrow ? "narrow" : "float";
}
PeType pe_type_from_string(const std::string& s) {
  if (s == "lp") return PeType::lp;
  if (s == "int") return PeType::integer;
  for (PeType t : {PeType::posit, PeType::adaptivfloat, PeType::fp8, PeType::ant})
    if (s == to_string(t)) return t;
  throw ConfigError("pe.type '" + s + "' is not one of lp, int, posit, adaptivfloat, fp8, ant");
}
AccMode acc_mode_from_string(const std::string& s) {
  if (s == "exact") return AccMode::exact;
  if (s == "narrow") return AccMode::narrow;
  if (s == "float") return AccMode::small_float;
  throw ConfigError("pe.acc_mode '" + s + "' is not one of exact, narrow, float");
}

namespace {

// The baseline PE types (hw/pe/scalar_pe.hpp): which operand families each decodes, widths.
template <class Bad>
void validate_scalar(const PeConfig& c, const Bad& bad) {
  auto fam_ok = [&](const ScalarOperand& f) {
    switch (c.type) {
      case PeType::posit: return f.family == ScalarFamily::posit && f.es >= 0 && f.es <= 4;
      case PeType::adaptivfloat:
        return f.family == ScalarFamily::af && f.n >= 3 && f.es >= 1 && f.es <= f.n - 2 &&
               f.sf >= -256 && f.sf <= 256;
      case PeType::fp8: return f.family == ScalarFamily::fp8_e4m3 || f.family == ScalarFamily::fp8_e5m2;
      case PeType::ant:
        return (f.family == ScalarFamily::int_ || (f.family == ScalarFamily::flint && f.n >= 3)) &&
               f.sf >= -127 && f.sf <= 127;
      default: return false;
    }
  };
  for (const ScalarOperand* f : {&c.act_s, &c.wgt_s}) {
    const char* which = f == &c.act_s ? "act" : "wgt";
    if (!fam_ok(*f)) bad(std::string(which) + " format " + to_string(*f) + " is not decoded by the " + to_string(c.type) + " PE");
    if (f->n != c.mode)
      bad(std::string(which) + " format " + to_string(*f) + " does not match mode=" + std::to_string(c.mode));
  }
  if (c.acc_mode != AccMode::exact)
    bad("the " + to_string(c.type) + " PE has the exact accumulator only (acc_mode=" + to_string(c.acc_mode) + ")");
}

}  // namespace

void PeConfig::validate() const {
  auto bad = [](const std::string& what) { throw ConfigError("pe: " + what); };
  if (!valid_mode(mode)) bad("mode=" + std::to_string(mode) + " is not 8, 4 or 2");
  if (type == PeType::lp) {
    try {
      act.validate();
      wgt.validate();
    } catch (const fmt::FormatError& e) {
      bad(e.what());
    }
    if (act.n != mode) bad("act format " + fmt::lp_name(act) + " does not match mode=" + std::to_string(mode));
    if (wgt.n != mode) bad("wgt format " + fmt::lp_name(wgt) + " does not match mode=" + std::to_string(mode));
  }
  if (is_scalar_pe(type)) validate_scalar(*this, bad);
  if (lin_frac_bits < 1 || lin_frac_bits > 24)
    bad("lin_frac_bits=" + std::to_string(lin_frac_bits) + " is out of range 1..24");
  if (narrow_bits < 8 || narrow_bits > 64)
    bad("narrow_bits=" + std::to_string(narrow_bits) + " is out of range 8..64");
  if (narrow_frac_bits < -64 || narrow_frac_bits > 96)
    bad("narrow_frac_bits=" + std::to_string(narrow_frac_bits) + " is out of range -64..96");
  if (float_frac_bits < 1 || float_frac_bits > 32)
    bad("float_frac_bits=" + std::to_string(float_frac_bits) + " is out of range 1..32");
  if (float_exp_bits < 0 || float_exp_bits > 7)
    bad("float_exp_bits=" + std::to_string(float_exp_bits) + " is out of range 0..7 (0 = auto)");
  if (max_k < 1 || max_k > (std::int64_t{1} << 31))
    bad("max_k=" + std::to_string(max_k) + " is out of range 1..2^31");
  if (is_scalar_pe(type)) {
    const int b = ScalarPeArith::exact_bits(*this);
    if (b > kMaxExactBits)
      bad("the exact accumulator for " + to_string(act_s) + " x " + to_string(wgt_s) +
          " with max_k=" + std::to_string(max_k) + " needs " + std::to_string(b) + " bits > " +
          std::to_string(kMaxExactBits));
  }
  if (type == PeType::lp && acc_mode != AccMode::narrow) {
    // Exact: up to kMaxExactBits (wider than 127 bits: the wide path, docs/datapath.md "Exact
    // sizing"). small_float rounds on the same grid in an i128 word: 127 bits at most.
    const int b = LpPeArith::exact_bits(*this);
    const int limit = acc_mode == AccMode::exact ? kMaxExactBits : kI128Bits;
    if (b > limit)
      bad("the " + std::string(acc_mode == AccMode::exact ? "exact" : "small_float") +
          " accumulator for " + fmt::lp_name(act) + " x " + fmt::lp_name(wgt) +
          " with lin_frac_bits=" + std::to_string(lin_frac_bits) +
          " and max_k=" + std::to_string(max_k) + " needs " + std::to_string(b) + " bits > " +
          std::to_string(limit) +
          (acc_mode == AccMode::exact ? "; use acc_mode=narrow or smaller es/rs/max_k"
                                      : " (wider grids: the exact accumulator only)"));
  }
}

}  // namespace lpsim::hw
