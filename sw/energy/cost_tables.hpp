// Energy (pJ per action) and area (µm²) tables: published defaults, derived entries, YAML files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sw/energy/action_counts.hpp"

namespace lpsim::energy {

// One table entry. `derived` entries are computed from other entries (docs/energy.md) and
// follow them when a file changes those, unless the file sets the derived entry itself.
struct CostEntry {
  std::string key;           // e.g. "int_add_8b", "mac_lp8", "pe_lp"
  double value = 0.0;        // in `unit`
  std::string unit;          // "pJ", "pJ/64b", "um2", "fraction"
  std::string source;        // citation or derivation formula
  bool derived = false;      // computed from other entries
  bool set_by_user = false;  // overridden by a file or set(): never re-derived
};

// Shared machinery of the two tables: ordered entries, lookup, override, re-derivation.
class CostTable {
 public:
  virtual ~CostTable() = default;

  const std::vector<CostEntry>& entries() const { return m_entries; }
  bool has(const std::string& key) const;
  const CostEntry& entry(const std::string& key) const;  // std::out_of_range if unknown
  double value(const std::string& key) const { return entry(key).value; }
  // Overrides an entry (marks it set_by_user) and re-derives the entries that depend on it.
  // std::out_of_range for an unknown key, std::invalid_argument for a bad value.
  void set(const std::string& key, double value, const std::string& source = "user");
  std::vector<std::string> keys() const;

 protected:
  void add(std::string key, double value, std::string unit, std::string source, bool derived);
  void set_derived(const std::string& key, double value);  // no-op when set_by_user
  CostEntry& mut(const std::string& key);
  virtual void rederive() = 0;
  virtual void check_value(const CostEntry& e, double v) const;  // throws std::invalid_argument

  std::vector<CostEntry> m_entries;
};

// Energy per action in pJ. Defaults: Horowitz, "Computing's energy problem (and what we can do
// about it)", ISSCC 2014, 45 nm, 0.9 V; everything else is derived from those (docs/energy.md).
class EnergyTable : public CostTable {
 public:
  EnergyTable();  // the defaults

  // pJ of one lane MAC of kind k (entry "mac_<kind>").
  double mac_pj(MacKind k) const;
  // pJ per byte read or written in an SRAM of `size_bytes`: the 64-bit access energy
  // interpolated log-log between the 8 KB, 32 KB and 1 MB points (extrapolated with the end
  // segments' slopes outside them), divided by 8. Strictly increasing in size. Writes cost as
  // much as reads (Horowitz gives reads only).
  double sram_pj_per_byte(std::uint64_t size_bytes) const;
  double dram_pj_per_byte() const { return value("dram_access_64b") / 8.0; }

  // Integer add of `bits` bits: linear between the published 8- and 32-bit points,
  // proportional below 8 bits and above 32 bits.
  double int_add_pj(unsigned bits) const;

  // The LP MAC derivation (docs/energy.md) from this table's building blocks: pJ per lane MAC
  // for MODE `mode` (8, 4, 2). Equals mac_pj(lpN) unless the user set mac_lpN directly.
  double derive_lp_mac_pj(unsigned mode) const;
  double derive_int_mac_pj(unsigned mode) const;
  // Baseline float-like PEs (posit, AdaptivFloat, FP8), docs/energy.md.
  double derive_float_mac_pj(unsigned exp_bits, unsigned sig_bits, unsigned mode) const;

  // SRAM points must grow with size: std::invalid_argument naming the keys otherwise.
  void check_consistency() const;

 protected:
  void rederive() override;
};

// Area per PE (µm², one PE of the given family) and SRAM area (µm² per KB).
class AreaTable : public CostTable {
 public:
  AreaTable();  // the defaults

  double pe_um2(PeKind k) const;                    // entry "pe_<kind>"
  double sram_mm2(std::uint64_t size_bytes) const;  // size/1024 * sram_um2_per_kb / 1e6

 protected:
  void rederive() override;
  void check_value(const CostEntry& e, double v) const override;  // > 0; fraction in (0, 1]
};

struct CostTables {
  EnergyTable energy;
  AreaTable area;
};

// Parses a cost-table YAML file (docs/energy.md):
//   energy: { <key>: <number> | {value: <number>, source: <text>}, ... }
//   area:   { ... same ... }
// Both sections are optional; keys not given keep their defaults. Bad input throws
// lpsim::UserError "FILE:LINE: energy.<key>: <what>" (unknown section/key/field, not a number,
// negative, non-finite, duplicate key, YAML syntax, SRAM points not increasing).
CostTables parse_cost_tables(const std::string& yaml_text, const std::string& file_name);
// Reads FILE (the --energy option); an unreadable file is a UserError too.
CostTables load_cost_tables(const std::string& path);
// The effective tables as a YAML file that parse_cost_tables accepts (every entry, with source).
std::string to_yaml(const CostTables& t);

}  // namespace lpsim::energy
