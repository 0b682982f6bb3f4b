// Cost-table YAML files (--energy FILE): strict schema walk with FILE:LINE errors, and the dump.
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sw/common/error.hpp"
#include "sw/common/yaml_schema.hpp"
#include "sw/energy/cost_tables.hpp"

namespace lpsim::energy {
namespace {

void load_section(const YamlSchema& r, const YAML::Node& sec, const std::string& name, CostTable& table) {
  const std::string& file = r.file();
  if (sec.IsNull()) return;  // "energy:" with nothing under it
  if (!sec.IsMap())
    r.fail(sec, name, "expected a mapping of entry names (" + join(table.keys()) + ")");
  std::set<std::string> seen;
  for (const auto& kv : sec) {
    const std::string k = kv.first.Scalar();
    const std::string full = name + "." + k;
    if (!table.has(k))
      r.fail(kv.first, full, "unknown key (expected one of " + join(table.keys()) + ")");
    if (!seen.insert(k).second) r.fail(kv.first, full, "duplicate key");
    const YAML::Node& v = kv.second;
    double value = 0;
    std::string source = "file " + file;
    if (v.IsMap()) {
      bool have_value = false;
      std::set<std::string> seen_fields;
      for (const auto& f : v) {
        const std::string fk = f.first.Scalar();
        if (!seen_fields.insert(fk).second) r.fail(f.first, full + "." + fk, "duplicate key");
        if (fk == "value") {
          value = r.number(f.second, full + ".value");
          have_value = true;
        } else if (fk == "source") {
          if (!f.second.IsScalar()) r.fail(f.second, full + ".source", "expected text");
          source = f.second.Scalar();
        } else {
          r.fail(f.first, full + "." + fk, "unknown key (expected value, source)");
        }
      }
      if (!have_value) r.fail(v, full, "missing 'value'");
    } else {
      value = r.number(v, full);
    }
    try {
      table.set(k, value, source);
    } catch (const std::invalid_argument& e) {
      r.fail(v, full, e.what());
    }
  }
}

}  // namespace

namespace {

CostTables tables_from(const YamlSchema& r, const YAML::Node& root) {
  CostTables t;
  if (root.IsNull()) return t;  // empty file: all defaults
  if (!root.IsMap()) r.fail(root, "", "expected a mapping with 'energy' and/or 'area'");
  std::set<std::string> seen;
  for (const auto& kv : root) {
    const std::string k = kv.first.Scalar();
    if (k != "energy" && k != "area") r.fail(kv.first, k, "unknown key (expected energy, area)");
    if (!seen.insert(k).second) r.fail(kv.first, k, "duplicate key");
    if (k == "energy")
      load_section(r, kv.second, k, t.energy);
    else
      load_section(r, kv.second, k, t.area);
  }
  try {
    t.energy.check_consistency();
  } catch (const std::invalid_argument& e) {
    r.fail(root["energy"], "energy", e.what());
  }
  return t;
}

}  // namespace

CostTables parse_cost_tables(const std::string& yaml_text, const std::string& file_name) {
  return tables_from(YamlSchema(file_name), parse_yaml(yaml_text, file_name));
}

CostTables load_cost_tables(const std::string& path) {
  return tables_from(YamlSchema(path), load_yaml_file(path, "energy table file"));
}

namespace {
// A YAML double-quoted scalar that reads back as `s`: control characters are escaped too (a
// raw line break inside the quotes would be folded into a space when the dump is read back).
std::string quote(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else if (u < 0x20 || u == 0x7f) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", u);
      q += esc;
    } else {
      q += c;
    }
  }
  return q + "\"";
}

void dump_section(std::ostringstream& os, const char* name, const char* unit_note,
                  const CostTable& t) {
  os << name << ":  # " << unit_note << "\n";
  for (const auto& e : t.entries()) {
    char v[64];
    std::snprintf(v, sizeof v, "%.9g", e.value);
    os << "  " << e.key << ": {value: " << v << ", source: " << quote(e.source) << "}"
       << "  # " << e.unit << (e.derived && !e.set_by_user ? ", derived" : "") << "\n";
  }
}
}  // namespace

std::string to_yaml(const CostTables& t) {
  std::ostringstream os;
  os << "# lpsim cost tables (docs/energy.md). Load with --energy FILE.\n";
  dump_section(os, "energy", "pJ per action (pJ/64b for memories)", t.energy);
  dump_section(os, "area", "um2 per PE / per SRAM bit cell", t.area);
  return os.str();
}

}  // namespace lpsim::energy
