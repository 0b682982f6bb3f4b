// Cost-table YAML files (--energy FILE): strict schema walk with FILE:LINE errors, and the dump.
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sw/common/error.hpp"
#include "sw/energy/cost_tables.hpp"

namespace lpsim::energy {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

int line_of(const YAML::Node& n) {
  return n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
}

[[noreturn]] void fail(const std::string& file, const YAML::Node& n, const std::string& key,
                       const std::string& what) {
  throw file_error(file, line_of(n), key.empty() ? what : key + ": " + what);
}

double parse_number(const std::string& file, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) fail(file, n, key, "expected a number");
  const std::string& s = n.Scalar();
  double v = 0;
  std::size_t used = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size()) fail(file, n, key, "expected a number, got '" + s + "'");
  return v;
}

void load_section(const std::string& file, const YAML::Node& sec, const std::string& name,
                  CostTable& table) {
  if (sec.IsNull()) return;  // "energy:" with nothing under it
  if (!sec.IsMap())
    fail(file, sec, name, "expected a mapping of entry names (" + join(table.keys()) + ")");
  std::set<std::string> seen;
  for (const auto& kv : sec) {
    const std::string k = kv.first.Scalar();
    const std::string full = name + "." + k;
    if (!table.has(k))
      fail(file, kv.first, full, "unknown key (expected one of " + join(table.keys()) + ")");
    if (!seen.insert(k).second) fail(file, kv.first, full, "duplicate key");
    const YAML::Node& v = kv.second;
    double value = 0;
    std::string source = "file " + file;
    if (v.IsMap()) {
      bool have_value = false;
      std::set<std::string> seen_fields;
      for (const auto& f : v) {
        const std::string fk = f.first.Scalar();
        if (!seen_fields.insert(fk).second) fail(file, f.first, full + "." + fk, "duplicate key");
        if (fk == "value") {
          value = parse_number(file, f.second, full + ".value");
          have_value = true;
        } else if (fk == "source") {
          if (!f.second.IsScalar()) fail(file, f.second, full + ".source", "expected text");
          source = f.second.Scalar();
        } else {
          fail(file, f.first, full + "." + fk, "unknown key (expected value, source)");
        }
      }
      if (!have_value) fail(file, v, full, "missing 'value'");
    } else {
      value = parse_number(file, v, full);
    }
    try {
      table.set(k, value, source);
    } catch (const std::invalid_argument& e) {
      fail(file, v, full, e.what());
    }
  }
}

}  // namespace

CostTables parse_cost_tables(const std::string& yaml_text, const std::string& file_name) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw file_error(file_name, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                     "YAML syntax error: " + e.msg);
  }
  CostTables t;
  if (root.IsNull()) return t;  // empty file: all defaults
  if (!root.IsMap()) fail(file_name, root, "", "expected a mapping with 'energy' and/or 'area'");
  std::set<std::string> seen;
  YAML::Node energy_node, area_node;
  for (const auto& kv : root) {
    const std::string k = kv.first.Scalar();
    if (k != "energy" && k != "area")
      fail(file_name, kv.first, k, "unknown key (expected energy, area)");
    if (!seen.insert(k).second) fail(file_name, kv.first, k, "duplicate key");
    if (k == "energy") load_section(file_name, kv.second, "energy", t.energy);
    if (k == "area") load_section(file_name, kv.second, "area", t.area);
    if (k == "energy") energy_node = kv.second;
  }
  try {
    t.energy.check_consistency();
  } catch (const std::invalid_argument& e) {
    throw file_error(file_name, energy_node ? line_of(energy_node) : 0,
                     std::string("energy: ") + e.what());
  }
  return t;
}

CostTables load_cost_tables(const std::string& path) {
  // A directory opens as an empty stream and a fifo would block: only regular files.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw file_error(path, 0, std::filesystem::exists(path, ec) ? "not a regular file (an energy table file is YAML)"
                                                                  : "cannot open energy table file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path, 0, "cannot open energy table file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw file_error(path, 0, "cannot read energy table file");
  return parse_cost_tables(ss.str(), path);
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
