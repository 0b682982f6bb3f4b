// Kernel-free tiler: splits a layer's GEMM into array-sized tiles that fit the buffer halves.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hw/ctrl/layer_descriptor.hpp"
#include "hw/mem/dma_plan.hpp"
#include "hw/mem/sram_buffer.hpp"

namespace lpsim::hw {

// The most tiles one layer may have (a plan holds every tile; 2^20 tiles take ~0.5 GB).
inline constexpr std::uint64_t kMaxTiles = std::uint64_t{1} << 20;

struct TilerConfig {
  unsigned array_rows = 32;  // R: tile K is a multiple of R (or all of K)
  unsigned array_cols = 32;  // C: tile N is a multiple of C (or all of N)
  BufferConfig wb{"wb", 128 * 1024, 8, 8, 1, true};
  BufferConfig ib{"ib", 256 * 1024, 8, 8, 1, true};
  BufferConfig ob{"ob", 128 * 1024, 8, 8, 1, true};
  unsigned psum_bytes = 4;  // bytes of one accumulator kept in the OB across K tiles
  void validate() const;    // throws ConfigError naming the field
};

// Op conv: the input band a tile reads (docs/architecture.md, "Tiling"): input rows [y0, y0+rows)
// of the batch's stacked images (image b's row y is row b h + y; clipped to [0, h) in the first
// and last image), all w columns, channels [c0, c0+kc) of the tile's group.
// In the IB half as [rows][w][pix_bytes]. Per kernel tap the address generator reads tap_bytes
// from byte tap_offset of a pixel; the tile's first channel is element `skip` of them (non-zero
// only when 2- or 4-bit channel ranges do not start on a byte). A full band (K split, every
// channel of the group fits the IB) holds all Cg channels of each pixel, so the K and N tiles
// of one M tile share it; otherwise the band holds just [c0, c0+kc) (tap_offset 0,
// tap_bytes = pix_bytes).
struct ConvBand {
  std::uint64_t y0 = 0, rows = 0, c0 = 0, kc = 0, skip = 0, pix_bytes = 0;
  std::uint64_t tap_offset = 0, tap_bytes = 0;
};

// One tile of group `group`: rows [m0, m0+mt) x reduction [k0, k0+kt) x columns [n0, n0+nt).
// Byte footprints are of one buffer half. DMA jobs carry DRAM byte ranges (2-D, strided) and
// the offset inside the half. The OB half holds mt*nt accumulators at offset 0 (K split only);
// the encoded output tile is written over them at offset 0 (row r's encoded bytes end before
// accumulator row r+1 starts, so the PPU can encode in place row by row).
// Packed groups (gt > 1, op conv with groups narrower than the array, e.g. depthwise): the tile
// covers whole groups [group, group+gt) block-diagonally: kt = gt Kg, nt = gt Ng (k0 = n0 = 0),
// the array runs the mt x kt x nt GEMM whose weight block (j, j) is group group+j's Kg x Ng
// weights and every other block zero; the WB holds the gt Kg compact rows of Ng weights.
struct Tile {
  std::uint32_t group = 0;
  std::uint32_t gt = 1;  // groups packed into the tile
  std::uint64_t m0 = 0, mt = 0, k0 = 0, kt = 0, n0 = 0, nt = 0;
  std::uint64_t group_nt() const { return nt / gt; }      // weight columns per WB row
  std::uint64_t macs() const { return mt * kt * nt / gt; }  // the layer's MACs in this tile
  bool first_k = false, last_k = false;  // accumulation starts / output is written back
  bool load_weights = false, load_inputs = false;  // false: the block is already in the buffer
  DmaJob weights, inputs, outputs;       // outputs used only when last_k
  std::uint64_t wb_bytes = 0, ib_bytes = 0, ob_bytes = 0;
  ConvBand band;  // op conv only: `inputs` fetches this band, the backend builds the A rows from it
  // The WB/IB/OB halves the tile uses when TilePlan::explicit_halves (else the layer schedule
  // alternates them: each load to the other half, the OB half at every first-K tile).
  unsigned wb_half = 0, ib_half = 0, ob_half = 0;
};

struct TilePlan {
  GemmShape shape;
  std::uint64_t mt = 0, kt = 0, nt = 0;  // nominal tile sizes (edge tiles may be smaller)
  std::vector<Tile> tiles;
  std::uint64_t dram_read_bytes = 0, dram_write_bytes = 0;  // of all loads / stores
  // Paired M tiles (op conv with a batch, K split, full bands; every buffer double-buffered): two
  // M tiles A and B share each weight tile, loop group -> pair -> n -> k -> (A, B). A keeps its
  // band in one IB half and its accumulators in the OB half of the same number, B in the other;
  // every load goes to the half the previous tile did not read. The tiles carry their halves
  // (Tile::wb_half, ...).
  bool explicit_halves = false;
};

// Op conv (NHWC input, on-chip im2col): M tiles are whole output rows of one image (mt = rows x
// out_w), or whole images when a batch's image fits (layer.images() > 1: q images per M tile,
// the most that fit, or with K split the most whose full band fits, whichever reads fewer DRAM
// bytes), and K tiles whole channel ranges (kt = kc x r x s, k = (c r + r') s + s'); the inputs
// job fetches the tile's input band, and ib_bytes is the band's size.
// Loop order: group, n, m, k (k innermost: an output tile is finished before the next starts;
// with one k tile, consecutive m tiles, of every image of a batch, reuse the weight tile); group,
// m, n, k instead (inputs reused across n tiles, and across k tiles with a full band) when that
// reads fewer DRAM bytes. Op conv with groups
// of fewer output channels than array columns packs gt = min(groups, C / Ng) whole groups per
// tile (Tile::gt) when their whole K fits the buffers: loop group tile, m. Throws ConfigError before
// simulation when the config is invalid or even the minimum tile (1 x min(K,R') x min(N,C'))
// does not fit a buffer half; the message names the buffer and the bytes.
TilePlan plan_tiles(const LayerDescriptor& layer, const TilerConfig& cfg);

}  // namespace lpsim::hw
