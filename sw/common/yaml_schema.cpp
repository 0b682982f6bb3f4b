// The strict YAML schema reader (see yaml_schema.hpp).
#include "sw/common/yaml_schema.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sw/common/error.hpp"

namespace lpsim {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

YAML::Node parse_yaml(const std::string& text, const std::string& file) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw file_error(file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "YAML syntax error: " + e.msg);
  }
}

YAML::Node load_yaml_file(const std::string& path, const std::string& what) {
  // A directory opens as an empty stream and a fifo would block: only regular files.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw file_error(path, 0,
                     std::filesystem::exists(path, ec)
                         ? "cannot open " + what + " (not a regular file)"
                         : "cannot open " + what);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path, 0, "cannot open " + what);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw file_error(path, 0, "cannot read " + what);
  return parse_yaml(ss.str(), path);
}

std::string YamlSchema::at(const YAML::Node& n, const std::string& key) const {
  for (std::string k = key;; k = k.substr(0, k.rfind('.'))) {
    auto it = m_set.find(k);
    if (it != m_set.end()) return it->second;
    if (k.find('.') == std::string::npos) break;
  }
  const int line = n.IsDefined() ? n.Mark().line : -1;
  return line >= 0 ? m_file + ":" + std::to_string(line + 1) : m_file;
}

void YamlSchema::fail(const YAML::Node& n, const std::string& key, const std::string& what) const {
  throw UserError(at(n, key) + ": " + (key.empty() ? what : key + ": " + what));
}

std::string YamlSchema::dotted(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

void YamlSchema::check_keys(const YAML::Node& map, const std::string& path,
                            const std::vector<std::string>& allowed) const {
  if (!map.IsMap()) fail(map, path, "expected a mapping of " + join(allowed));
  std::set<std::string> seen;
  for (const auto& kv : map) {
    const std::string k = kv.first.Scalar();
    const std::string full = dotted(path, k);
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      fail(kv.first, full, "unknown key (expected one of " + join(allowed) + ")");
    if (!seen.insert(k).second) fail(kv.first, full, "duplicate key");
  }
}

long long YamlSchema::get_int(const YAML::Node& parent, const std::string& path, const char* key,
                              long long lo, long long hi, long long def) const {
  const YAML::Node n = parent[key];
  if (!n) return def;
  const std::string full = dotted(path, key);
  long long v = 0;
  if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v))
    fail(n, full, "expected an integer, got '" + text(n) + "'");
  if (v < lo || v > hi)
    fail(n, full,
         "value " + std::to_string(v) + " is out of range " + std::to_string(lo) + ".." +
             std::to_string(hi));
  return v;
}

double YamlSchema::get_double(const YAML::Node& parent, const std::string& path, const char* key,
                              double lo, double hi, double def) const {
  const YAML::Node n = parent[key];
  if (!n) return def;
  const std::string full = dotted(path, key);
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v))
    fail(n, full, "expected a number, got '" + text(n) + "'");
  if (v < lo || v > hi) {
    std::ostringstream s;
    s << "value " << v << " is out of range " << lo << ".." << hi;
    fail(n, full, s.str());
  }
  return v;
}

std::string YamlSchema::get_string(const YAML::Node& parent, const std::string& path,
                                   const char* key, const std::vector<std::string>& choices,
                                   const std::string& def) const {
  const YAML::Node n = parent[key];
  if (!n) return def;
  const std::string full = dotted(path, key);
  if (!n.IsScalar() || n.Scalar().empty()) fail(n, full, "expected a string");
  const std::string v = n.Scalar();
  if (!choices.empty() && std::find(choices.begin(), choices.end(), v) == choices.end())
    fail(n, full, "'" + v + "' is not one of " + join(choices));
  return v;
}

double YamlSchema::number(const YAML::Node& n, const std::string& key) const {
  if (!n.IsScalar()) fail(n, key, "expected a number");
  const std::string& s = n.Scalar();
  double v = 0;
  std::size_t used = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size()) fail(n, key, "expected a number, got '" + s + "'");
  return v;
}

std::string YamlSchema::text(const YAML::Node& n) {
  if (n.IsScalar()) return n.Scalar();
  if (n.IsNull()) return "null";
  if (n.IsSequence()) return "a sequence";
  if (n.IsMap()) return "a mapping";
  return "?";
}

}  // namespace lpsim
