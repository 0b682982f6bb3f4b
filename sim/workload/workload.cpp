// Workload-file reader: schema walk with FILE:LINE errors, --set overrides, effective config.
#include "sim/workload/workload.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "sw/common/error.hpp"
#include "sw/common/yaml_schema.hpp"
#include "hw/common/config_error.hpp"
#include "sw/compiler/program.hpp"
#include "sw/formats/format_parse.hpp"

namespace lpsim::sim {
namespace {

namespace fs = std::filesystem;

// `text` reduced to a safe directory name: characters other than A-Z a-z 0-9 . _ + - become
// '_', at most 100 of them, never starting with '.' (so never "." or ".."); "workload" if empty.
std::string safe_name(const std::string& text) {
  std::string s;
  for (char c : text) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80;
    s += ok || c == '.' || c == '_' || c == '+' || c == '-' ? c : '_';
    if (s.size() == 100) break;
  }
  if (!s.empty() && s[0] == '.') s[0] = '_';
  return s.empty() ? "workload" : s;
}

void record(const YamlSchema& r, std::map<std::string, std::string>& origin, const YAML::Node& n,
            const std::string& key) {
  origin[key] = r.at(n, key);
}

// A file path relative to the workload file; it must exist.
std::string get_path(const YamlSchema& r, const YAML::Node& parent, const std::string& path, const char* key) {
  const std::string v = r.get_string(parent, path, key, {}, "");
  fs::path p(v);
  if (p.is_relative()) p = fs::path(r.file()).parent_path() / p;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec))
    r.fail(parent[key], YamlSchema::dotted(path, key), "file '" + p.string() + "' does not exist or is not a regular file");
  return fs::absolute(p).lexically_normal().string();
}

// Applies "a.b.c=value" to the tree; returns the --set origin of the key.
void apply_override(YAML::Node& root, const std::string& item,
                    std::map<std::string, std::string>& set_origin) {
  const std::string where = "--set " + item;
  const auto eq = item.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UserError(where + ": expected KEY=VALUE with a dotted KEY, e.g. accelerator.rows=16");
  const std::string key = item.substr(0, eq);
  std::vector<std::string> parts;
  std::stringstream ks(key);
  for (std::string p; std::getline(ks, p, '.');) {
    if (p.empty()) throw UserError(where + ": empty component in key '" + key + "'");
    parts.push_back(p);
  }
  if (key.back() == '.') throw UserError(where + ": empty component in key '" + key + "'");
  YAML::Node value;
  try {
    value = YAML::Load(item.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    throw UserError(where + ": value is not valid YAML: " + e.msg);
  }
  YAML::Node cur = root;
  std::string prefix;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    prefix += (prefix.empty() ? "" : ".") + parts[i];
    YAML::Node next = cur[parts[i]];
    if (next && !next.IsMap())
      throw UserError(where + ": '" + prefix + "' is not a mapping in the workload");
    if (!next) {
      cur[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next = cur[parts[i]];
    }
    cur.reset(next);
  }
  cur[parts.back()] = value;
  set_origin[key] = where;
}

}  // namespace

std::string Workload::where(const std::string& dotted_key) const {
  auto it = origin.find(dotted_key);
  return it != origin.end() ? it->second : file;
}

namespace {
Workload load_root(const std::string& path, YAML::Node root,
                   const std::vector<std::string>& overrides);
}  // namespace

Workload load_workload(const std::string& path, const std::vector<std::string>& overrides) {
  return load_root(path, load_yaml_file(path, "workload file"), overrides);
}

Workload load_workload_at(const std::string& path, const std::string& key,
                          const std::vector<std::string>& overrides) {
  const YAML::Node file = load_yaml_file(path, "workload file");
  YAML::Node root = file.IsMap() ? YAML::Node(file[key]) : YAML::Node();
  if (root && !root.IsMap())
    throw UserError(path + ":" + std::to_string(root.Mark().line + 1) + ": " + key +
                    ": expected a workload mapping (model, input, quantization, accelerator)");
  return load_root(path, root ? root : YAML::Node(YAML::NodeType::Map), overrides);
}

