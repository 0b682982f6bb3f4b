// Per-run action counts: what the energy model charges (filled by the run orchestration).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace lpsim::energy {

// MAC kinds, one per PE type and MODE (lane width). A "MAC" is one lane MAC (one multiply and
// one accumulate of one element pair): a MODE-4 PE does 2 per cycle, a MODE-2 PE 4.
// The baseline PE types (docs/datapath.md, "Baseline PE types") follow: posit at MODE 8/4/2,
// AdaptivFloat at 8/4, FP8 at 8, ANT (int/flint) at 8/4.
enum class MacKind : std::size_t {
  lp8, lp4, lp2, int8, int4, int2, fp16, fp32,
  posit8, posit4, posit2, af8, af4, fp8, ant8, ant4
};
inline constexpr std::size_t kMacKinds = 16;

// "lp8", "int4", ... (the suffix of the energy-table key "mac_<name>").
const char* mac_kind_name(MacKind k);
// Kind for a PE family ("lp" | "int" | "fp" | "posit" | "adaptivfloat" | "fp8" | "ant") and
// MODE (8/4/2 for lp, int and posit; 8/4 for adaptivfloat and ant; 8 for fp8; 16/32 for fp).
// Throws std::invalid_argument for any other pair.
MacKind mac_kind(const std::string& family, unsigned mode);

// PE families for area (one PE of the array, whatever its MODE).
enum class PeKind { lp, int_, fp, posit, adaptivfloat, fp8, ant };
const char* pe_kind_name(PeKind k);  // "lp", "int", "fp", "posit", "adaptivfloat", "fp8", "ant"
// The PeKind of a PE type name (hw::to_string(PeType): "lp", "int", "posit", ...);
// std::invalid_argument for others.
PeKind pe_kind_from_name(const std::string& name);

// Traffic of one on-chip SRAM buffer. Energy per byte depends on the buffer's size.
struct BufferTraffic {
  std::uint64_t size_bytes = 0;   // capacity (BufferConfig::capacity_bytes)
  std::uint64_t read_bytes = 0;   // SramBufferStats::bytes_read
  std::uint64_t write_bytes = 0;  // SramBufferStats::bytes_written
};

// Everything the accelerator did in a run (or a layer; counts add with +=).
struct ActionCounts {
  std::array<std::uint64_t, kMacKinds> macs{};  // lane MACs by kind (ArrayStats::lane_macs)
  std::uint64_t decoder_words = 0;  // 8-bit words through the unified LP decoders (WB + IB side)
  std::uint64_t encoder_words = 0;  // 8-bit words produced by the unified LP encoder
  std::uint64_t pe_reg_write_bytes =
      0;                                // PE pipeline-register bytes written (activity: operand,
                                        // shadow, psum registers; a psum counts its width in bytes)
  BufferTraffic wb, ib, ob;             // weight, input, output buffers
  std::uint64_t dram_read_bytes = 0;    // DramStats bytes read
  std::uint64_t dram_write_bytes = 0;   // DramStats bytes written
  std::uint64_t ppu_adds = 0;           // PpuStats::bias_adds + residual_adds (FP32 adds)
  std::uint64_t ppu_mults = 0;          // PpuStats::scale_muls (FP32 multiplies)
  std::uint64_t ppu_activations = 0;    // PpuStats::activations (compare + mux)
  std::uint64_t ppu_encodes = 0;        // PpuStats::encodes (one output word each)
  std::uint64_t leakage_pe_cycles = 0;  // cycles x PEs charged leakage (all cycles, busy or idle)

  std::uint64_t& mac(MacKind k) { return macs[static_cast<std::size_t>(k)]; }
  std::uint64_t mac(MacKind k) const { return macs[static_cast<std::size_t>(k)]; }
  std::uint64_t total_macs() const;

  // Adds counts; buffer sizes must agree (or one side be 0): else std::invalid_argument.
  ActionCounts& operator+=(const ActionCounts& o);
};

}  // namespace lpsim::energy
