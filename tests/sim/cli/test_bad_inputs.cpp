// Bad input, everywhere (docs/reliability.md): the classes a bad-input campaign found, each as
// a regression through the real binary: one line `lpsim: error: …` naming the file, key or
// layer, exit 2, nothing on stdout, no output directory, and no hang (every case is bounded
// by `timeout`, so a hang fails instead of stalling the suite).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "run_fixture.hpp"

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;

class BadInputs : public RunFixture {
 protected:
  // Runs `lpsim ARGS` in the sandbox under a 30-second limit.
  CommandResult lpsim(const std::string& args) {
    return run_lpsim_with("cd '" + m_dir.string() + "' && timeout 30 ", args);
  }
  void expect_error(const CommandResult& r, const std::string& needle) { expect_one_line_error(r, needle); }
};

TEST_F(BadInputs, IntScalesOutsideTheScaleRegistersAreNamed) {
  for (const char* scale : {"1e-30", "1e30", "1e-300"}) {
    write("w.yaml", kSmallResNet18 + "quantization: {default: \"int:8," + scale + "\"}\n");
    expect_error(lpsim("run w.yaml -q -o out"), "INT scale");
  }
}

TEST_F(BadInputs, InputFilesThatAreDirectoriesOrFifosAreRefusedWithoutBlocking) {
  write("w.yaml", kSmallResNet18);
  fs::create_directory(m_dir / "dir");
  ASSERT_EQ(mkfifo((m_dir / "fifo").c_str(), 0644), 0);
  for (const char* p : {"dir", "fifo"}) {
    SCOPED_TRACE(p);
    expect_error(lpsim("run w.yaml -q -o out --energy " + std::string(p)), "not a regular file");
    expect_error(lpsim("run " + std::string(p) + " -q -o out"), p);
    const std::string data = LPSIM_TEST_DATA_DIR;
    expect_error(lpsim("scalesim -t " + std::string(p) + " -c " + data +
                       "/scalesim/tiny_4x4/tiny_os.cfg -p out"),
                 p);
    expect_error(lpsim("scalesim -t " + data + "/scalesim/tiny_4x4/tiny.csv -c " + std::string(p) +
                       " -p out"),
                 p);
  }
}

// Huge layers on tiny arrays: closed forms, never a loop over every fold or tile.
TEST_F(BadInputs, HugeGemmOnAOneByOneArrayIsFastOrRefusedBeforeAllocating) {
  write("big.csv", "Layer Name, M, N, K,\nbig, 9000000, 9000000, 1,\n");
  const std::string cfg =
      slurp(std::string(LPSIM_TEST_DATA_DIR) + "/scalesim/tiny_4x4/tiny_os.cfg");
  std::string one = cfg;
  one.replace(one.find("ArrayHeight:    4"), 17, "ArrayHeight: 1");
  one.replace(one.find("ArrayWidth:     4"), 17, "ArrayWidth: 1");
  write("one.cfg", one);
  const auto r = lpsim("scalesim -t big.csv -c one.cfg -p logs");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("80999999999999 cycles"), std::string::npos) << r.out;
  const std::string compute = slurp(m_dir / "logs" / "tiny_4x4_os" / "COMPUTE_REPORT.csv");
  // One fold per output on a 1x1 array: every fold maps the whole array.
  EXPECT_NE(compute.find("0, 80999999999999, 0, "), std::string::npos) << compute;
  EXPECT_NE(compute.find(", 100.0, 100.0,\n"), std::string::npos) << compute;
  expect_error(lpsim("scalesim --timing native -t big.csv -c one.cfg -p out"),
               "tiles on these buffers");
}

TEST_F(BadInputs, DepthwiseLayersWithMillionsOfChannelsAreRefusedBeforeExpansion) {
  write("dw.csv",
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
        "Strides,\n"
        "convDP,5,5,3,3,2147483647,1,1,\n");
  const std::string data = LPSIM_TEST_DATA_DIR;
  expect_error(lpsim("scalesim -t dw.csv -c " + data + "/scalesim/tiny_4x4/tiny_os.cfg -p out"),
               "dw.csv:2: depthwise layer 'convDP' expands into 2147483647 single-channel layers");
  write("dw2.csv",
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
        "Strides,\n"
        "convDP,5,5,3,3,20000,1,1,\n");
  write("t.yaml", "topology: dw2.csv\n");
  expect_error(lpsim("run t.yaml -q -o out"), "20000 layers after depthwise expansion");
}

TEST_F(BadInputs, ErrorTextsStayOnOneLine) {
  write("w.yaml", kSmallResNet18);
  // A --set key with a newline, and a file name with one.
  const auto r = lpsim("run w.yaml -q -o out --set \"$(printf 'a\\nb=1')\"");
  expect_error(r, "a\\nb");
  const auto f = lpsim("run \"$(printf 'no\\nsuch.yaml')\" -q -o out");
  expect_error(f, "no\\nsuch.yaml");
}

}  // namespace
}  // namespace lpsim::test
