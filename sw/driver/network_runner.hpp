// Runs a compiled network on the accelerator through the driver, layer by layer, and checks
// every accelerator layer bit-exactly against the independent reference (sw/ref).
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "hw/ctrl/layer_descriptor.hpp"
#include "sw/compiler/layer_code.hpp"
#include "sw/compiler/program.hpp"
#include "sw/driver/driver.hpp"
#include "sw/model/fp32_forward.hpp"
#include "sw/ref/ref_datapath.hpp"

namespace lpsim::driver {

struct LayerResult {
  std::string name;   // the compute node
  std::string op;     // Conv, Gemm or MatMul
  std::string fused;  // what the PPU fused: "", "relu", "relu6", "add", "add+relu", ...
  model::GemmView view;
  std::string act_format, wgt_format, out_format;  // canonical names of the formats used
  int mode = 8;
  std::uint64_t macs = 0;
  std::uint32_t runs = 1;            // accelerator layer runs (one: a batched conv is one descriptor)
  // The hardware's own figures (cycles, stalls, tiles, bytes) are the recorder's, from the
  // device's observers (sim/run/recorder.hpp); the driver only programs and reads back.
  bool checked = false;
  bool verified = false;             // equal to the reference bit for bit
  std::string mismatch;              // the first difference, when checked && !verified
};

struct NetworkResult {
  std::vector<LayerResult> layers;
  std::string output_tensor;       // the first graph output
  std::vector<float> output;       // every graph output, decoded, concatenated in graph order
  std::vector<float> fp32_output;  // the same from the FP32 reference
  bool verified = true;            // every checked layer matched
  std::string first_mismatch;      // "layer X: ..." of the first failing layer
};

// What the host knows of the device it drives (as a device tree would tell a driver).
struct DeviceInfo {
  std::uint64_t dram_bytes = 1ull << 30;  // DRAM address space
  unsigned lin_frac_bits = 0;             // the log->linear converter's fraction bits (the
                                          // reference models the same datapath)
  // The accumulator, its widths and the OB's partial-sum format (accelerator.datapath); pe,
  // mode, formats and lin_frac_bits of it are set per layer.
  ref::DatapathSpec datapath;
  // The K tile the device's controller uses for a layer (elements of K per tile; 0 or >= K: one
  // tile). Empty: one tile (exact-equivalent datapaths do not depend on it).
  std::function<std::int64_t(const hw::LayerDescriptor&)> k_tile;
};

struct RunnerOptions {
  bool check = true;                     // compare every layer with sw/ref
  hw::Dataflow dataflow = hw::Dataflow::ws;
  DeviceInfo device;
};

// Test hook: given a layer's output codec, returns the codec the reference encodes with in the
// per-layer check of every NetworkRunner of this process (and of the simulation workers it forks
// afterwards). Tests pass a broken software encoder to show that the check catches it: the
// hardware encodes LP outputs with its own hw::LpEncoder. An empty hook (the default) restores
// the layer's own codec. Set it while no network is running.
using CheckFormatHook = std::function<fmt::FormatPtr(const fmt::FormatPtr&)>;
void set_check_format_hook(CheckFormatHook hook);
// Test hook: edits the reference's DatapathSpec of every layer check (as the format hook), so
// that tests can show a deliberately wrong reference rounding (K tiles ignored, one fraction
// bit short) is caught. Empty (the default): the device's own datapath.
using CheckSpecHook = std::function<void(ref::DatapathSpec&)>;
void set_check_spec_hook(CheckSpecHook hook);

// The accelerator answered a layer with an error code (its ERROR_CODE register). The caller,
// which may see the device's own diagnostics, can add them to the message.
class DeviceError : public UserError {
 public:
  DeviceError(const std::string& what, std::uint32_t code) : UserError(what), m_code(code) {}
  std::uint32_t code() const { return m_code; }

 private:
  std::uint32_t m_code;
};

// Shared with the analytic model (sim/run/analytic), which issues the same layers without values.
// Places a layer's DRAM regions from kDramBase into the descriptor's addresses; throws
// UserError "layer 'NAME' needs N bytes of DRAM; ..." when they do not fit the device's DRAM.
void place_layer(hw::LayerDescriptor& d, const compiler::DramRegions& regions,
                 const std::string& layer, const DeviceInfo& device);
// A compute step's LayerResult as far as it is known before it runs: name, op, fused, view,
// format names, mode, macs and runs (not checked).
LayerResult describe_layer(const model::Graph& graph, const compiler::ComputeStep& s,
                           const compiler::HwFormat& fa, const compiler::HwFormat& fw,
                           const compiler::HwFormat& fo);

class NetworkRunner {
 public:
  // `fp32` holds the FP32 graph inputs and outputs and the tensors the layers' fitted formats
  // calibrate on (an LP layer with its sf given needs none of its tensors).
  NetworkRunner(const model::Graph& graph, const compiler::Program& program,
                const model::TensorValues& fp32, RunnerOptions opt);
  ~NetworkRunner();

  // Executes every step; call from the driver's thread.
  void run(Driver& d);
  const NetworkResult& result() const { return m_result; }

 private:
  struct QTensor;
  const model::FloatTensor& float_of(const std::string& tensor);
  std::vector<std::uint32_t> codes_of(const std::string& tensor, const compiler::HwFormat& f);
  void run_compute(Driver& d, const compiler::ComputeStep& s);
  void run_host(const model::Node& n);
  void collect_check();
  const std::vector<float>& calib_of(const std::string& tensor) const;
  void release(const compiler::Step& s);  // frees what no later step reads

  const model::Graph& m_graph;
  const compiler::Program& m_program;
  const model::TensorValues& m_fp32;
  RunnerOptions m_opt;
  std::unordered_map<std::string, std::unique_ptr<QTensor>> m_q;
  std::unordered_map<std::string, model::FloatTensor> m_f;
  std::unordered_map<std::string, int> m_reads;  // steps still to read each tensor
  std::unordered_set<std::string> m_freed;       // activations already freed
  std::future<std::string> m_pending;  // the check of the previous layer
  std::size_t m_pending_layer = 0;
  NetworkResult m_result;
};

}  // namespace lpsim::driver
