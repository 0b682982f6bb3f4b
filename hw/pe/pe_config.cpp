// PeConfig validation and the enum names used in configs and reports.
#include "hw/pe/pe_config.hpp"

#include "hw/codec/lp_decoder.hpp"
#include "hw/common/config_error.hpp"
#include "hw/pe/lp_pe.hpp"

namespace lpsim::hw {

std::string to_string(PeType t) { return t == PeType::lp ? "lp" : "int"; }
std::string to_string(AccMode m) {
  return m == AccMode::exact ? "exact" : m == AccMode::narrow ? "narrow" : "float";
}
PeType pe_type_from_string(const std::string& s) {
  if (s == "lp") return PeType::lp;
  if (s == "int") return PeType::integer;
  throw ConfigError("pe.type '" + s + "' is not one of lp, int");
}
AccMode acc_mode_from_string(const std::string& s) {
  if (s == "exact") return AccMode::exact;
  if (s == "narrow") return AccMode::narrow;
  if (s == "float") return AccMode::small_float;
  throw ConfigError("pe.acc_mode '" + s + "' is not one of exact, narrow, float");
}

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
  if (type == PeType::lp && acc_mode != AccMode::narrow) {
    const int b = LpPeArith::exact_bits(*this);
    if (b > 127)
      bad("the exact accumulator for " + fmt::lp_name(act) + " x " + fmt::lp_name(wgt) +
          " with lin_frac_bits=" + std::to_string(lin_frac_bits) +
          " and max_k=" + std::to_string(max_k) + " needs " + std::to_string(b) +
          " bits > 127; use acc_mode=narrow or smaller es/rs/max_k");
  }
}

}  // namespace lpsim::hw
