// The interface the controller drives per tile; the PE array (hw/array) implements it.
#pragma once

#include <cstdint>
#include <string>

#include "hw/ctrl/layer_descriptor.hpp"
#include "hw/ctrl/tiler.hpp"
#include "hw/mem/sram_buffer.hpp"

namespace lpsim::hw {

// Everything a backend needs for one tile. When run_tile() is called the tile's weights are in
// wb->half(wb_half) at offset 0 (tile.kt rows of tile.weights.row_bytes, dense), its inputs in
// ib->half(ib_half) at offset 0 (gemm: tile.mt rows of tile.inputs.row_bytes, dense; conv: the
// input band, tile.band: [rows][w][pix_bytes]), and the OB half
// ob_half holds mt*nt accumulators of psum_bytes at offset 0 (undefined when tile.first_k: the
// backend initialises them). When tile.last_k the backend must leave the encoded output tile
// (after post-processing) at tile.outputs.local_offset: mt rows of tile.outputs.row_bytes.
struct TileJob {
  const LayerDescriptor* layer = nullptr;
  const Tile* tile = nullptr;
  SramBuffer* wb = nullptr;
  SramBuffer* ib = nullptr;
  SramBuffer* ob = nullptr;
  unsigned wb_half = 0, ib_half = 0, ob_half = 0;
  unsigned psum_bytes = 4;
  std::uint64_t index = 0;  // position in the plan
  // Post-processing operands fetched by the controller: bias[groups * Ng] (global output
  // column g * Ng + n; null without pp::BIAS) and, on a last K tile with pp::RESIDUAL, the
  // residual tile in the output format: tile.mt rows of tile.outputs.row_bytes.
  const float* bias = nullptr;
  const std::uint8_t* residual = nullptr;
  // pp::CHSCALE: scales[groups * Ng], the per-channel scale of each global output column.
  const float* scales = nullptr;
};

struct TileResult {
  std::uint64_t cycles = 0;  // compute cycles of the tile, in controller clock cycles
  bool ok = true;
  std::string error;         // why, when !ok
  bool timed = false;        // run_tile already waited for the cycles (a clocked backend)
  std::uint64_t post_cycles = 0;  // of `cycles`, the post-processing tail (after the array)
};

class ComputeBackend {
 public:
  virtual ~ComputeBackend() = default;
  // Called once per layer before the first tile (formats, mode, dataflow are in `layer`).
  virtual void begin_layer(const LayerDescriptor& /*layer*/) {}
  // Bytes of one accumulator the OB must hold for this layer; 0: the tiler's default.
  virtual unsigned psum_bytes(const LayerDescriptor& /*layer*/) const { return 0; }
  // Called from the controller's thread; may wait() (then it sets TileResult::timed).
  virtual TileResult run_tile(const TileJob& job) = 0;
};

}  // namespace lpsim::hw
