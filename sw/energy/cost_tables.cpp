// Energy and area tables: published defaults, derivations (docs/energy.md), checks.
#include "sw/energy/cost_tables.hpp"

#include <cmath>
#include <stdexcept>

namespace lpsim::energy {
namespace {

const char* const kHorowitz = "Horowitz, Computing's energy problem, ISSCC 2014, 45 nm 0.9 V";

std::string fmt(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

}  // namespace

// ---------------------------------------------------------------- CostTable

bool CostTable::has(const std::string& key) const {
  for (const auto& e : m_entries)
    if (e.key == key) return true;
  return false;
}

const CostEntry& CostTable::entry(const std::string& key) const {
  for (const auto& e : m_entries)
    if (e.key == key) return e;
  throw std::out_of_range("cost table: unknown key '" + key + "'");
}

CostEntry& CostTable::mut(const std::string& key) {
  return const_cast<CostEntry&>(static_cast<const CostTable*>(this)->entry(key));
}

std::vector<std::string> CostTable::keys() const {
  std::vector<std::string> k;
  for (const auto& e : m_entries) k.push_back(e.key);
  return k;
}

void CostTable::check_value(const CostEntry& e, double v) const {
  if (!std::isfinite(v)) throw std::invalid_argument("value must be a finite number");
  if (v < 0) throw std::invalid_argument("value " + fmt(v) + " " + e.unit + " is negative");
}

void CostTable::set(const std::string& key, double value, const std::string& source) {
  CostEntry& e = mut(key);
  check_value(e, value);
  e.value = value;
  e.source = source;
  e.set_by_user = true;
  rederive();
}

void CostTable::add(std::string key, double value, std::string unit, std::string source,
                    bool derived) {
  m_entries.push_back(
      CostEntry{std::move(key), value, std::move(unit), std::move(source), derived, false});
}

void CostTable::set_derived(const std::string& key, double value) {
  CostEntry& e = mut(key);
  if (!e.set_by_user) e.value = value;
}

// ---------------------------------------------------------------- EnergyTable

EnergyTable::EnergyTable() {
  // Published 45 nm figures (Horowitz 2014, table "Energy per operation").
  add("int_add_8b", 0.03, "pJ", kHorowitz, false);
  add("int_add_32b", 0.1, "pJ", kHorowitz, false);
  add("int_mult_8b", 0.2, "pJ", kHorowitz, false);
  add("int_mult_32b", 3.1, "pJ", kHorowitz, false);
  add("fp16_add", 0.4, "pJ", kHorowitz, false);
  add("fp32_add", 0.9, "pJ", kHorowitz, false);
  add("fp16_mult", 1.1, "pJ", kHorowitz, false);
  add("fp32_mult", 3.7, "pJ", kHorowitz, false);
  add("sram_read_64b_8kb", 10.0, "pJ/64b", kHorowitz, false);
  add("sram_read_64b_32kb", 20.0, "pJ/64b", kHorowitz, false);
  add("sram_read_64b_1mb", 100.0, "pJ/64b", kHorowitz, false);
  add("dram_access_64b", 1950.0, "pJ/64b",
      std::string(kHorowitz) + ": DRAM 1.3-2.6 nJ per 64 bits, midpoint", false);
  // Building blocks derived from them.
  add("int_add_16b", 0, "pJ",
      "derived: int_add_8b + (int_add_32b - int_add_8b) * 8/24 (linear in width)", true);
  add("int_add_4b", 0, "pJ", "derived: int_add_8b * 4/8 (linear in width)", true);
  add("int_mult_4b", 0, "pJ", "derived: int_mult_8b * (4/8)^2 (array multiplier ~ n^2)", true);
  add("int_mult_2b", 0, "pJ", "derived: int_mult_8b * (2/8)^2 (array multiplier ~ n^2)", true);
  add("log2lin_converter", 0, "pJ",
      "derived: 4 * int_add_8b (256-entry 2^f truth table as gates, ~4 8-bit adders of logic)",
      true);
  add("align_shifter", 0, "pJ", "derived: int_add_32b (32-bit barrel shifter ~ one 32-bit add)",
      true);
  add("acc_add", 0, "pJ", "derived: int_add_32b (32-bit accumulator add)", true);
  add("pe_reg_write_byte", 0, "pJ", "derived: int_add_8b (8 flip-flops ~ one 8-bit adder)", true);
  add("leakage_pe_cycle", 0, "pJ",
      "derived: 0.1 * (int_mult_8b + int_add_32b) (assumed 10% of an INT8 MAC per PE-cycle)", true);
  // Codec, MACs, PPU.
  add("decoder_word", 0, "pJ",
      "derived: 2 * int_add_8b (two's complement, LZC) + 2 * int_add_16b (regime shift, ulfx)",
      true);
  add("encoder_word", 0, "pJ",
      "derived: int_add_32b (LOD) + align_shifter + log2lin_converter (lin->log table) + "
      "int_add_16b (regime, rounding) + int_add_8b (two's complement)",
      true);
  add("mac_lp8", 0, "pJ",
      "derived: (2*int_add_16b + log2lin_converter + int_add_8b + align_shifter + acc_add) / 1",
      true);
  add("mac_lp4", 0, "pJ",
      "derived: (2*int_add_16b + log2lin_converter + int_add_8b + 1*int_add_16b + align_shifter + "
      "acc_add) / 2",
      true);
  add("mac_lp2", 0, "pJ",
      "derived: (2*int_add_16b + log2lin_converter + int_add_8b + 3*int_add_16b + align_shifter + "
      "acc_add) / 4",
      true);
  add("mac_int8", 0, "pJ", "derived: int_mult_8b + acc_add", true);
  add("mac_int4", 0, "pJ", "derived: (2*int_mult_4b + int_add_8b + acc_add) / 2", true);
  add("mac_int2", 0, "pJ", "derived: (4*int_mult_2b + 3*int_add_4b + acc_add) / 4", true);
  // Baseline PE types (docs/energy.md, "Baseline PE types"): per word-cycle, lanes x (exponent
  // add of e bits + significand multiply of s bits, an array multiplier ~ s^2) + (lanes - 1)
  // lane-sum adds of 16 bits + one align shift + one accumulate; per lane MAC: / lanes.
  add("mac_posit8", 0, "pJ",
      "derived: float MAC e=5, s=6 (posit<8,1>: regime+es scale, 1+5 significand bits), 1 lane", true);
  add("mac_posit4", 0, "pJ", "derived: float MAC e=3, s=2 (posit<4,1>), 2 lanes", true);
  add("mac_posit2", 0, "pJ", "derived: float MAC e=2, s=1 (posit<2,0>: +-1 and 0), 4 lanes", true);
  add("mac_af8", 0, "pJ", "derived: float MAC e=3, s=5 (AdaptivFloat<8,3>: 1+4 significand bits), 1 lane", true);
  add("mac_af4", 0, "pJ", "derived: float MAC e=2, s=2 (AdaptivFloat<4,2>), 2 lanes", true);
  add("mac_fp8", 0, "pJ",
      "derived: float MAC e=5, s=4 (covers E4M3's 1+3 and E5M2's 5 exponent bits), 1 lane", true);
  add("mac_ant8", 0, "pJ",
      "derived: (int_mult_8b + int_add_4b (flint exponent) + align_shifter + acc_add) / 1 (ANT: int "
      "multiplier plus shifter)",
      true);
  add("mac_ant4", 0, "pJ",
      "derived: (2*(int_mult_4b + int_add_4b) + int_add_16b + align_shifter + acc_add) / 2", true);
  add("mac_fp16", 0, "pJ", "derived: fp16_mult + fp16_add", true);
  add("mac_fp32", 0, "pJ", "derived: fp32_mult + fp32_add", true);
  add("ppu_add", 0, "pJ", "derived: fp32_add", true);
  add("ppu_mult", 0, "pJ", "derived: fp32_mult", true);
  add("ppu_activation", 0, "pJ", "derived: int_add_32b (compare + mux)", true);
  add("ppu_encode", 0, "pJ", "derived: encoder_word", true);
  rederive();
}

double EnergyTable::int_add_pj(unsigned bits) const {
  const double a8 = value("int_add_8b"), a32 = value("int_add_32b");
  if (bits <= 8) return a8 * bits / 8.0;
  if (bits <= 32) return a8 + (a32 - a8) * (bits - 8) / 24.0;
  return a32 * bits / 32.0;
}

// Per word-cycle an LP PE adds the decoder outputs in the log domain (regime and ulfx adders of
// 4-bit slices, 16 bits each, shared by all lanes), converts log -> linear (slices of one
// converter), takes the two's complement of the 8-bit linear result, sums the lanes exactly
// (lanes - 1 adds), aligns once and accumulates once. Per lane MAC: divide by lanes.
double EnergyTable::derive_lp_mac_pj(unsigned mode) const {
  if (mode != 8 && mode != 4 && mode != 2)
    throw std::invalid_argument("energy: LP MODE must be 8, 4 or 2, got " + std::to_string(mode));
  const unsigned lanes = 8 / mode;
  const double a16 = value("int_add_16b");
  const double word = 2 * a16 + value("log2lin_converter") + value("int_add_8b") +
                      (lanes - 1) * a16 + value("align_shifter") + value("acc_add");
  return word / lanes;
}

// BitFusion-like INT PE: lanes n-bit multipliers, (lanes - 1) adds of 2n bits, one accumulate.
double EnergyTable::derive_int_mac_pj(unsigned mode) const {
  const double acc = value("acc_add");
  switch (mode) {
    case 8:
      return value("int_mult_8b") + acc;
    case 4:
      return (2 * value("int_mult_4b") + value("int_add_8b") + acc) / 2;
    case 2:
      return (4 * value("int_mult_2b") + 3 * value("int_add_4b") + acc) / 4;
    default:
      throw std::invalid_argument("energy: INT MODE must be 8, 4 or 2, got " +
                                  std::to_string(mode));
  }
}

// A float-like baseline PE (posit, AdaptivFloat, FP8): per word-cycle, lanes x (exponent add
// of exp_bits + significand multiply of sig_bits, ~ sig_bits^2 of an 8-bit multiplier) +
// (lanes - 1) 16-bit lane-sum adds + one align shift + one accumulate; per lane MAC.
double EnergyTable::derive_float_mac_pj(unsigned exp_bits, unsigned sig_bits, unsigned mode) const {
  if (mode != 8 && mode != 4 && mode != 2)
    throw std::invalid_argument("energy: MODE must be 8, 4 or 2, got " + std::to_string(mode));
  const unsigned lanes = 8 / mode;
  const double mult = value("int_mult_8b") * (sig_bits / 8.0) * (sig_bits / 8.0);
  const double word = lanes * (int_add_pj(exp_bits) + mult) + (lanes - 1) * value("int_add_16b") +
                      value("align_shifter") + value("acc_add");
  return word / lanes;
}

void EnergyTable::rederive() {
  // Order matters: every formula reads entries set above it.
  const double a8 = value("int_add_8b"), a32 = value("int_add_32b");
  const double m8 = value("int_mult_8b");
  set_derived("int_add_16b", a8 + (a32 - a8) * 8.0 / 24.0);
  set_derived("int_add_4b", a8 * 4.0 / 8.0);
  set_derived("int_mult_4b", m8 * (4.0 / 8.0) * (4.0 / 8.0));
  set_derived("int_mult_2b", m8 * (2.0 / 8.0) * (2.0 / 8.0));
  set_derived("log2lin_converter", 4 * a8);
  set_derived("align_shifter", a32);
  set_derived("acc_add", a32);
  set_derived("pe_reg_write_byte", a8);
  set_derived("leakage_pe_cycle", 0.1 * (m8 + a32));
  const double a16 = value("int_add_16b");
  set_derived("decoder_word", 2 * a8 + 2 * a16);
  set_derived("encoder_word", a32 + value("align_shifter") + value("log2lin_converter") + a16 + a8);
  set_derived("mac_lp8", derive_lp_mac_pj(8));
  set_derived("mac_lp4", derive_lp_mac_pj(4));
  set_derived("mac_lp2", derive_lp_mac_pj(2));
  set_derived("mac_int8", derive_int_mac_pj(8));
  set_derived("mac_int4", derive_int_mac_pj(4));
  set_derived("mac_int2", derive_int_mac_pj(2));
  set_derived("mac_posit8", derive_float_mac_pj(5, 6, 8));
  set_derived("mac_posit4", derive_float_mac_pj(3, 2, 4));
  set_derived("mac_posit2", derive_float_mac_pj(2, 1, 2));
  set_derived("mac_af8", derive_float_mac_pj(3, 5, 8));
  set_derived("mac_af4", derive_float_mac_pj(2, 2, 4));
  set_derived("mac_fp8", derive_float_mac_pj(5, 4, 8));
  set_derived("mac_ant8", m8 + value("int_add_4b") + value("align_shifter") + value("acc_add"));
  set_derived("mac_ant4", (2 * (value("int_mult_4b") + value("int_add_4b")) + a16 +
                           value("align_shifter") + value("acc_add")) / 2);
  set_derived("mac_fp16", value("fp16_mult") + value("fp16_add"));
  set_derived("mac_fp32", value("fp32_mult") + value("fp32_add"));
  set_derived("ppu_add", value("fp32_add"));
  set_derived("ppu_mult", value("fp32_mult"));
  set_derived("ppu_activation", a32);
  set_derived("ppu_encode", value("encoder_word"));
}

double EnergyTable::mac_pj(MacKind k) const {
  return value(std::string("mac_") + mac_kind_name(k));
}

void EnergyTable::check_consistency() const {
  const double e8 = value("sram_read_64b_8kb"), e32 = value("sram_read_64b_32kb"),
               e1m = value("sram_read_64b_1mb");
  if (!(e8 > 0 && e8 < e32 && e32 < e1m))
    throw std::invalid_argument(
        "SRAM energies must be positive and grow with size: sram_read_64b_8kb (" + fmt(e8) +
        ") < sram_read_64b_32kb (" + fmt(e32) + ") < sram_read_64b_1mb (" + fmt(e1m) + ")");
}

double EnergyTable::sram_pj_per_byte(std::uint64_t size_bytes) const {
  const double x[3] = {std::log(8192.0), std::log(32768.0), std::log(1048576.0)};
  const double y[3] = {std::log(value("sram_read_64b_8kb")), std::log(value("sram_read_64b_32kb")),
                       std::log(value("sram_read_64b_1mb"))};
  const double s = std::log(static_cast<double>(size_bytes < 1 ? 1 : size_bytes));
  const int seg = s <= x[1] ? 0 : 1;  // below 32 KB: first segment's slope, else the second's
  const double slope = (y[seg + 1] - y[seg]) / (x[seg + 1] - x[seg]);
  const double e64 = std::exp(y[seg] + slope * (s - x[seg]));
  return e64 / 8.0;
}

// ---------------------------------------------------------------- AreaTable

AreaTable::AreaTable() {
  const char* chart =
      "LPA, DAC 2024 (poster, compute area/throughput chart): %s; per PE = area/GOPS x 1 GOPS "
      "(one MAC/cycle x 2 ops x 500 MHz, MODE 8)";
  char b[400];
  std::snprintf(b, sizeof b, chart, "LPA 0.0121 mm2 at 203 GOPS");
  add("pe_lp", 0.0121e6 / 203.0, "um2", b, false);
  std::snprintf(b, sizeof b, chart, "BitFusion 0.0051 mm2 at 44 GOPS");
  add("pe_int", 0.0051e6 / 44.0, "um2", b, false);
  std::snprintf(b, sizeof b, chart, "AdaptivFloat 0.0234 mm2 at 64 GOPS");
  add("pe_fp", 0.0234e6 / 64.0, "um2", b, false);
  std::snprintf(b, sizeof b, chart, "ANT 0.0051 mm2 at 45 GOPS");
  add("pe_ant", 113.33, "um2", std::string(b) + " = 113.33 (rounded to 0.01 um2)", false);
  add("pe_adaptivfloat", 0, "um2", "derived: pe_fp (the AdaptivFloat chart point)", true);
  add("pe_posit", 0, "um2",
      "derived: pe_fp * 2.8 / 3.2 (LPA DAC 2024 PE-type ablation: AdaptivFloat-8 2.8 and "
      "Posit-2/4/8 3.2 TOPS/mm2, same throughput per PE assumed)",
      true);
  add("pe_fp8", 0, "um2",
      "derived: pe_fp (assumption: an FP8 PE is an AdaptivFloat-8 PE without the bias register)",
      true);
  add("sram_bitcell", 0.346, "um2", "Mistry et al., IEDM 2007: Intel 45 nm 6T SRAM cell 0.346 um2",
      false);
  add("sram_array_efficiency", 0.5, "fraction",
      "assumption: cell area / macro area of small (8-256 KB) SRAM macros, CACTI-like", false);
  add("sram_um2_per_kb", 0, "um2", "derived: 8192 * sram_bitcell / sram_array_efficiency", true);
  rederive();
}

void AreaTable::rederive() {
  set_derived("sram_um2_per_kb", 8192.0 * value("sram_bitcell") / value("sram_array_efficiency"));
  set_derived("pe_adaptivfloat", value("pe_fp"));
  set_derived("pe_posit", value("pe_fp") * 2.8 / 3.2);
  set_derived("pe_fp8", value("pe_fp"));
}

void AreaTable::check_value(const CostEntry& e, double v) const {
  if (!std::isfinite(v)) throw std::invalid_argument("value must be a finite number");
  if (v <= 0) throw std::invalid_argument("value " + fmt(v) + " " + e.unit + " must be > 0");
  if (e.unit == "fraction" && v > 1)
    throw std::invalid_argument("value " + fmt(v) + " must be a fraction in (0, 1]");
}

double AreaTable::pe_um2(PeKind k) const {
  return value(std::string("pe_") + pe_kind_name(k));
}

double AreaTable::sram_mm2(std::uint64_t size_bytes) const {
  return static_cast<double>(size_bytes) / 1024.0 * value("sram_um2_per_kb") / 1e6;
}

}  // namespace lpsim::energy
