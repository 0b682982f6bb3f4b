// `lpsim run --save-outputs`: .npy writer and predictions.csv.
#include "sim/run/saved_outputs.hpp"

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>

namespace lpsim::sim {

std::string npy_bytes(const std::vector<std::int64_t>& shape, const float* data) {
  std::string dims;
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    dims += std::to_string(d) + ",";
    n *= d;
  }
  if (shape.size() > 1) dims.pop_back();  // "(3,)" for one dimension, "(2,3)" for more
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Magic (6) + version (2) + length (2) + header + '\n' padded to a multiple of 64.
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  const std::size_t bytes = static_cast<std::size_t>(n) * sizeof(float);
  const std::size_t at = out.size();
  out.resize(at + bytes);
  if (bytes) std::memcpy(&out[at], data, bytes);  // little-endian host (x86-64, aarch64)
  return out;
}

namespace {

std::string safe_file_name(const std::string& s) {
  std::string r;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '+' || c == '-';
    r += ok ? c : '_';
  }
  if (r.empty() || r[0] == '.') r = "_" + r;
  return r.substr(0, 100);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> saved_output_files(
    const RunResult& r, const std::vector<std::int64_t>& labels) {
  std::vector<std::pair<std::string, std::string>> files;
  if (r.output_names.empty() || r.output_accelerator.empty()) return files;
  std::set<std::string> taken;
  std::size_t at = 0;
  for (std::size_t i = 0; i < r.output_names.size(); ++i) {
    const auto& shape = r.output_shapes.at(i);
    std::size_t n = 1;
    for (std::int64_t d : shape) n *= static_cast<std::size_t>(d);
    if (at + n > r.output_accelerator.size() || at + n > r.output_fp32.size())
      throw std::logic_error("saved_output_files: output values shorter than the shapes");
    std::string base = safe_file_name(r.output_names[i]);
    for (int k = 2; taken.count(base); ++k)
      base = safe_file_name(r.output_names[i]) + "_" + std::to_string(k);
    taken.insert(base);
    files.emplace_back("outputs/" + base + ".fp32.npy",
                       npy_bytes(shape, r.output_fp32.data() + at));
    files.emplace_back("outputs/" + base + ".accelerator.npy",
                       npy_bytes(shape, r.output_accelerator.data() + at));
    at += n;
  }
  if (!labels.empty() && r.output_shapes.size() == 1 && r.output_shapes[0].size() == 2) {
    const auto classes = static_cast<std::size_t>(r.output_shapes[0][1]);
    std::string csv = "image,label,fp32,accelerator\n";
    for (std::size_t b = 0; b < labels.size(); ++b) {
      auto argmax = [&](const std::vector<float>& v) {
        const auto row = v.begin() + static_cast<std::ptrdiff_t>(b * classes);
        return std::max_element(row, row + static_cast<std::ptrdiff_t>(classes)) - row;
      };
      csv += std::to_string(b) + "," + std::to_string(labels[b]) + "," +
             std::to_string(argmax(r.output_fp32)) + "," +
             std::to_string(argmax(r.output_accelerator)) + "\n";
    }
    files.emplace_back("predictions.csv", csv);
  }
  return files;
}

}  // namespace lpsim::sim
