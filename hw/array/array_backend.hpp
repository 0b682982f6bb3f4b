// The controller's compute backend: the systolic array plus the post-processing unit.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>

#include "hw/array/array_module.hpp"
#include "hw/array/datapath_options.hpp"
#include "hw/ctrl/compute_backend.hpp"
#include "hw/ppu/ppu.hpp"

namespace lpsim::hw {

struct BackendStats {
  std::uint64_t tiles = 0;
  std::uint64_t array_cycles = 0;  // sum of the array's GEMM cycles
  std::uint64_t ppu_cycles = 0;    // exposed post-processing cycles (last K tiles)
  ArrayStats array;                // summed over every layer's array configuration
};

// Per tile: reads the operand rows from the WB/IB halves (op conv: the im2col address generator
// builds the A rows from the input band, see im2col_rows), packs them into MODE words, runs the
// GEMM on the array (cycle fidelity: stepped every clock by the ArrayModule's thread; tile
// fidelity: one wait), accumulates K tiles in the OB (accumulators of psum_bytes, stored
// two's complement; the most negative value of that width marks NaR), and on the last K tile
// post-processes (bias, residual, activation, requantize) and encodes the output rows into
// the OB. The PPU handles `lanes` elements per cycle after the array has drained.
class ArrayBackend final : public ComputeBackend {
 public:
  ArrayBackend(ArrayModule& array, const DatapathOptions& dp, const PpuConfig& ppu,
               const sc_core::sc_time& period);

  void begin_layer(const LayerDescriptor& layer) override;
  unsigned psum_bytes(const LayerDescriptor& layer) const override;
  TileResult run_tile(const TileJob& job) override;

  // The array configuration a layer needs; throws ConfigError for operand formats the array
  // has no PE type for, or LP operands whose n differs from MODE.
  static ArrayConfig array_config(const ArrayConfig& base, const LayerDescriptor& layer,
                                  const DatapathOptions& dp);
  // Bytes of one OB accumulator for a layer: the accumulator width plus a NaR marker bit.
  // The PE type the array uses for a layer's operand families (PeType::lp when it has none).
  static PeType pe_type_of(const LayerDescriptor& layer);
  static unsigned psum_bytes_for(const ArrayConfig& base, const LayerDescriptor& layer,
                                 const DatapathOptions& dp);

  // What compute() does for one tile, without values (the analytic model, sim/run/analytic):
  // the array's GEMM (its closed-form cycles and counts), the post-processing of a last K tile
  // (mt rows of nt; its cycles are the PPU tail) and the buffer bytes the backend reads and
  // writes (op conv: pix_bytes per output pixel and kernel tap inside the image).
  struct TileWork {
    ArrayStats array;  // SystolicArray::gemm_stats of the tile's GEMM
    PpuStats ppu;      // empty unless last K
    std::uint64_t wb_read = 0, ib_read = 0, ob_read = 0, ob_write = 0;
    std::uint64_t cycles() const { return array.cycles + ppu.cycles; }
  };
  // `array` is array_config() of the layer, `ops` PpuOps::from_flags of its PP_FLAGS.
  static TileWork tile_work(const ArrayConfig& array, const PpuConfig& ppu, const PpuOps& ops,
                            const LayerDescriptor& layer, const Tile& tile, unsigned psum_bytes);

  const BackendStats& stats() const { return m_stats; }
  const PpuStats& ppu_stats() const { return m_ppu.stats(); }
  const ArrayModule& array() const { return m_array; }

 private:
  TileResult compute(const TileJob& job);
  // Op conv: the tile's A rows [mt][kt] (codes, k = (c r + r') s + s') into m_codes from the
  // input band in the IB half; padding positions get code 0.
  void im2col_rows(const TileJob& job);

  ArrayModule& m_array;
  ArrayConfig m_base;
  DatapathOptions m_dp;
  Ppu m_ppu;
  sc_core::sc_time m_period;
  const LayerDescriptor* m_layer = nullptr;
  PpuOps m_ops;
  fmt::FormatPtr m_out_fmt;  // decodes the residual; encodes only outputs the PPU cannot (m_enc)
  OutputEncoder m_enc;       // the PPU's encoder of the layer's output format
  BackendStats m_stats;
  // Scratch rows, reused across tiles.
  std::vector<std::uint32_t> m_codes, m_pix;
  std::vector<std::uint8_t> m_bytes;
  std::vector<i128> m_out, m_psum;
  std::vector<WideAcc> m_out_wide;  // the wide exact accumulator's outputs
  std::vector<double> m_vals, m_resid;
  std::vector<fmt::Code> m_out_codes;
};

}  // namespace lpsim::hw
