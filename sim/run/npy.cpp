// .npy reader: magic, version 1-3 header dict, float32/float64 little-endian, C order.
#include "sim/run/npy.hpp"

#include <cstring>
#include <fstream>
#include <iterator>

#include "sw/common/checked_math.hpp"
#include "sw/common/error.hpp"

namespace lpsim::sim {

namespace {

// The largest element count accepted (as for every tensor of a model: sw/model/graph.hpp).
constexpr std::int64_t kMaxNpyElements = 2147483647;

// `s` for an error message: at most 40 characters, bytes outside printable ASCII as '?' (the
// message is one line of text whatever the file holds).
std::string printable(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += c >= 0x20 && c < 0x7f ? c : '?';
  return s.size() > 40 ? out + "..." : out;
}

// The header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 32, 32), }:
// the text after "'key':" (white space skipped), or npos when the key is absent.
std::size_t value_of(const std::string& h, const char* key) {
  const std::string k = std::string("'") + key + "'";
  std::size_t i = h.find(k);
  if (i == std::string::npos) return i;
  i += k.size();
  while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
  if (i == h.size() || h[i] != ':') return std::string::npos;
  ++i;
  while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
  return i;
}

// The dimensions of a shape tuple's inside, e.g. "1, 3, 32, 32" or "5," or "": comma-separated
// non-negative decimal integers, nothing else. Returns false on anything else (a sign, a
// string, a missing comma, a number above kMaxNpyElements).
bool parse_dims(const std::string& t, std::vector<std::int64_t>& dims) {
  std::size_t i = 0;
  auto skip_ws = [&] {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
  };
  skip_ws();
  while (i < t.size()) {
    if (t[i] < '0' || t[i] > '9') return false;
    std::int64_t d = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      d = d * 10 + (t[i] - '0');
      if (d > kMaxNpyElements) return false;
      ++i;
    }
    dims.push_back(d);
    skip_ws();
    if (i == t.size()) break;
    if (t[i] != ',') return false;
    ++i;
    skip_ws();
  }
  return true;
}

}  // namespace

namespace {

// The parsed header and the raw data bytes of a .npy file; `descr` is the dtype text.
struct RawNpy {
  std::string descr;
  std::vector<std::int64_t> shape;
  std::int64_t count = 0;
  std::string bytes;
  std::size_t data_start = 0;
};

RawNpy read_raw(const std::string& path, bool labels);

}  // namespace

NpyArray read_npy(const std::string& path) {
  const RawNpy raw = read_raw(path, false);
  NpyArray a;
  a.shape = raw.shape;
  const std::size_t esize = raw.descr == "<f4" ? 4 : 8;
  a.data.resize(static_cast<std::size_t>(raw.count));
  for (std::size_t i = 0; i < a.data.size(); ++i) {
    if (esize == 4) {
      std::memcpy(&a.data[i], raw.bytes.data() + raw.data_start + i * 4, 4);
    } else {
      double d;
      std::memcpy(&d, raw.bytes.data() + raw.data_start + i * 8, 8);
      a.data[i] = static_cast<float>(d);
    }
  }
  return a;
}

std::vector<std::int64_t> read_npy_labels(const std::string& path, std::int64_t count,
                                          std::int64_t classes) {
  const RawNpy raw = read_raw(path, true);
  if (raw.shape.size() != 1)
    throw UserError(path + ": labels must be a vector (1-D array), not shape (" + [&] {
      std::string s;
      for (std::int64_t d : raw.shape) s += std::to_string(d) + ",";
      return s;
    }() + ")");
  if (raw.count != count)
    throw UserError(path + ": " + std::to_string(raw.count) + " labels for " + std::to_string(count) +
                    " images");
  const bool is_signed = raw.descr[1] == 'i';
  const std::size_t esize = static_cast<std::size_t>(raw.descr[2] - '0');
  std::vector<std::int64_t> out(static_cast<std::size_t>(raw.count));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(raw.bytes.data() + raw.data_start + i * esize);
    std::uint64_t u = 0;
    for (std::size_t b = 0; b < esize; ++b) u |= static_cast<std::uint64_t>(p[b]) << (8 * b);
    std::int64_t v;
    if (is_signed && esize < 8 && (u >> (8 * esize - 1)) & 1) u |= ~std::uint64_t{0} << (8 * esize);
    if (!is_signed && esize == 8 && u > static_cast<std::uint64_t>(INT64_MAX)) u = static_cast<std::uint64_t>(INT64_MAX);
    std::memcpy(&v, &u, 8);
    if (v < 0 || v >= classes)
      throw UserError(path + ": label " + std::to_string(i) + " is " + std::to_string(v) +
                      ", outside the model's classes 0.." + std::to_string(classes - 1));
    out[i] = v;
  }
  return out;
}

