// Workload files: defaults, every key, --set, paths, and the bad-input corpus with its errors.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sw/common/error.hpp"
#include "sim/workload/workload.hpp"

namespace {

namespace fs = std::filesystem;
using lpsim::UserError;
using lpsim::sim::load_workload;
using lpsim::sim::ModelSource;
using lpsim::sim::Workload;

class WorkloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() /
            ("lpsim-wl-" + std::to_string(::getpid()) +
             "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(m_dir);
  }
  void TearDown() override { fs::remove_all(m_dir); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = m_dir / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

  // The error message of loading `text` (empty when it loads).
  std::string error_of(const std::string& text, const std::vector<std::string>& sets = {}) {
    const std::string path = write("w.yaml", text);
    try {
      load_workload(path, sets);
    } catch (const UserError& e) {
      const std::string msg = e.what();
      return msg.substr(0, path.size()) == path ? "W" + msg.substr(path.size()) : msg;
    }
    return "";
  }

  fs::path m_dir;
};

TEST_F(WorkloadTest, MinimalFileTakesTheDocumentedDefaults) {
  const Workload w = load_workload(write("resnet18.yaml", "model: resnet18\n"));
  EXPECT_EQ(w.name, "resnet18");
  EXPECT_EQ(w.source, ModelSource::Zoo);
  EXPECT_EQ(w.model, "resnet18");
  EXPECT_EQ(w.input.batch, 1);
  EXPECT_EQ(w.input.seed, 7u);
  EXPECT_EQ(w.quant.default_format, "lp<8,2,3,0>");
  EXPECT_EQ(w.accel.rows, 32);
  EXPECT_EQ(w.accel.cols, 32);
  EXPECT_EQ(w.dataflow, lpsim::hw::Dataflow::ws);
  EXPECT_EQ(w.accel.fidelity, lpsim::hw::Fidelity::tile);
  EXPECT_EQ(w.accel.clock_mhz, 500);
  EXPECT_EQ(w.accel.weight_kb, 128u);
  EXPECT_EQ(w.accel.input_kb, 256u);
  EXPECT_EQ(w.accel.output_kb, 128u);
  EXPECT_EQ(w.accel.dram_bytes_per_cycle, 16u);
  EXPECT_EQ(w.accel.dram_latency_cycles, 100u);
}

TEST_F(WorkloadTest, EveryKeyOfTheContractIsRead) {
  const Workload w = load_workload(write("full.yaml", R"(
model: mobilenetv2
input: {batch: 4, seed: 99}
quantization:
  default: "lp<4,1,3,2>"
  layers: {conv1: "lp<8,2,3,0>", fc: "posit<8,2>"}
accelerator:
  rows: 16
  cols: 8
  dataflow: os
  fidelity: cycle
  clock_mhz: 250.5
  buffers: {weight_kb: 64, input_kb: 32, output_kb: 16}
  dram: {bytes_per_cycle: 8, latency_cycles: 0}
)"));
  EXPECT_EQ(w.input.batch, 4);
  EXPECT_EQ(w.input.seed, 99u);
  EXPECT_EQ(w.quant.default_format, "lp<4,1,3,2>");
  ASSERT_EQ(w.quant.layers.size(), 2u);
  EXPECT_EQ(w.quant.layers.at("fc"), "posit<8,2>");
  EXPECT_EQ(w.accel.rows, 16);
  EXPECT_EQ(w.accel.cols, 8);
  EXPECT_EQ(w.dataflow, lpsim::hw::Dataflow::os);
  EXPECT_EQ(w.accel.fidelity, lpsim::hw::Fidelity::cycle);
  EXPECT_EQ(w.accel.clock_mhz, 250.5);
  EXPECT_EQ(w.accel.input_kb, 32u);
  EXPECT_EQ(w.accel.dram_latency_cycles, 0u);
  EXPECT_EQ(w.where("accelerator.rows"), (m_dir / "full.yaml").string() + ":8");
  EXPECT_NE(w.where("quantization.layers.fc").find("full.yaml:6"), std::string::npos);
}

TEST_F(WorkloadTest, SetOverridesWinAndAreNamedInErrors) {
  const std::string path = write("w.yaml", "model: resnet18\naccelerator: {rows: 32}\n");
  const Workload w = load_workload(path, {"accelerator.rows=16", "accelerator.dram.bytes_per_cycle=4",
                                          "input.seed=3"});
  EXPECT_EQ(w.accel.rows, 16);
  EXPECT_EQ(w.accel.dram_bytes_per_cycle, 4u);
  EXPECT_EQ(w.input.seed, 3u);
  EXPECT_EQ(w.where("accelerator.rows"), "--set accelerator.rows=16");
  try {
    load_workload(path, {"accelerator.rows=0"});
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(),
                 "--set accelerator.rows=0: accelerator.rows: value 0 is out of range 1..1024");
  }
}

TEST_F(WorkloadTest, RelativePathsAreRelativeToTheWorkloadFile) {
  write("nets/tiny.onnx", "not really onnx, but a file");
  const Workload w = load_workload(write("sub/../w.yaml", "onnx: nets/tiny.onnx\n"));
  EXPECT_EQ(w.source, ModelSource::Onnx);
  EXPECT_EQ(w.model, (m_dir / "nets/tiny.onnx").lexically_normal().string());
}

TEST_F(WorkloadTest, EffectiveConfigurationReadsBackToTheSameWorkload) {
  const std::string path =
      write("a.yaml", "model: resnet50\nquantization: {layers: {fc: \"lp<8,1,7,3>\"}}\n"
                      "accelerator: {rows: 8, dataflow: is}\n");
  const Workload a = load_workload(path, {"accelerator.clock_mhz=1000"});
  const std::string eff = lpsim::sim::effective_yaml(a);
  const Workload b = load_workload(write("a_effective.yaml", eff));
  EXPECT_EQ(lpsim::sim::effective_yaml(b).substr(eff.find('\n')),
            eff.substr(eff.find('\n')));  // all but the name line
  EXPECT_NE(eff.find("clock_mhz: 1000"), std::string::npos);
  EXPECT_NE(eff.find("rows: 8"), std::string::npos);
}

struct Bad {
  std::string text;
  std::vector<std::string> sets;
  std::string error;  // "W" stands for the workload path
};

TEST_F(WorkloadTest, BadWorkloadsNameFileLineKeyAndWhatIsWrong) {
  const std::vector<Bad> corpus = {
      {"", {}, "W: one of 'model' (a zoo name), 'onnx' (a .onnx file) or 'topology' (a SCALE-Sim CSV) is required"},
      {"- a\n- b\n", {}, "W:1: the workload must be a mapping of keys (model, input, quantization, accelerator)"},
      {"model: [resnet18\n", {}, "W:2: YAML syntax error: end of sequence flow not found"},
      {"model: resnet18\nmodle: x\n", {}, "W:2: modle: unknown key (expected one of name, model, onnx, topology, input, zoo, quantization, accelerator, lpq, threads, save_outputs)"},
      {"model: resnet18\nthreads: -1\n", {}, "W:2: threads: value -1 is out of range 0..1024"},
      {"model: resnet18\nthreads: two\n", {}, "W:2: threads: "},
      {"model: resnet18\nonnx: x.onnx\n", {}, "W:2: onnx: give exactly one of 'model', 'onnx' or 'topology'"},
      {"onnx: missing.onnx\n", {}, "W:1: onnx: file '"},
      {"model: resnet18\naccelerator:\n  rows: abc\n", {}, "W:3: accelerator.rows: expected an integer, got 'abc'"},
      {"model: resnet18\naccelerator:\n  rows: 3.5\n", {}, "W:3: accelerator.rows: expected an integer, got '3.5'"},
      {"model: resnet18\naccelerator:\n  cols: 0\n", {}, "W:3: accelerator.cols: value 0 is out of range 1..1024"},
      {"model: resnet18\naccelerator:\n  rows: -4\n", {}, "W:3: accelerator.rows: value -4 is out of range 1..1024"},
      {"model: resnet18\naccelerator: {dataflow: rs}\n", {}, "W:2: accelerator.dataflow: dataflow 'rs' is not one of ws, os, is"},
      {"model: resnet18\naccelerator: {fidelity: rtl}\n", {}, "W:2: accelerator.fidelity: fidelity 'rtl' is not one of cycle, tile, analytic"},
      {"model: resnet18\naccelerator: {clock_mhz: 0}\n", {}, "W:2: accelerator.clock_mhz: value 0 is out of range"},
      {"model: resnet18\naccelerator: {clock_mhz: fast}\n", {}, "W:2: accelerator.clock_mhz: expected a number, got 'fast'"},
      {"model: resnet18\naccelerator:\n  buffers: {weight_kb: 0}\n", {}, "W:3: accelerator.buffers.weight_kb: value 0 is out of range 1..65536"},
      {"model: resnet18\naccelerator:\n  buffers: {input_kb: 1048576}\n", {}, "W:3: accelerator.buffers.input_kb: value 1048576 is out of range 1..65536"},
      {"model: resnet18\naccelerator:\n  buffers: {l2_kb: 5}\n", {}, "W:3: accelerator.buffers.l2_kb: unknown key (expected one of weight_kb, input_kb, output_kb)"},
      {"model: resnet18\naccelerator:\n  dram: {bytes_per_cycle: -1}\n", {}, "W:3: accelerator.dram.bytes_per_cycle: value -1 is out of range 0..4294967295"},
      {"model: resnet18\naccelerator:\n  dram:\n    latency_cycles: 5\n    bytes_per_cycle: 5000\n", {}, "W:5: accelerator.dram.bytes_per_cycle: value 5000 is out of range 1..4096"},
      {"model: resnet18\naccelerator:\n  rows: 8\n", {"accelerator.dram.latency_cycles=2000000"}, "--set accelerator.dram.latency_cycles=2000000: accelerator.dram.latency_cycles: value 2000000 is out of range 0..1000000"},
      {"model: resnet18\naccelerator: 5\n", {}, "W:2: accelerator: expected a mapping of rows, cols"},
      {"model: resnet18\naccelerator:\n  rows: 8\n  rows: 16\n", {}, "W:4: accelerator.rows: duplicate key"},
      {"model: resnet18\nquantization: {default: \"lp<8,2,9,0>\"}\n", {}, "W:2: quantization.default: format 'lp<8,2,9,0>': LP parameter rs=9 is out of range 1..n-1 (n=8)"},
      {"model: resnet18\nquantization:\n  layers:\n    conv1: \"foo<1>\"\n", {}, "W:4: quantization.layers.conv1: format 'foo<1>': unknown format family 'foo'"},
      {"model: resnet18\ninput: {batch: 0}\n", {}, "W:2: input.batch: value 0 is out of range 1..1024"},
      {"model: resnet18\ninput: {seed: -1}\n", {}, "W:2: input.seed: value -1 is out of range"},
      {"model: resnet18\ninput: {npy: nope.npy}\n", {}, "W:2: input.npy: file '"},
      {"model: resnet18\n", {"accelerator.rows"}, "--set accelerator.rows: expected KEY=VALUE"},
      {"model: resnet18\n", {"accelerator..rows=3"}, "--set accelerator..rows=3: empty component in key"},
      {"model: resnet18\n", {"model.x=3"}, "--set model.x=3: 'model' is not a mapping in the workload"},
      {"model: resnet18\n", {"accelerator.rows=[1"}, "--set accelerator.rows=[1: value is not valid YAML"},
      {"model: resnet18\n", {"accelerator.colour=red"}, "--set accelerator.colour=red: accelerator.colour: unknown key"},
      {"model: resnet18\nzoo: {width_divisor: 0}\n", {}, "W:2: zoo.width_divisor: value 0 is out of range 1..64"},
      {"model: resnet18\nzoo: {depth: 3}\n", {}, "W:2: zoo.depth: unknown key (expected one of input_size, width_divisor, max_blocks, num_classes)"},
  };
  for (const Bad& b : corpus) {
    const std::string got = error_of(b.text, b.sets);
    EXPECT_EQ(got.substr(0, b.error.size()), b.error) << "workload:\n" << b.text;
  }
  EXPECT_NE(error_of("onnx: missing.onnx\n").find("missing.onnx' does not exist"), std::string::npos);
}

TEST_F(WorkloadTest, ZooSectionReducesTheModelAndIsRejectedForOtherSources) {
  const Workload w = load_workload(write("z.yaml", "model: resnet18\nzoo: {input_size: 32, width_divisor: 4, max_blocks: 1, num_classes: 10}\n"));
  EXPECT_EQ(w.zoo.input_size, 32);
  EXPECT_EQ(w.zoo.width_divisor, 4);
  EXPECT_EQ(w.zoo.max_blocks, 1);
  EXPECT_EQ(w.zoo.num_classes, 10);
  write("t.csv", "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n");
  EXPECT_EQ(error_of("topology: t.csv\nzoo: {input_size: 32}\n"),
            "W:2: zoo: applies to zoo models only (this workload uses 'topology')");
}

TEST_F(WorkloadTest, MissingFileIsAnError) {
  try {
    load_workload((m_dir / "none.yaml").string());
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("none.yaml: cannot open workload file"), std::string::npos);
  }
  EXPECT_THROW(load_workload(m_dir.string()), UserError);  // a directory
}

}  // namespace
