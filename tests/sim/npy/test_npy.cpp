// read_npy: float32/float64 files of versions 1-3, and every bad header, shape, dtype or size
// is a one-line UserError "FILE: what" (issue 8's bad-input campaign: shapes (-1,3,32,32) and
// (1,3,32,32,"x") were accepted, a dimension above INT64_MAX threw std::out_of_range from stoll,
// and a shape whose element count wrapped read past the data).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "sim/run/npy.hpp"
#include "sw/common/error.hpp"
#include "tests/support/error_of.hpp"

namespace lpsim::sim {
namespace {

using lpsim::test::error_of;

// A .npy file: magic, version, header length, `header`, then `data` (bytes as given).
std::string npy_bytes(const std::string& header, const std::string& data, int major = 1) {
  std::string b = "\x93NUMPY";
  b += static_cast<char>(major);
  b += '\0';
  const std::size_t n = header.size();
  if (major == 1) {
    b += static_cast<char>(n & 0xff);
    b += static_cast<char>((n >> 8) & 0xff);
  } else {
    for (int i = 0; i < 4; ++i) b += static_cast<char>((n >> (8 * i)) & 0xff);
  }
  return b + header + data;
}

std::string dict(const std::string& descr, const std::string& shape, const char* fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': (" + shape + "), }\n";
}

std::string floats(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

// ctest runs the tests of this file in parallel processes: each file name carries the pid.
std::string write(const std::string& name, const std::string& bytes) {
  const std::string path =
      ::testing::TempDir() + "lpsim_npy_" + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// The error for `bytes`; checks the one-line "FILE: " form.
std::string error_for(const std::string& bytes) {
  const std::string path = write("bad.npy", bytes);
  const std::string msg = error_of<UserError>([&] { read_npy(path); });
  EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  return msg;
}

TEST(Npy, ReadsFloat32AndFloat64InEveryVersion) {
  const std::vector<float> v{1.5f, -2.0f, 0.25f, 8.0f, 0.0f, -0.5f};
  for (int major : {1, 2, 3}) {
    const NpyArray a = read_npy(write("f4.npy", npy_bytes(dict("<f4", "1, 2, 3"), floats(v), major)));
    EXPECT_EQ(a.shape, (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_EQ(a.data, v);
  }
  std::string d;
  for (float x : v) {
    const double y = x;
    d.append(reinterpret_cast<const char*>(&y), 8);
  }
  EXPECT_EQ(read_npy(write("f8.npy", npy_bytes(dict("<f8", "6,"), d))).data, v);
  const NpyArray scalar = read_npy(write("s.npy", npy_bytes(dict("<f4", ""), floats({3.0f}))));
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(scalar.data, std::vector<float>{3.0f});
}

TEST(Npy, ShapesThatAreNotTuplesOfCountsAreRefused) {
  for (const char* shape : {"-1, 3, 32, 32", "1, 3, 32, 32, \"x\"", "1, 3, 32, 32, 'x'", "1 3",
                            "1,,3", "+1,", "1.0,", "0x10,", "1, 3, 2147483648",
                            "99999999999999999999,"}) {
    const std::string msg = error_for(npy_bytes(dict("<f4", shape), floats({0.0f})));
    EXPECT_NE(msg.find("is not a tuple of dimensions 0..2147483647"), std::string::npos)
        << shape << ": " << msg;
  }
}

TEST(Npy, ElementCountsThatWrapOrAreHugeAreRefused) {
  // 65536^4 = 2^64 wraps to 0 in 64 bits (and matched an empty data section).
  for (const char* shape : {"65536, 65536, 65536, 65536", "65536, 65536", "2147483647, 2"}) {
    const std::string msg = error_for(npy_bytes(dict("<f4", shape), ""));
    EXPECT_NE(msg.find("has more than 2147483647 elements"), std::string::npos) << msg;
  }
}

TEST(Npy, WrongDtypeOrderAndMissingKeysAreRefused) {
  for (const char* descr : {"<i4", ">f4", "|b1", "<f2", "f4", "<f4\n\xff"}) {
    const std::string msg = error_for(npy_bytes(dict(descr, "1,"), floats({1.0f})));
    EXPECT_NE(msg.find("is not float32 ('<f4') or float64 ('<f8')"), std::string::npos) << msg;
  }
  EXPECT_NE(error_for(npy_bytes(dict("<f4", "1,", "True"), floats({1.0f}))).find("Fortran"),
            std::string::npos);
  EXPECT_NE(error_for(npy_bytes(dict("<f4", "1,", "Maybe"), floats({1.0f}))).find("fortran_order"),
            std::string::npos);
  EXPECT_NE(error_for(npy_bytes("{'fortran_order': False, 'shape': (1,), }", floats({1.0f})))
                .find("no 'descr'"),
            std::string::npos);
  EXPECT_NE(error_for(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': 1, }", floats({1.0f})))
                .find("no 'shape'"),
            std::string::npos);
  EXPECT_NE(error_for(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,", floats({1.0f})))
                .find("no 'shape'"),
            std::string::npos);
}

TEST(Npy, TruncatedOrOversizedFilesAreRefused) {
  const std::string good = npy_bytes(dict("<f4", "2, 2"), floats({1, 2, 3, 4}));
  EXPECT_NE(error_for(good.substr(0, 7)).find("bad magic"), std::string::npos);
  EXPECT_NE(error_for(good.substr(0, 30)).find("truncated header"), std::string::npos);
  EXPECT_NE(error_for(good.substr(0, good.size() - 1)).find("data size 15 bytes does not match"),
            std::string::npos);
  EXPECT_NE(error_for(good + "x").find("data size 17 bytes"), std::string::npos);
  // Version 2 with a header length of 4 GiB - 1 and no header.
  std::string v2 = npy_bytes("", "", 2);
  v2.replace(8, 4, "\xff\xff\xff\xff");
  EXPECT_NE(error_for(v2).find("truncated header"), std::string::npos);
  EXPECT_NE(error_for(npy_bytes(dict("<f4", "1,"), floats({1}), 4)).find("unsupported .npy version 4"),
            std::string::npos);
}

}  // namespace
}  // namespace lpsim::sim
