// The sweep file, its points, and the evaluation of one point (see sweep.hpp).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <set>

#include "hw/top/accelerator_config.hpp"
#include "sim/run/pipeline.hpp"
#include "sim/sweep/sweep.hpp"
#include "sim/sweep/sweep_util.hpp"
#include "sim/workload/workload.hpp"
#include "sw/common/error.hpp"
#include "sw/common/yaml_schema.hpp"

namespace lpsim::sim::sweep {

namespace fs = std::filesystem;

const std::vector<std::string> kMetricColumns = {
    "status",       "total_cycles", "latency_ms",  "energy_pj",  "tops_per_w",
    "tops_per_mm2", "area_mm2",     "utilization", "dram_bytes", "verified"};

namespace {

// The fidelity of a sweep whose base and axes do not set one: analytic (the numbers of tile
// fidelity without computing values; docs/sweep.md).
constexpr const char* kDefaultFidelity = "analytic";
constexpr std::uint64_t kMaxCombinations = 10'000'000;

Value value_of(const YamlSchema& r, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar())
    r.fail(n, key,
           "expected a list of scalar values (numbers or texts), got " + YamlSchema::text(n));
  Value v;
  v.text = n.Scalar();
  v.quoted = n.Tag() == "!";
  if (v.quoted) return v;
  static const std::regex num("[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?");
  if (v.text == "true" || v.text == "false") {
    v.kind = Value::Kind::Bool;
    v.number = v.text == "true";
  } else if (std::regex_match(v.text, num)) {
    v.kind = Value::Kind::Number;
    v.number = std::strtod(v.text.c_str(), nullptr);
  }
  return v;
}

std::string override_of(const std::string& key, const Value& v) {
  if (!v.quoted) return key + "=" + v.text;
  std::string q = "\"";
  for (char c : v.text) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return key + "=" + q + "\"";
}

Workload load_base(const SweepSpec& s, const std::vector<std::string>& overrides) {
  Workload w = s.base_inline ? load_workload_at(s.base_file, "base", overrides)
                             : load_workload(s.base_file, overrides);
  if (!w.origin.count("accelerator.fidelity"))
    w.accel.fidelity = hw::fidelity_from_string(s.default_fidelity);
  return w;
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}
std::string hash_hex(const std::string& s) {
  return hex64(fnv1a(s));
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string number_text(double v) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

SweepSpec load_sweep(const std::string& path) {
  const YAML::Node root = load_yaml_file(path, "sweep file");
  const YamlSchema r(path);
  if (!root.IsMap())
    throw UserError(path + ": a sweep file is a mapping with 'base' and 'axes' (docs/sweep.md)");
  r.check_keys(root, "", {"name", "base", "axes", "zip", "where"});
  SweepSpec s;
  s.file = path;
  s.name = fs::path(path).stem().string();
  if (root["name"]) s.name = r.get_string(root, "", "name", {}, s.name);
  {
    std::string safe;
    for (char c : s.name)
      safe +=
          (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) ||
                  c == '_' || c == '-' || c == '.' || c == '+'
              ? c
              : '_';
    if (safe.empty() || safe[0] == '.') safe = "sweep" + safe;
    if (root["name"] && safe != s.name)
      r.fail(root["name"], "name",
             "'" + s.name + "' cannot name an output directory (A-Z a-z 0-9 . _ + -)");
    s.name = safe.substr(0, 100);
  }
  s.default_fidelity = kDefaultFidelity;

  const YAML::Node base = root["base"];
  if (!base) throw UserError(path + ": base: required (a workload file, or a workload mapping)");
  if (base.IsScalar()) {
    fs::path p(base.Scalar());
    if (p.is_relative()) p = fs::path(path).parent_path() / p;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec))
      r.fail(base, "base",
             "workload file '" + p.string() + "' does not exist or is not a regular file");
    s.base_file = fs::absolute(p).lexically_normal().string();
  } else if (base.IsMap()) {
    s.base_inline = true;
    s.base_file = path;
  } else {
    r.fail(base, "base", "expected a workload file name or a workload mapping");
  }
  const Workload base_w = load_base(s, {});
  s.base_yaml = effective_yaml(base_w);