namespace {
// accelerator.datapath (docs/workload.md, docs/datapath.md): the accumulator, the log->linear
// converter's fraction bits and the OB's partial-sum format. Ranges: check_fields().
void read_datapath(const YamlSchema& r, const YAML::Node& d, const std::string& p,
                   hw::DatapathOptions& o, std::map<std::string, std::string>& origin) {
  if (!d.IsMap()) r.fail(d, p, "expected a mapping (accumulator, small_float, narrow, converter_fraction_bits, psum)");
  r.check_keys(d, p, {"accumulator", "small_float", "narrow", "converter_fraction_bits", "psum"});
  constexpr long long kInt = std::numeric_limits<int>::max();
  const std::string acc = r.get_string(d, p, "accumulator", {"exact", "small_float", "narrow"}, "exact");
  o.acc_mode = acc == "narrow" ? hw::AccMode::narrow : acc == "small_float" ? hw::AccMode::small_float : hw::AccMode::exact;
  o.lin_frac_bits = static_cast<int>(r.get_int(d, p, "converter_fraction_bits", -kInt, kInt, o.lin_frac_bits));
  if (const YAML::Node f = d["small_float"]) {
    const std::string fp = p + ".small_float";
    if (!f.IsMap()) r.fail(f, fp, "expected a mapping (fraction_bits, exponent_bits)");
    r.check_keys(f, fp, {"fraction_bits", "exponent_bits"});
    o.float_frac_bits = static_cast<int>(r.get_int(f, fp, "fraction_bits", -kInt, kInt, o.float_frac_bits));
    if (const YAML::Node e = f["exponent_bits"]) {
      if (e.IsScalar() && e.Scalar() == "auto")
        o.float_exp_bits = 0;
      else if (!e.IsScalar() || !YAML::convert<int>::decode(e, o.float_exp_bits) || o.float_exp_bits < 1 ||
               o.float_exp_bits > 7)
        r.fail(e, fp + ".exponent_bits", "expected auto or an integer 1..7, got " + YamlSchema::text(e));
      record(r, origin, e, fp + ".exponent_bits");
    }
    if (f["fraction_bits"]) record(r, origin, f["fraction_bits"], fp + ".fraction_bits");
  }
  if (const YAML::Node n = d["narrow"]) {
    const std::string np = p + ".narrow";
    if (!n.IsMap()) r.fail(n, np, "expected a mapping (width, fraction_bits)");
    r.check_keys(n, np, {"width", "fraction_bits"});
    o.narrow_bits = static_cast<int>(r.get_int(n, np, "width", -kInt, kInt, o.narrow_bits));
    o.narrow_frac_bits = static_cast<int>(r.get_int(n, np, "fraction_bits", -kInt, kInt, o.narrow_frac_bits));
    for (const char* k : {"width", "fraction_bits"})
      if (n[k]) record(r, origin, n[k], np + "." + k);
  }
  if (const YAML::Node q = d["psum"]) {
    const std::string qp = p + ".psum";
    if (!q.IsMap()) r.fail(q, qp, "expected a mapping (format, fraction_bits)");
    r.check_keys(q, qp, {"format", "fraction_bits"});
    const std::string f = r.get_string(q, qp, "format", {"accumulator", "exact", "small_float"}, "accumulator");
    o.psum = f == "exact" ? hw::PsumMode::exact : f == "small_float" ? hw::PsumMode::small_float : hw::PsumMode::accumulator;
    o.psum_frac_bits = static_cast<int>(r.get_int(q, qp, "fraction_bits", -kInt, kInt, o.psum_frac_bits));
    for (const char* k : {"format", "fraction_bits"})
      if (q[k]) record(r, origin, q[k], qp + "." + k);
  }
  for (const char* k : {"accumulator", "converter_fraction_bits"})
    if (d[k]) record(r, origin, d[k], p + "." + k);
}

Workload load_root(const std::string& path, YAML::Node root,
                   const std::vector<std::string>& overrides) {
  if (!root || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  std::map<std::string, std::string> set_origin;
  if (!root.IsMap())
    throw UserError(path + ":" + std::to_string(root.Mark().line + 1) +
                    ": the workload must be a mapping of keys (model, input, quantization, "
                    "accelerator)");
  for (const auto& item : overrides) apply_override(root, item, set_origin);

  const YamlSchema r(path, set_origin);
  Workload w;
  w.file = path;
  // The name becomes a directory (runs/NAME): a plain file name. A name taken from the file
  // name keeps its safe characters; a `name:` key with others is an error.
  w.name = safe_name(fs::path(path).stem().string());
  r.check_keys(root, "", {"name", "model", "onnx", "topology", "input", "zoo", "quantization",
                          "accelerator", "lpq", "threads", "save_outputs"});
  // Threads for the value engines (0 = every core); results never depend on it, so it is not
  // part of effective.yaml.
  if (root["threads"]) w.threads = static_cast<int>(r.get_int(root, "", "threads", 0, 1024, 0));
  // save_outputs: the graph outputs as .npy (lpsim run --save-outputs); not a result either.
  if (const YAML::Node b = root["save_outputs"]) {
    if (!b.IsScalar() || (b.Scalar() != "true" && b.Scalar() != "false"))
      r.fail(b, "save_outputs", "expected true or false");
    w.save_outputs = b.Scalar() == "true";
  }
  if (root["name"]) {
    w.name = r.get_string(root, "", "name", {}, w.name);
    if (safe_name(w.name) != w.name)
      r.fail(root["name"], "name",
             "'" + w.name + "' cannot name an output directory (1 to 100 of A-Z a-z 0-9 . _ + -, not starting with '.')");
  }

  // Exactly one model source.
  int sources = 0;
  for (const char* key : {"model", "onnx", "topology"}) {
    const YAML::Node n = root[key];
    if (!n) continue;
    if (++sources > 1)
      r.fail(n, key, "give exactly one of 'model', 'onnx' or 'topology'");
    record(r, w.origin, n, key);
    if (std::string(key) == "model") {
      w.source = ModelSource::Zoo;
      w.model = r.get_string(root, "", key, {}, "");
    } else {
      w.source = std::string(key) == "onnx" ? ModelSource::Onnx : ModelSource::Topology;
      w.model = get_path(r, root, "", key);
    }
  }
  if (sources == 0)
    throw UserError(path + ": one of 'model' (a zoo name), 'onnx' (a .onnx file) or 'topology' "
                           "(a SCALE-Sim CSV) is required");

  if (const YAML::Node n = root["input"]) {
    r.check_keys(n, "input", {"batch", "seed", "npy", "labels"});
    w.input.batch = static_cast<int>(r.get_int(n, "input", "batch", 1, 1024, w.input.batch));
    if (n["batch"]) record(r, w.origin, n["batch"], "input.batch");  // set, not defaulted
    w.input.seed = static_cast<std::uint64_t>(
        r.get_int(n, "input", "seed", 0, std::numeric_limits<long long>::max(), 7));
    if (n["npy"]) {
      w.input.npy = get_path(r, n, "input", "npy");
      record(r, w.origin, n["npy"], "input.npy");
    }
    if (n["labels"]) {
      w.input.labels = get_path(r, n, "input", "labels");
      record(r, w.origin, n["labels"], "input.labels");
      if (w.input.npy.empty()) r.fail(n["labels"], "input.labels", "needs input.npy (the labelled images)");
    }
  }

  if (const YAML::Node n = root["zoo"]) {
    if (w.source != ModelSource::Zoo)
      r.fail(n, "zoo", "applies to zoo models only (this workload uses '" +
                           std::string(w.source == ModelSource::Onnx ? "onnx" : "topology") + "')");
    r.check_keys(n, "zoo", {"input_size", "width_divisor", "max_blocks", "num_classes"});
    w.zoo.input_size = static_cast<int>(r.get_int(n, "zoo", "input_size", 0, 4096, 0));
    w.zoo.width_divisor = static_cast<int>(r.get_int(n, "zoo", "width_divisor", 1, 64, 1));
    w.zoo.max_blocks = static_cast<int>(r.get_int(n, "zoo", "max_blocks", 0, 64, 0));
    w.zoo.num_classes = static_cast<int>(r.get_int(n, "zoo", "num_classes", 1, 100000, 1000));
    for (const char* k : {"input_size", "width_divisor", "max_blocks", "num_classes"})
      if (n[k]) record(r, w.origin, n[k], std::string("zoo.") + k);
  }

  if (const YAML::Node n = root["quantization"]) {
    r.check_keys(n, "quantization", {"default", "layers"});
    auto check_format = [&](const YAML::Node& node, const std::string& key) {
      if (!node.IsScalar())
        r.fail(node, key, "expected a format text such as lp<8,2,3,0> or {weights: F, activations: F}");
      try {
        fmt::parse_format(compiler::with_sf(node.Scalar(), 0));  // sf: auto is chosen later
      } catch (const fmt::FormatError& e) {
        r.fail(node, key, e.what());
      }
      return node.Scalar();
    };
    // One format, or {weights: F, activations: F} (both keys required): {activation, weight}.
    auto formats = [&](const YAML::Node& node, const std::string& key) -> std::pair<std::string, std::string> {
      if (!node.IsMap()) {
        const std::string f = check_format(node, key);
        return {f, ""};
      }
      r.check_keys(node, key, {"weights", "activations"});
      if (!node["weights"] || !node["activations"])
        r.fail(node, key, "give both 'weights' and 'activations' (or one format for both)");
      return {check_format(node["activations"], key + ".activations"), check_format(node["weights"], key + ".weights")};
    };
    if (n["default"]) std::tie(w.quant.default_format, w.quant.default_weights) = formats(n["default"], "quantization.default");
    if (const YAML::Node layers = n["layers"]) {
      if (!layers.IsMap()) r.fail(layers, "quantization.layers", "expected a mapping name: format");
      for (const auto& kv : layers) {
        const std::string key = "quantization.layers." + kv.first.Scalar();
        if (w.quant.layers.count(kv.first.Scalar())) r.fail(kv.first, key, "duplicate key");
        const auto [act, wgt] = formats(kv.second, key);
        w.quant.layers[kv.first.Scalar()] = act;
        if (!wgt.empty()) w.quant.layer_weights[kv.first.Scalar()] = wgt;
        record(r, w.origin, kv.first, key);
      }
    }
  }

  if (const YAML::Node a = root["accelerator"]) {
    const std::string p = "accelerator";
    r.check_keys(a, p, {"rows", "cols", "dataflow", "fidelity", "clock_mhz", "buffers", "dram", "datapath"});
    hw::AcceleratorConfig& s = w.accel;
    // Values of the fields' own types here; their ranges are the configuration's (below).
    constexpr long long kInt = std::numeric_limits<int>::max(), kUns = std::numeric_limits<unsigned>::max();
    constexpr long long kBig = std::numeric_limits<long long>::max();
    s.rows = static_cast<int>(r.get_int(a, p, "rows", -kInt, kInt, s.rows));
    s.cols = static_cast<int>(r.get_int(a, p, "cols", -kInt, kInt, s.cols));
    s.clock_mhz = r.get_double(a, p, "clock_mhz", -std::numeric_limits<double>::max(),
                               std::numeric_limits<double>::max(), s.clock_mhz);
    const auto enum_of = [&](const char* key, auto from_string, auto def) {
      const YAML::Node n = a[key];
      if (!n) return def;
      const std::string v = r.get_string(a, p, key, {}, "");
      try {
        return from_string(v);
      } catch (const hw::ConfigError& e) {
        r.fail(n, p + "." + key, e.what());
      }
    };
    w.dataflow = enum_of("dataflow", hw::dataflow_from_string, w.dataflow);
    s.fidelity = enum_of("fidelity", hw::fidelity_from_string, s.fidelity);
    if (const YAML::Node b = a["buffers"]) {
      const std::string bp = p + ".buffers";
      r.check_keys(b, bp, {"weight_kb", "input_kb", "output_kb"});
      s.weight_kb = static_cast<std::uint64_t>(r.get_int(b, bp, "weight_kb", 0, kBig, static_cast<long long>(s.weight_kb)));
      s.input_kb = static_cast<std::uint64_t>(r.get_int(b, bp, "input_kb", 0, kBig, static_cast<long long>(s.input_kb)));
      s.output_kb = static_cast<std::uint64_t>(r.get_int(b, bp, "output_kb", 0, kBig, static_cast<long long>(s.output_kb)));
      for (const char* k : {"weight_kb", "input_kb", "output_kb"})
        if (b[k]) record(r, w.origin, b[k], bp + "." + k);
    }
    if (const YAML::Node d = a["dram"]) {
      const std::string dp = p + ".dram";
      r.check_keys(d, dp, {"bytes_per_cycle", "latency_cycles"});
      s.dram_bytes_per_cycle = static_cast<unsigned>(r.get_int(d, dp, "bytes_per_cycle", 0, kUns, s.dram_bytes_per_cycle));
      s.dram_latency_cycles = static_cast<unsigned>(r.get_int(d, dp, "latency_cycles", 0, kUns, s.dram_latency_cycles));
      for (const char* k : {"bytes_per_cycle", "latency_cycles"})
        if (d[k]) record(r, w.origin, d[k], dp + "." + k);
    }
    for (const char* k : {"rows", "cols", "dataflow", "fidelity", "clock_mhz"})
      if (a[k]) record(r, w.origin, a[k], p + "." + k);
    if (const YAML::Node d = a["datapath"]) read_datapath(r, d, p + ".datapath", s.datapath, w.origin);
  }
  if (const YAML::Node n = root["lpq"]) {
    const std::string p = "lpq";
    LpqSpec& q = w.lpq;
    q.present = true;
    if (!n.IsMap()) r.fail(n, p, "expected a mapping of LPQ settings (docs/lpq.md)");
    r.check_keys(n, p, {"calibration", "iterations", "population", "block", "diverse", "mutation_rate",
                        "crossover_rate", "weight_bits", "activation_bits", "es_max", "sf_range", "objective",
                        "tau", "local_weight", "local_layers", "compression", "lambda", "seed", "baselines",
                        "sf_samples"});
    if (const YAML::Node c = n["calibration"]) {
      r.check_keys(c, "lpq.calibration", {"npy", "count", "seed"});
      if (c["npy"]) q.calibration_npy = get_path(r, c, "lpq.calibration", "npy");
      q.calibration_count = static_cast<int>(r.get_int(c, "lpq.calibration", "count", 1, 4096, q.calibration_count));
      q.calibration_seed = static_cast<std::uint64_t>(
          r.get_int(c, "lpq.calibration", "seed", 0, std::numeric_limits<long long>::max(), 11));
      if (c["npy"] && c["count"]) r.fail(c["count"], "lpq.calibration.count", "give either npy or count (synthetic images)");
    }
    q.iterations = static_cast<int>(r.get_int(n, p, "iterations", 0, 100000, q.iterations));
    q.population = static_cast<int>(r.get_int(n, p, "population", 2, 10000, q.population));
    q.block = static_cast<int>(r.get_int(n, p, "block", 1, 100000, q.block));
    q.diverse = static_cast<int>(r.get_int(n, p, "diverse", 0, 1000, q.diverse));
    q.mutation_rate = r.get_double(n, p, "mutation_rate", 0, 1, q.mutation_rate);
    q.crossover_rate = r.get_double(n, p, "crossover_rate", 0, 1, q.crossover_rate);
    auto widths = [&](const char* key, std::vector<int>& out) {
      const YAML::Node v = n[key];
      if (!v) return;
      const std::string k = p + "." + key;
      if (!v.IsSequence() || v.size() == 0) r.fail(v, k, "expected a list of widths from 2, 4, 8, e.g. [2, 4, 8]");
      out.clear();
      for (const auto& e : v) {
        const double x = r.number(e, k);
        // Weights may be any width 2..8 (a non-MODE width is stored at its activations' MODE).
        if (std::string(key) == "weight_bits" ? !(x >= 2 && x <= 8 && x == static_cast<int>(x))
                                              : x != 2 && x != 4 && x != 8)
          r.fail(e, k, std::string(key) == "weight_bits" ? "widths must be 2 .. 8"
                                                         : "widths must be 2, 4 or 8 (the array's MODEs)");
        if (std::find(out.begin(), out.end(), static_cast<int>(x)) != out.end()) r.fail(e, k, "duplicate width");
        out.push_back(static_cast<int>(x));
      }
    };
    widths("weight_bits", q.weight_bits);
    widths("activation_bits", q.activation_bits);
    q.es_max = static_cast<int>(r.get_int(n, p, "es_max", 0, 4, q.es_max));
    q.sf_range = static_cast<int>(r.get_int(n, p, "sf_range", 0, 32, q.sf_range));
    q.sf_samples = static_cast<int>(r.get_int(n, p, "sf_samples", 16, 1 << 24, q.sf_samples));
    q.objective = r.get_string(n, p, "objective", {"global-local", "global", "kl", "mse"}, q.objective);
    q.tau = r.get_double(n, p, "tau", 1e-3, 100, q.tau);
    q.local_weight = r.get_double(n, p, "local_weight", 0, 100, q.local_weight);
    q.local_layers = static_cast<int>(r.get_int(n, p, "local_layers", 0, 64, q.local_layers));
    q.compression = r.get_string(n, p, "compression", {"bits", "energy", "latency"}, q.compression);
    q.lambda = r.get_double(n, p, "lambda", 0, 100, q.lambda);
    q.seed = static_cast<std::uint64_t>(r.get_int(n, p, "seed", 0, std::numeric_limits<long long>::max(), 1));
    if (const YAML::Node b = n["baselines"]) {
      if (!b.IsScalar() || (b.Scalar() != "true" && b.Scalar() != "false"))
        r.fail(b, "lpq.baselines", "expected true or false");
      q.baselines = b.Scalar() == "true";
    }
  }

  // The configuration's ranges, each error at the line (or --set) of its key.
  try {
    w.accel.check_fields();
  } catch (const hw::ConfigError& e) {
    throw UserError(w.where(e.key()) + ": " + e.what());
  }
  return w;
}
}  // namespace

std::string effective_yaml(const Workload& w) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "name" << YAML::Value << w.name;
  const char* src = w.source == ModelSource::Zoo ? "model" : w.source == ModelSource::Onnx ? "onnx" : "topology";
  e << YAML::Key << src << YAML::Value << w.model;
  e << YAML::Key << "input" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "batch" << YAML::Value << w.input.batch;
  e << YAML::Key << "seed" << YAML::Value << w.input.seed;
  if (!w.input.npy.empty()) e << YAML::Key << "npy" << YAML::Value << w.input.npy;
  if (!w.input.labels.empty()) e << YAML::Key << "labels" << YAML::Value << w.input.labels;
  e << YAML::EndMap;
  if (w.source == ModelSource::Zoo) {
    e << YAML::Key << "zoo" << YAML::Value << YAML::Flow << YAML::BeginMap;
    e << YAML::Key << "input_size" << YAML::Value << w.zoo.input_size;
    e << YAML::Key << "width_divisor" << YAML::Value << w.zoo.width_divisor;
    e << YAML::Key << "max_blocks" << YAML::Value << w.zoo.max_blocks;
    e << YAML::Key << "num_classes" << YAML::Value << w.zoo.num_classes;
    e << YAML::EndMap;
  }
  e << YAML::Key << "quantization" << YAML::Value << YAML::BeginMap;
  auto formats = [&](const std::string& act, const std::string& wgt) {
    if (wgt.empty() || wgt == act) {
      e << YAML::Value << act;
      return;
    }
    e << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "weights" << YAML::Value << wgt
      << YAML::Key << "activations" << YAML::Value << act << YAML::EndMap;
  };
  e << YAML::Key << "default";
  formats(w.quant.default_format, w.quant.default_weights);
  e << YAML::Key << "layers" << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : w.quant.layers) {
    e << YAML::Key << k;
    auto it = w.quant.layer_weights.find(k);
    formats(v, it == w.quant.layer_weights.end() ? "" : it->second);
  }
  e << YAML::EndMap << YAML::EndMap;
  const hw::AcceleratorConfig& s = w.accel;
  e << YAML::Key << "accelerator" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "rows" << YAML::Value << s.rows;
  e << YAML::Key << "cols" << YAML::Value << s.cols;
  e << YAML::Key << "dataflow" << YAML::Value << hw::to_string(w.dataflow);
  e << YAML::Key << "fidelity" << YAML::Value << hw::to_string(s.fidelity);
  e << YAML::Key << "clock_mhz" << YAML::Value << s.clock_mhz;
  e << YAML::Key << "buffers" << YAML::Value << YAML::Flow << YAML::BeginMap;
  e << YAML::Key << "weight_kb" << YAML::Value << s.weight_kb;
  e << YAML::Key << "input_kb" << YAML::Value << s.input_kb;
  e << YAML::Key << "output_kb" << YAML::Value << s.output_kb;
  e << YAML::EndMap;
  e << YAML::Key << "dram" << YAML::Value << YAML::Flow << YAML::BeginMap;
  e << YAML::Key << "bytes_per_cycle" << YAML::Value << s.dram_bytes_per_cycle;
  e << YAML::Key << "latency_cycles" << YAML::Value << s.dram_latency_cycles;
  e << YAML::EndMap;
  // The datapath only when it is not the default (effective.yaml of existing runs unchanged).
  if (const hw::DatapathOptions& d = s.datapath; !d.is_default()) {
    e << YAML::Key << "datapath" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "accumulator" << YAML::Value
      << (d.acc_mode == hw::AccMode::narrow ? "narrow" : d.acc_mode == hw::AccMode::small_float ? "small_float" : "exact");
    e << YAML::Key << "small_float" << YAML::Value << YAML::Flow << YAML::BeginMap;
    e << YAML::Key << "fraction_bits" << YAML::Value << d.float_frac_bits;
    e << YAML::Key << "exponent_bits" << YAML::Value;
    if (d.float_exp_bits == 0)
      e << "auto";
    else
      e << d.float_exp_bits;
    e << YAML::EndMap;
    e << YAML::Key << "narrow" << YAML::Value << YAML::Flow << YAML::BeginMap;
    e << YAML::Key << "width" << YAML::Value << d.narrow_bits;
    e << YAML::Key << "fraction_bits" << YAML::Value << d.narrow_frac_bits << YAML::EndMap;
    e << YAML::Key << "converter_fraction_bits" << YAML::Value << d.lin_frac_bits;
    e << YAML::Key << "psum" << YAML::Value << YAML::Flow << YAML::BeginMap;
    e << YAML::Key << "format" << YAML::Value
      << (d.psum == hw::PsumMode::exact ? "exact" : d.psum == hw::PsumMode::small_float ? "small_float" : "accumulator");
    e << YAML::Key << "fraction_bits" << YAML::Value << d.psum_frac_bits << YAML::EndMap;
    e << YAML::EndMap;
  }
  e << YAML::EndMap;  // accelerator
  if (w.lpq.present) {
    const LpqSpec& q = w.lpq;
    e << YAML::Key << "lpq" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "calibration" << YAML::Value << YAML::Flow << YAML::BeginMap;
    if (!q.calibration_npy.empty())
      e << YAML::Key << "npy" << YAML::Value << q.calibration_npy;
    else
      e << YAML::Key << "count" << YAML::Value << q.calibration_count;
    e << YAML::Key << "seed" << YAML::Value << q.calibration_seed << YAML::EndMap;
    e << YAML::Key << "iterations" << YAML::Value << q.iterations;
    e << YAML::Key << "population" << YAML::Value << q.population;
    e << YAML::Key << "block" << YAML::Value << q.block;
    e << YAML::Key << "diverse" << YAML::Value << q.diverse;
    e << YAML::Key << "mutation_rate" << YAML::Value << q.mutation_rate;
    e << YAML::Key << "crossover_rate" << YAML::Value << q.crossover_rate;
    e << YAML::Key << "weight_bits" << YAML::Value << YAML::Flow << q.weight_bits;
    e << YAML::Key << "activation_bits" << YAML::Value << YAML::Flow << q.activation_bits;
    e << YAML::Key << "es_max" << YAML::Value << q.es_max;
    e << YAML::Key << "sf_range" << YAML::Value << q.sf_range;
    e << YAML::Key << "sf_samples" << YAML::Value << q.sf_samples;
    e << YAML::Key << "objective" << YAML::Value << q.objective;
    e << YAML::Key << "tau" << YAML::Value << q.tau;
    e << YAML::Key << "local_weight" << YAML::Value << q.local_weight;
    e << YAML::Key << "local_layers" << YAML::Value << q.local_layers;
    e << YAML::Key << "compression" << YAML::Value << q.compression;
    e << YAML::Key << "lambda" << YAML::Value << q.lambda;
    e << YAML::Key << "seed" << YAML::Value << q.seed;
    e << YAML::Key << "baselines" << YAML::Value << q.baselines;
    e << YAML::EndMap;
  }
  e << YAML::EndMap;  // the workload
  return std::string(e.c_str()) + "\n";
}

}  // namespace lpsim::sim
