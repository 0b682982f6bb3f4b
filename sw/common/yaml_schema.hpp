// The one strict YAML schema reader (workload files, energy/area cost files): loads a file
// with FILE:LINE syntax errors, walks mappings refusing unknown and duplicate keys, and reads
// typed scalars, every error "FILE:LINE: dotted.key: what" (or the --set that set the key).
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

namespace lpsim {

// Reads the whole file at `path` (a regular file) as YAML; `what` names the kind of file in
// errors ("workload file"). Throws UserError.
YAML::Node load_yaml_file(const std::string& path, const std::string& what);
// Parses `text` as YAML; syntax errors name `file` and the line. Throws UserError.
YAML::Node parse_yaml(const std::string& text, const std::string& file);

std::string join(const std::vector<std::string>& v);

class YamlSchema {
 public:
  // `set_origin`: dotted keys set on the command line -> "--set KEY=VALUE" (named in errors
  // instead of the file's line).
  explicit YamlSchema(std::string file, std::map<std::string, std::string> set_origin = {})
      : m_file(std::move(file)), m_set(std::move(set_origin)) {}

  // "FILE:LINE" of `n`, or the --set that wrote `key` (or one of its parents); "FILE" when the
  // node has no position.
  std::string at(const YAML::Node& n, const std::string& key) const;
  [[noreturn]] void fail(const YAML::Node& n, const std::string& key,
                         const std::string& what) const;

  // `map` must be a mapping whose keys are all in `allowed`, each once.
  void check_keys(const YAML::Node& map, const std::string& path,
                  const std::vector<std::string>& allowed) const;
  // The dotted key of `key` under `path` ("" at the top).
  static std::string dotted(const std::string& path, const std::string& key);

  // Typed scalars of parent[key] (the default when absent): an integer in [lo, hi], a finite
  // number in [lo, hi], a non-empty string (one of `choices` if given).
  long long get_int(const YAML::Node& parent, const std::string& path, const char* key,
                    long long lo, long long hi, long long def) const;
  double get_double(const YAML::Node& parent, const std::string& path, const char* key, double lo,
                    double hi, double def) const;
  std::string get_string(const YAML::Node& parent, const std::string& path, const char* key,
                         const std::vector<std::string>& choices, const std::string& def) const;
  // A number written as a decimal literal (strict: the whole scalar), any finite value or
  // inf/nan as the caller allows later.
  double number(const YAML::Node& n, const std::string& key) const;

  // "abc", "null", "a sequence", "a mapping".
  static std::string text(const YAML::Node& n);
  const std::string& file() const { return m_file; }

 private:
  std::string m_file;
  std::map<std::string, std::string> m_set;
};

}  // namespace lpsim