  const YAML::Node axes = root["axes"];
  if (!axes || !axes.IsMap() || axes.size() == 0)
    throw UserError((axes ? r.at(axes, "axes") : path) +
                    ": axes: required, a mapping from dotted workload keys to lists of values");
  std::set<std::string> seen;
  for (const auto& kv : axes) {
    Axis a;
    a.key = kv.first.Scalar();
    a.where = r.at(kv.first, "axes." + a.key);
    const std::string key = "axes." + a.key;
    if (!seen.insert(a.key).second) r.fail(kv.first, key, "duplicate axis");
    const YAML::Node list = kv.second;
    if (!list.IsSequence() || list.size() == 0)
      r.fail(list, key, "expected a non-empty list of values, e.g. [8, 16, 32]");
    std::set<std::string> texts;
    for (const auto& item : list) {
      Value v = value_of(r, item, key);
      if (!texts.insert(v.text).second) r.fail(item, key, "value '" + v.text + "' is listed twice");
      // Every value must load into the base workload: an unknown key or an impossible value
      // is an error of the sweep file, found before anything runs.
      try {
        load_base(s, {override_of(a.key, v)});
      } catch (const UserError& e) {
        std::string msg = e.what();
        const std::string set_prefix = "--set " + override_of(a.key, v) + ": ";
        if (msg.compare(0, set_prefix.size(), set_prefix) == 0) msg = msg.substr(set_prefix.size());
        r.fail(item, key, "value '" + v.text + "': " + msg);
      }
      a.values.push_back(std::move(v));
    }
    s.axes.push_back(std::move(a));
  }
  std::vector<std::string> keys;
  for (const Axis& a : s.axes) keys.push_back(a.key);

  if (const YAML::Node zip = root["zip"]) {
    if (!zip.IsSequence())
      r.fail(zip, "zip", "expected a list of groups, e.g. [[accelerator.rows, accelerator.cols]]");
    std::set<std::size_t> used;
    for (const auto& g : zip) {
      if (!g.IsSequence() || g.size() < 2)
        r.fail(g, "zip",
               "a group is a list of two or more axis keys, e.g. [accelerator.rows, "
               "accelerator.cols]");
      std::vector<std::size_t> group;
      for (const auto& k : g) {
        if (!k.IsScalar()) r.fail(k, "zip", "expected an axis key");
        const auto it = std::find(keys.begin(), keys.end(), k.Scalar());
        if (it == keys.end()) r.fail(k, "zip", "'" + k.Scalar() + "' is not a key under axes");
        const std::size_t i = static_cast<std::size_t>(it - keys.begin());
        if (!used.insert(i).second)
          r.fail(k, "zip", "'" + k.Scalar() + "' is in more than one group");
        if (s.axes[i].values.size() != s.axes[group.empty() ? i : group[0]].values.size())
          r.fail(k, "zip",
                 "'" + k.Scalar() + "' has " + std::to_string(s.axes[i].values.size()) +
                     " values, '" + s.axes[group[0]].key + "' has " +
                     std::to_string(s.axes[group[0]].values.size()) +
                     " (keys of a group vary together)");
        group.push_back(i);
      }
      s.zip.push_back(group);
    }
  }

  if (const YAML::Node where = root["where"]) {
    std::vector<YAML::Node> items;
    if (where.IsScalar())
      items.push_back(where);
    else if (where.IsSequence())
      for (const auto& w : where) items.push_back(w);
    else
      r.fail(where, "where", "expected a condition or a list of conditions");
    for (const auto& w : items) {
      if (!w.IsScalar())
        r.fail(w, "where", "expected a condition such as 'accelerator.rows <= 64'");
      s.where.emplace_back(w.Scalar(), keys, r.at(w, "where") + ": where");
    }
  }
  // The whole point list is checked here too (the product's size, where's types).
  enumerate_points(s);
  return s;
}

std::vector<std::string> Point::overrides(const SweepSpec& s) const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < values.size(); ++i)
    out.push_back(override_of(s.axes[i].key, values[i]));
  return out;
}

