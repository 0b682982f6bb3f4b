// SCALE-Sim v2 topology CSV parser (conv and GEMM forms) with line-accurate errors.
#include "sim/scalesim/topology.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "sw/common/error.hpp"
#include "sw/common/text.hpp"

namespace lpsim::scalesim {

namespace {

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> f;
  std::string cur;
  for (char ch : line) {
    if (ch == ',') {
      f.push_back(trim(cur));
      cur.clear();
    } else {
      cur += ch;
    }
  }
  f.push_back(trim(cur));
  // One trailing comma (SCALE-Sim's own files end every row with one) leaves an empty field.
  if (f.size() > 1 && f.back().empty()) f.pop_back();
  return f;
}

// A dimensions field: decimal integer (optional '+'), 1 .. 2^31-1.
std::int64_t parse_dim(const std::string& path, int line, const std::string& what,
                       const std::string& text) {
  if (text.empty()) throw file_error(path, line, what + " is empty");
  std::size_t i = (text[0] == '+' || text[0] == '-') ? 1 : 0;
  if (i == text.size() || !std::all_of(text.begin() + static_cast<std::ptrdiff_t>(i), text.end(),
                                       [](char c) { return c >= '0' && c <= '9'; }))
    throw file_error(path, line, what + " '" + text + "' is not an integer");
  if (text[0] == '-' && text.find_first_not_of('0', 1) != std::string::npos)
    throw file_error(path, line, what + " " + text + " must be positive");
  if (text.size() - i > 10) throw file_error(path, line, what + " " + text + " is too large");
  const std::int64_t v = std::stoll(text.substr(i));
  if (v <= 0) throw file_error(path, line, what + " " + text + " must be positive");
  if (v > std::numeric_limits<std::int32_t>::max())
    throw file_error(path, line, what + " " + text + " is too large");
  return v;
}

std::string stem(const std::string& path) {
  std::string base =
      path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  const auto dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

}  // namespace

std::int64_t Layer::ifmap_footprint() const {
  // Rows (columns) of the input any window touches; windows may overhang the edge when
  // (H - R) is not a multiple of the stride: those words are padding, never fetched.
  auto covered = [](std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t out) {
    if (s <= k) return std::min(in, (out - 1) * s + k);
    // Gaps between windows (s > k): the first `full` windows lie inside the input (k each);
    // the next one, if any, overhangs and covers what is left; later ones start past the end.
    // A closed form: a sum over the windows takes seconds for H = 2^31 - 1, k = 1, s = 3.
    const std::int64_t full = std::min(out, (in - k) / s + 1);
    return full * k + (full < out ? std::max<std::int64_t>(0, in - full * s) : 0);
  };
  return covered(ifmap_h, filter_h, stride_h, ofmap_h()) *
         covered(ifmap_w, filter_w, stride_w, ofmap_w()) * channels;
}

Topology read_topology(const std::string& path, TopologyKind kind) {
  std::ifstream in = open_text_file(path, "topology file");
  Topology topo;
  topo.path = path;
  topo.name = stem(path);
  std::string raw;
  int line_no = 0;
  bool header_seen = false;
  std::size_t conv_cols = 8;
  while (std::getline(in, raw)) {
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    const std::string line = trim(raw);
    if (!header_seen) {
      if (line.empty()) continue;  // leading blank lines before the header
      header_seen = true;
      const auto h = split_fields(line);
      for (std::size_t i = 0; i < h.size(); ++i)
        if (h[i].empty())
          throw file_error(
              path, line_no,
              "header column " + std::to_string(i + 1) + " is empty (malformed header)");
      if (kind == TopologyKind::automatic) {
        if (h.size() == 4) {
          kind = TopologyKind::gemm;
        } else if (h.size() == 8 || h.size() == 9) {
          kind = TopologyKind::conv;
        } else {
          throw file_error(path, line_no,
                           "header has " + std::to_string(h.size()) +
                               " columns; expected 8 (conv: Layer name, IFMAP Height, IFMAP "
                               "Width, Filter Height, Filter Width, Channels, Num Filter, "
                               "Strides) or 4 (GEMM: Layer Name, M, N, K)");
        }
      } else {
        const std::size_t want_min = kind == TopologyKind::gemm ? 4 : 8;
        const std::size_t want_max = kind == TopologyKind::gemm ? 4 : 9;
        if (h.size() < want_min || h.size() > want_max)
          throw file_error(path, line_no,
                           "header has " + std::to_string(h.size()) + " columns; a " +
                               (kind == TopologyKind::gemm ? "GEMM" : "conv") + " topology has " +
                               std::to_string(want_min));
      }
      if (kind == TopologyKind::conv) conv_cols = h.size();
      topo.gemm = kind == TopologyKind::gemm;
      continue;
    }
    if (line.empty()) continue;  // SCALE-Sim skips blank rows
    const auto f = split_fields(line);
    const std::size_t want = topo.gemm ? 4 : conv_cols;
    if (std::all_of(f.begin(), f.end(), [](const std::string& s) { return s.empty(); }))
      throw file_error(path, line_no, "empty layer row (only commas)");
    if (f.size() != want)
      throw file_error(path, line_no,
                       "layer row has " + std::to_string(f.size()) + " columns, expected " +
                           std::to_string(want) + " as in the header");
    Layer l;
    l.line = line_no;
    l.name = f[0];
    if (l.name.empty()) throw file_error(path, line_no, "layer name is empty");
    if (topo.gemm) {
      const auto m = parse_dim(path, line_no, "M", f[1]);
      const auto n = parse_dim(path, line_no, "N", f[2]);
      const auto k = parse_dim(path, line_no, "K", f[3]);
      l.ifmap_h = m;
      l.ifmap_w = k;
      l.filter_h = 1;
      l.filter_w = k;
      l.channels = 1;
      l.num_filters = n;
      if (static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) * 100.0 > 9.0e15)
        throw file_error(path, line_no, "layer is too large (more than 9e13 MACs)");
      if (static_cast<std::int64_t>(topo.layers.size()) >= kMaxTopologyLayers)
        throw file_error(path, line_no, "a topology may have at most " + std::to_string(kMaxTopologyLayers) + " layers");
      topo.layers.push_back(l);
      continue;
    }
    l.ifmap_h = parse_dim(path, line_no, "IFMAP Height", f[1]);
    l.ifmap_w = parse_dim(path, line_no, "IFMAP Width", f[2]);
    l.filter_h = parse_dim(path, line_no, "Filter Height", f[3]);
    l.filter_w = parse_dim(path, line_no, "Filter Width", f[4]);
    l.channels = parse_dim(path, line_no, "Channels", f[5]);
    l.num_filters = parse_dim(path, line_no, "Num Filter", f[6]);
    l.stride_h = parse_dim(path, line_no, "Strides", f[7]);
    l.stride_w = conv_cols == 9 ? parse_dim(path, line_no, "Stride Width", f[8]) : l.stride_h;
    if (l.filter_h > l.ifmap_h)
      throw file_error(path, line_no,
                       "Filter Height " + std::to_string(l.filter_h) +
                           " is larger than IFMAP Height " + std::to_string(l.ifmap_h));
    if (l.filter_w > l.ifmap_w)
      throw file_error(path, line_no,
                       "Filter Width " + std::to_string(l.filter_w) +
                           " is larger than IFMAP Width " + std::to_string(l.ifmap_w));
    // Keep every count exact in a double (the reports are Python floats of integer ratios).
    if (static_cast<double>(l.ofmap_px()) * static_cast<double>(l.window()) *
            static_cast<double>(l.num_filters) * 100.0 >
        9.0e15)
      throw file_error(path, line_no, "layer is too large (more than 9e13 MACs)");
    if (l.name.find("DP") != std::string::npos) {
      // SCALE-Sim's depthwise convention: one layer per channel, each with one channel.
      const std::int64_t c = l.channels;
      if (c > kMaxTopologyLayers - static_cast<std::int64_t>(topo.layers.size()))
        throw file_error(path, line_no,
                         "depthwise layer '" + l.name + "' expands into " + std::to_string(c) +
                             " single-channel layers (one report row each); a topology may have at most " +
                             std::to_string(kMaxTopologyLayers) + " layers");
      for (std::int64_t ch = 0; ch < c; ++ch) {
        Layer d = l;
        d.name = l.name + "Channel_" + std::to_string(ch);
        d.channels = 1;
        topo.layers.push_back(d);
      }
      continue;
    }
    if (static_cast<std::int64_t>(topo.layers.size()) >= kMaxTopologyLayers)
      throw file_error(path, line_no, "a topology may have at most " + std::to_string(kMaxTopologyLayers) + " layers");
    topo.layers.push_back(l);
  }
  if (in.bad()) throw file_error(path, line_no, "read error");
  if (!header_seen) throw file_error(path, 0, "topology file is empty (no header)");
  if (topo.layers.empty()) throw file_error(path, line_no, "topology has no layers");
  return topo;
}

}  // namespace lpsim::scalesim
