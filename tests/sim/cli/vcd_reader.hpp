// A minimal VCD reader for the tests: full signal names (scope.scope.name) -> (time, value)
// changes; real signals (`r` values) in `reals`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/traces/tool_helpers.hpp"

namespace lpsim::test {

struct Vcd {
  std::string timescale;
  std::map<std::string, std::vector<std::pair<std::uint64_t, std::uint64_t>>> changes;
  std::map<std::string, std::vector<std::pair<std::uint64_t, double>>> reals;
  std::uint64_t at(const std::string& sig, std::uint64_t t) const {
    const auto& v = changes.at(sig);
    std::uint64_t val = 0;
    for (const auto& [time, x] : v) {
      if (time > t) break;
      val = x;
    }
    return val;
  }
  std::set<std::uint64_t> times(const std::string& sig) const {
    std::set<std::uint64_t> s;
    for (const auto& c : changes.at(sig)) s.insert(c.first);
    return s;
  }
};

inline Vcd read_vcd(const std::filesystem::path& p) {
  std::istringstream in(traces::test::slurp(p));
  Vcd v;
  std::map<std::string, std::string> id_name;
  std::map<std::string, bool> id_real;
  std::vector<std::string> scope;
  std::string tok;
  std::uint64_t now = 0;
  bool defs = true;
  while (in >> tok) {
    if (defs) {
      if (tok == "$timescale") {
        std::string a, b;
        in >> a >> b;
        v.timescale = a + " " + b;
      } else if (tok == "$scope") {
        std::string kind, name;
        in >> kind >> name;
        scope.push_back(name);
      } else if (tok == "$upscope") {
        scope.pop_back();
      } else if (tok == "$var") {
        std::string kind, width, id, name;
        in >> kind >> width >> id >> name;
        std::string full;
        for (const auto& s : scope) full += s + ".";
        id_name[id] = full + name;
        id_real[id] = kind == "real";
        if (kind == "real")
          v.reals[full + name];
        else
          v.changes[full + name];
      } else if (tok == "$enddefinitions") {
        defs = false;
      }
      continue;
    }
    if (tok[0] == '#') {
      now = std::stoull(tok.substr(1));
    } else if (tok[0] == 'r') {
      std::string id;
      in >> id;
      v.reals.at(id_name.at(id)).push_back({now, std::stod(tok.substr(1))});
    } else if (tok[0] == 'b') {
      std::string id;
      in >> id;
      v.changes.at(id_name.at(id)).push_back({now, std::stoull(tok.substr(1), nullptr, 2)});
    } else if (tok[0] == '0' || tok[0] == '1') {
      v.changes.at(id_name.at(tok.substr(1)))
          .push_back({now, static_cast<std::uint64_t>(tok[0] - '0')});
    }
  }
  return v;
}

}  // namespace lpsim::test