std::vector<Point> enumerate_points(const SweepSpec& s) {
  // Dimensions in written order: a zip group sits at its first key's place.
  std::vector<std::vector<std::size_t>> dims;
  std::vector<bool> placed(s.axes.size(), false);
  for (std::size_t i = 0; i < s.axes.size(); ++i) {
    if (placed[i]) continue;
    std::vector<std::size_t> dim{i};
    for (const auto& g : s.zip)
      if (std::find(g.begin(), g.end(), i) != g.end()) dim = g;
    for (std::size_t j : dim) placed[j] = true;
    dims.push_back(dim);
  }
  std::uint64_t total = 1;
  for (const auto& d : dims) {
    total *= s.axes[d[0]].values.size();
    if (total > kMaxCombinations)
      throw UserError(s.file + ": axes: the product has more than " +
                      std::to_string(kMaxCombinations) + " combinations; split the study");
  }
  std::vector<Point> points;
  std::vector<std::size_t> at(dims.size(), 0);
  for (std::uint64_t n = 0; n < total; ++n) {
    Point p;
    p.values.resize(s.axes.size());
    for (std::size_t d = 0; d < dims.size(); ++d)
      for (std::size_t a : dims[d]) p.values[a] = s.axes[a].values[at[d]];
    bool keep = true;
    for (const Expr& e : s.where) keep = keep && e.holds(p.values);
    if (keep) {
      p.index = points.size();
      std::string canon;
      for (std::size_t i = 0; i < p.values.size(); ++i)
        canon += override_of(s.axes[i].key, p.values[i]) + "\n";
      p.id = hash_hex(canon);
      points.push_back(std::move(p));
    }
    for (std::size_t d = dims.size(); d-- > 0;) {
      if (++at[d] < s.axes[dims[d][0]].values.size()) break;
      at[d] = 0;
    }
  }
  return points;
}

std::vector<std::string> result_columns(const SweepSpec& s) {
  std::vector<std::string> cols;
  for (const Axis& a : s.axes) cols.push_back(a.key);
  cols.insert(cols.end(), kMetricColumns.begin(), kMetricColumns.end());
  return cols;
}

std::string csv_line(const Point& p, const Row& r) {
  std::string line;
  for (const Value& v : p.values) line += csv_field(v.text) + ",";
  line += csv_field(one_line(r.status));
  if (r.status == "ok") {
    line += "," + std::to_string(r.total_cycles) + "," + number_text(r.latency_ms) + "," +
            number_text(r.energy_pj) + "," + number_text(r.tops_per_w) + "," +
            number_text(r.tops_per_mm2) + "," + number_text(r.area_mm2) + "," +
            number_text(r.utilization) + "," + std::to_string(r.dram_bytes) + "," + r.verified;
  } else {
    line += ",,,,,,,,,";
  }
  return line;
}

PointEvaluator::PointEvaluator(const SweepSpec& s) : m_spec(s) {}

Row PointEvaluator::evaluate(const Point& p, RunResult* result) {
  Row row;
  try {
    const Workload w = load_base(m_spec, p.overrides(m_spec));
    const bool analytic = hw::to_string(w.accel.fidelity) == "analytic";
    SimulateOptions so;
    so.check = !analytic;
    const RunResult r = simulate(prepare(w), so);
    if (result) *result = r;
    row.fidelity = r.fidelity;
    row.total_cycles = r.cycles;
    row.latency_ms = r.latency_ms;
    row.energy_pj = r.energy_pj;
    row.tops_per_w = r.tops_per_w;
    row.tops_per_mm2 = r.tops_per_mm2;
    row.area_mm2 = r.area_mm2;
    double peak_cycles = 0;
    for (const LayerRecord& rec : r.records)
      peak_cycles += static_cast<double>(rec.cycles) * r.rows * r.cols * (8.0 / rec.mode);
    row.utilization = peak_cycles > 0 ? static_cast<double>(r.macs) / peak_cycles : 0;
    row.dram_bytes = r.counts.dram_read_bytes + r.counts.dram_write_bytes;
    row.verified = analytic || !r.checked ? "" : r.verified ? "yes" : "no";
  } catch (const UserError& e) {
    row = Row{};
    row.status = one_line(e.what());
  } catch (const std::exception& e) {
    row = Row{};
    row.status = "internal error: " + one_line(e.what());
  }
  return row;
}

}  // namespace lpsim::sim::sweep
