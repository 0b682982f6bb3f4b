// .npy reader: magic, version 1-3 header dict, float32/float64 little-endian, C order.
#include "sim/run/npy.hpp"

#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>

#include "sw/common/error.hpp"

namespace lpsim::sim {

NpyArray read_npy(const std::string& path) {
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
  if (hstart + hlen > bytes.size()) throw bad("truncated header");
  const std::string header = bytes.substr(hstart, hlen);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'"))) throw bad("header has no 'descr'");
  const std::string descr = m[1];
  if (descr != "<f4" && descr != "<f8") throw bad("dtype '" + descr + "' is not float32 ('<f4') or float64 ('<f8')");
  if (!std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*(True|False)"))) throw bad("header has no 'fortran_order'");
  if (m[1] == "True") throw bad("Fortran-ordered arrays are not supported (save with C order)");
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)"))) throw bad("header has no 'shape'");
  NpyArray a;
  const std::string dims = m[1];
  std::int64_t count = 1;
  const std::regex number("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    a.shape.push_back(std::stoll(it->str()));
    count *= a.shape.back();
  }
  const std::size_t esize = descr == "<f4" ? 4 : 8;
  const std::size_t data_start = hstart + hlen;
  if (bytes.size() - data_start != static_cast<std::size_t>(count) * esize)
    throw bad("data size " + std::to_string(bytes.size() - data_start) + " bytes does not match shape (" +
              std::to_string(count) + " x " + std::to_string(esize) + " bytes)");
  a.data.resize(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    if (esize == 4) {
      std::memcpy(&a.data[static_cast<std::size_t>(i)], bytes.data() + data_start + i * 4, 4);
    } else {
      double d;
      std::memcpy(&d, bytes.data() + data_start + i * 8, 8);
      a.data[static_cast<std::size_t>(i)] = static_cast<float>(d);
    }
  }
  return a;
}

}  // namespace lpsim::sim