namespace {

RawNpy read_raw(const std::string& path, bool labels) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw UserError(path + ": cannot open .npy file");
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto bad = [&](const std::string& what) { return UserError(path + ": " + what); };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw bad("not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t hlen = 0, hstart = 0;
  if (major == 1) {
    hlen = static_cast<unsigned char>(bytes[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw bad("truncated header");
    for (int i = 3; i >= 0; --i) hlen = (hlen << 8) | static_cast<unsigned char>(bytes[8 + i]);
    hstart = 12;
  } else {
    throw bad("unsupported .npy version " + std::to_string(major));
  }
  if (hlen > bytes.size() - hstart) throw bad("truncated header");
  const std::string header = bytes.substr(hstart, hlen);

  std::size_t v = value_of(header, "descr");
  if (v == std::string::npos || v == header.size() || header[v] != '\'') throw bad("header has no 'descr'");
  const std::size_t descr_end = header.find('\'', v + 1);
  if (descr_end == std::string::npos) throw bad("header has no 'descr'");
  const std::string descr = header.substr(v + 1, descr_end - v - 1);
  if (labels) {
    const bool ok = descr.size() == 3 && (descr[0] == '<' || descr[0] == '|') &&
                    (descr[1] == 'i' || descr[1] == 'u') &&
                    (descr[2] == '1' || descr[2] == '2' || descr[2] == '4' || descr[2] == '8') &&
                    (descr[0] == '|') == (descr[2] == '1');
    if (!ok)
      throw bad("dtype '" + printable(descr) + "' is not an integer type (labels are class indices: int8..int64, uint8..uint64)");
  } else if (descr != "<f4" && descr != "<f8") {
    throw bad("dtype '" + printable(descr) + "' is not float32 ('<f4') or float64 ('<f8')");
  }

  v = value_of(header, "fortran_order");
  if (v == std::string::npos) throw bad("header has no 'fortran_order'");
  if (header.compare(v, 4, "True") == 0) throw bad("Fortran-ordered arrays are not supported (save with C order)");
  if (header.compare(v, 5, "False") != 0) throw bad("header has no 'fortran_order'");

  v = value_of(header, "shape");
  if (v == std::string::npos || v == header.size() || header[v] != '(') throw bad("header has no 'shape'");
  const std::size_t shape_end = header.find(')', v);
  if (shape_end == std::string::npos) throw bad("header has no 'shape'");
  const std::string dims = header.substr(v + 1, shape_end - v - 1);
  RawNpy a;
  a.descr = descr;
  if (!parse_dims(dims, a.shape))
    throw bad("shape (" + printable(dims) + ") is not a tuple of dimensions 0.." +
              std::to_string(kMaxNpyElements));
  std::int64_t count = 1;
  for (std::int64_t d : a.shape) {
    const auto p = mul_no_overflow(count, d);
    if (!p || *p > kMaxNpyElements)
      throw bad("shape (" + printable(dims) + ") has more than " + std::to_string(kMaxNpyElements) +
                " elements");
    count = *p;
  }

  const std::size_t esize = labels ? static_cast<std::size_t>(descr[2] - '0') : descr == "<f4" ? 4 : 8;
  const std::size_t data_start = hstart + hlen;
  if (bytes.size() - data_start != static_cast<std::size_t>(count) * esize)
    throw bad("data size " + std::to_string(bytes.size() - data_start) + " bytes does not match shape (" +
              std::to_string(count) + " x " + std::to_string(esize) + " bytes)");
  a.count = count;
  a.data_start = data_start;
  a.bytes = bytes;
  return a;
}

}  // namespace

}  // namespace lpsim::sim
