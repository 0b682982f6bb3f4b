// Strict parser for SCALE-Sim v2 .cfg files (configparser syntax, every key checked).
#include "sim/scalesim/scalesim_config.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <map>

#include "sw/common/error.hpp"
#include "sw/common/text.hpp"

namespace lpsim::scalesim {

const char* to_string(Dataflow df) {
  switch (df) {
    case Dataflow::os:
      return "os";
    case Dataflow::ws:
      return "ws";
    case Dataflow::is:
      return "is";
  }
  return "?";
}

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Entry {
  std::string value;
  int line = 0;
};

// The schema: section -> canonical key names (matched case-insensitively, like configparser).
const std::map<std::string, std::vector<std::string>>& schema() {
  static const std::map<std::string, std::vector<std::string>> s = {
      {"general", {"run_name"}},
      {"architecture_presets",
       {"ArrayHeight", "ArrayWidth", "IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB",
        "IfmapOffset", "FilterOffset", "OfmapOffset", "Bandwidth", "Dataflow", "MemoryBanks"}},
      {"run_presets", {"InterfaceBandwidth"}},
  };
  return s;
}

std::int64_t parse_int(const std::string& path, int line, const std::string& key,
                       const std::string& v, std::int64_t min) {
  std::size_t i = (!v.empty() && (v[0] == '+' || v[0] == '-')) ? 1 : 0;
  if (v.empty() || i == v.size() ||
      !std::all_of(v.begin() + static_cast<std::ptrdiff_t>(i), v.end(),
                   [](char c) { return c >= '0' && c <= '9'; }))
    throw file_error(path, line, key + " = '" + v + "' is not an integer");
  if (v.size() - i > 12) throw file_error(path, line, key + " = " + v + " is too large");
  const std::int64_t x = std::stoll(v);
  if (x < min)
    throw file_error(path, line,
                     key + " = " + v + (min == 0 ? " must not be negative" : " must be positive"));
  return x;
}

}  // namespace

ScaleSimConfig read_config(const std::string& path) {
  std::ifstream in = open_text_file(path, "config file");

  // section -> lower-case key -> entry
  std::map<std::string, std::map<std::string, Entry>> data;
  std::map<std::string, int> section_line;
  std::string section;
  std::string raw;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      if (line.back() != ']')
        throw file_error(path, line_no, "malformed section header '" + line + "'");
      section = line.substr(1, line.size() - 2);
      if (!schema().count(section))
        throw file_error(path, line_no,
                         "unknown section [" + section +
                             "] (expected [general], [architecture_presets], [run_presets])");
      if (section_line.count(section))
        throw file_error(path, line_no, "duplicate section [" + section + "]");
      section_line[section] = line_no;
      data[section];
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(raw[0])))
      throw file_error(path, line_no, "indented continuation lines are not supported");
    const auto pos = line.find_first_of("=:");
    if (pos == std::string::npos)
      throw file_error(path, line_no, "expected 'key = value' or 'key: value', got '" + line + "'");
    if (section.empty()) throw file_error(path, line_no, "key outside any [section]");
    const std::string key = trim(line.substr(0, pos));
    const std::string value = trim(line.substr(pos + 1));
    if (key.empty()) throw file_error(path, line_no, "empty key");
    const auto& keys = schema().at(section);
    if (std::none_of(keys.begin(), keys.end(),
                     [&](const std::string& k) { return lower(k) == lower(key); })) {
      std::string list;
      for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
      throw file_error(path, line_no,
                       "unknown key '" + key + "' in [" + section + "] (expected " + list + ")");
    }
    auto& sec = data[section];
    if (sec.count(lower(key)))
      throw file_error(path, line_no, "duplicate key '" + key + "' in [" + section + "]");
    sec[lower(key)] = Entry{value, line_no};
  }
  if (in.bad()) throw file_error(path, line_no, "read error");

  for (const auto& [sec, keys] : schema()) {
    if (!data.count(sec)) throw file_error(path, 0, "missing section [" + sec + "]");
    for (const auto& k : keys)
      if (!data[sec].count(lower(k)))
        throw file_error(path, section_line[sec], "missing key " + k + " in [" + sec + "]");
  }
  auto get = [&](const std::string& sec, const std::string& k) -> const Entry& {
    return data[sec][lower(k)];
  };
  ScaleSimConfig c;
  c.path = path;
  {
    const Entry& e = get("general", "run_name");
    c.run_name = e.value;
    if (c.run_name.empty()) throw file_error(path, e.line, "run_name is empty");
    if (c.run_name == "." || c.run_name == ".." ||
        c.run_name.find_first_of("/\\") != std::string::npos)
      throw file_error(path, e.line,
                       "run_name '" + c.run_name + "' cannot be used as a directory name");
  }
  const std::string ap = "architecture_presets";
  auto num = [&](const std::string& k, std::int64_t min) {
    const Entry& e = get(ap, k);
    return parse_int(path, e.line, k, e.value, min);
  };
  c.array_height = num("ArrayHeight", 1);
  c.array_width = num("ArrayWidth", 1);
  c.ifmap_sram_kb = num("IfmapSramSzkB", 1);
  c.filter_sram_kb = num("FilterSramSzkB", 1);
  c.ofmap_sram_kb = num("OfmapSramSzkB", 1);
  c.ifmap_offset = num("IfmapOffset", 0);
  c.filter_offset = num("FilterOffset", 0);
  c.ofmap_offset = num("OfmapOffset", 0);
  c.memory_banks = num("MemoryBanks", 1);
  if (c.array_height > 65536 || c.array_width > 65536) {
    const Entry& e = get(ap, c.array_height > 65536 ? "ArrayHeight" : "ArrayWidth");
    throw file_error(path, e.line, "array dimension larger than 65536 is not supported");
  }
  {
    const Entry& e = get(ap, "Bandwidth");
    std::string item;
    std::string v = e.value + ",";
    for (char ch : v) {
      if (ch == ',') {
        c.bandwidth.push_back(parse_int(path, e.line, "Bandwidth", trim(item), 1));
        item.clear();
      } else {
        item += ch;
      }
    }
  }
  {
    const Entry& e = get(ap, "Dataflow");
    if (e.value == "os")
      c.dataflow = Dataflow::os;
    else if (e.value == "ws")
      c.dataflow = Dataflow::ws;
    else if (e.value == "is")
      c.dataflow = Dataflow::is;
    else
      throw file_error(path, e.line, "Dataflow '" + e.value + "' is not one of os, ws, is");
  }
  {
    const Entry& e = get("run_presets", "InterfaceBandwidth");
    if (e.value == "CALC")
      c.user_bandwidth = false;
    else if (e.value == "USER")
      c.user_bandwidth = true;
    else
      throw file_error(path, e.line, "InterfaceBandwidth '" + e.value + "' is not CALC or USER");
  }
  return c;
}

}  // namespace lpsim::scalesim
