// Kernel-free layer descriptor: shapes, operand formats, mode, dataflow, addresses, PPU flags.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "hw/common/dataflow.hpp"
#include "sw/formats/number_format.hpp"

namespace lpsim::hw {

enum class LayerOp : std::uint32_t { gemm = 0, conv = 1 };
enum class FormatFamily : std::uint32_t {
  lp = 0, posit = 1, int_ = 2, af = 3, fp8_e4m3 = 4, fp8_e5m2 = 5, flint = 6, ant_int = 7
};

// One operand's number format as the registers carry it. Meaning per family:
//   lp     lp<n, es, rs, sf>
//   posit  posit<n, es>               (rs, sf ignored)
//   int_   int<n>, scale = 2^-sf      (es, rs ignored)
//   af     af<n, e = es, exp_min = sf> (rs ignored)
//   fp8_*  n must be 8                (es, rs, sf ignored)
//   flint  flint<n>, scale = 2^-sf    (ANT PE; es, rs ignored)
//   ant_int int<n>, scale = 2^-sf     (ANT PE's int type: the scale is folded into the PE's
//                                      exponent, no REQUANT; es, rs ignored)
struct OperandFormat {
  FormatFamily family = FormatFamily::lp;
  int n = 8;
  int es = 2;
  int rs = 3;
  int sf = 0;

  std::uint32_t encode() const;  // FMT_* register layout (ctrl_regs.hpp)
  static OperandFormat decode(std::uint32_t reg);
  // The codec (throws fmt::FormatError for illegal parameters).
  fmt::FormatPtr make() const;
  // Bits one element occupies in DRAM and SRAM: n rounded up to 2, 4, 8 or 16.
  int storage_bits() const;
  bool operator==(const OperandFormat& o) const {
    return family == o.family && n == o.n && es == o.es && rs == o.rs && sf == o.sf;
  }
};

namespace pp {
constexpr std::uint32_t BIAS = 1u << 0;
constexpr std::uint32_t RELU = 1u << 1;
constexpr std::uint32_t RELU6 = 1u << 2;
constexpr std::uint32_t RESIDUAL = 1u << 3;
constexpr std::uint32_t REQUANT = 1u << 4;
// Per-output-channel scales (INT layers with per-channel weight scales): the PPU multiplies each
// accumulator by its column's float32 scale first (before bias, residual and activation, which
// are then real values). Excludes REQUANT.
constexpr std::uint32_t CHSCALE = 1u << 5;
constexpr std::uint32_t ALL = BIAS | RELU | RELU6 | RESIDUAL | REQUANT | CHSCALE;
}  // namespace pp

// The GEMM a layer lowers to: `groups` independent (M x Kg) * (Kg x Ng) products.
struct GemmShape {
  std::uint64_t m = 0, k = 0, n = 0;  // per group: M, Kg, Ng
  std::uint32_t groups = 1;
};

// DRAM layouts (all row-major, rows padded to whole bytes, elements of storage_bits()):
//   weights  [groups][Kg][Ng]          inputs gemm: [groups][M][Kg]
//                                             conv: images() NHWC images [images][h][w][c] (rows
//                                             of c elements); the accelerator generates the
//                                             im2col rows on chip
//   outputs  [M][groups * Ng]          residual: same as outputs, in the output format
//   bias     PPU parameters at b_addr: [groups * Ng] float32 biases (pp::BIAS), then
//            [groups * Ng] float32 per-channel scales (pp::CHSCALE); one DMA job
// A conv descriptor carries a batch of images: M (SHAPE_M) is 0 for one image or images * out_h *
// out_w, the batch's im2col rows (image b's output rows follow image b-1's, in inputs, outputs and
// residual alike).
struct LayerDescriptor {
  LayerOp op = LayerOp::gemm;
  std::uint32_t m = 0, n = 0, k = 0;  // GEMM shape per group (groups products); conv: n = output channels, m 0 or images x out_h x out_w, k 0 or derived
  std::uint32_t h = 0, w = 0, c = 0, r = 0, s = 0, stride = 1, pad = 0, groups = 1;  // conv only
  OperandFormat fmt_w, fmt_a, fmt_o;
  std::uint32_t mode = 8;  // 8, 4 or 2 bits per lane
  Dataflow dataflow = Dataflow::ws;
  std::uint32_t pp_flags = 0;
  float pp_scale = 1.0f;  // requantization scale (pp::REQUANT)
  std::uint64_t w_addr = 0, i_addr = 0, o_addr = 0, b_addr = 0, r_addr = 0;

  // Throws ConfigError("layer: <field>: <why>") for the first impossible value.
  void validate() const;
  GemmShape gemm() const;  // conv: the im2col GEMM (M = images out_h out_w, Kg = c/groups r s); assumes validate() passed
  std::uint32_t out_h() const { return (h + 2 * pad - r) / stride + 1; }
  std::uint32_t out_w() const { return (w + 2 * pad - s) / stride + 1; }
  // Op conv: the images of the batch (m / (out_h out_w), 1 when m is 0); op gemm: 1.
  std::uint32_t images() const;

  // Register image of the descriptor block: word i is at offset regs::DESC_BASE + 4 i.
  static constexpr std::size_t kWords = (0xB8 - 0x40) / 4;
  using Image = std::array<std::uint32_t, kWords>;
  Image encode() const;
  static LayerDescriptor decode(const Image& img);
  // True when `offset` is a register of the descriptor block (not the 0x8C hole).
  static bool is_desc_reg(std::uint32_t offset);
};

}  // namespace lpsim::hw
