// Kernel-free controller tests: layer descriptor, register file rules, tiler coverage and errors.
#include <gtest/gtest.h>

#include "tests/support/error_of.hpp"

#include <algorithm>
#include <numeric>
#include <set>
#include <vector>

#include "hw/ctrl/controller_regs.hpp"
#include "hw/ctrl/layer_descriptor.hpp"
#include "hw/ctrl/tiler.hpp"
#include "sw/formats/packing.hpp"
#include "hw/common/config_error.hpp"

namespace lpsim::hw {
namespace {

using lpsim::test::error_of;

LayerDescriptor gemm(std::uint32_t m, std::uint32_t k, std::uint32_t n, int bits = 8) {
  LayerDescriptor d;
  d.m = m;
  d.k = k;
  d.n = n;
  d.mode = static_cast<std::uint32_t>(bits);
  d.fmt_w = {FormatFamily::lp, bits, bits > 2 ? 1 : 0, bits - 1, 0};
  d.fmt_a = d.fmt_w;
  d.fmt_o = {FormatFamily::lp, 8, 2, 3, 0};
  d.w_addr = 0x10000;
  d.i_addr = 0x20000;
  d.o_addr = 0x30000;
  return d;
}

// ---- LayerDescriptor --------------------------------------------------------------------

TEST(LayerDescriptor, RegisterImageRoundTrips) {
  LayerDescriptor d;
  d.op = LayerOp::conv;
  d.h = 14; d.w = 15; d.c = 32; d.r = 3; d.s = 3; d.stride = 2; d.pad = 1; d.groups = 4; d.n = 64;
  d.fmt_w = {FormatFamily::lp, 4, 1, 3, -5};
  d.fmt_a = {FormatFamily::posit, 8, 2, 0, 0};
  d.fmt_o = {FormatFamily::int_, 16, 0, 0, 7};
  d.mode = 8;
  d.dataflow = Dataflow::os;
  d.pp_flags = pp::BIAS | pp::RELU6 | pp::REQUANT;
  d.pp_scale = 0.125f;
  d.w_addr = 0x1'2345'6789ull;
  d.i_addr = 0x8000'0000;
  d.o_addr = 0xffff'ffff'0000'0000ull;
  d.b_addr = 4;
  d.r_addr = 8;
  const auto img = d.encode();
  const auto back = LayerDescriptor::decode(img);
  EXPECT_EQ(back.encode(), img);
  EXPECT_EQ(back.fmt_w, d.fmt_w);
  EXPECT_EQ(back.fmt_w.sf, -5);
  EXPECT_EQ(back.w_addr, d.w_addr);
  EXPECT_EQ(back.o_addr, d.o_addr);
  EXPECT_EQ(back.pp_scale, 0.125f);
  EXPECT_EQ(back.dataflow, Dataflow::os);
  EXPECT_NO_THROW(back.validate());
  const GemmShape g = back.gemm();
  EXPECT_EQ(g.m, 7u * 8u);  // out 7 x 8
  EXPECT_EQ(g.k, 8u * 9u);  // 32/4 channels x 3 x 3
  EXPECT_EQ(g.n, 16u);
  EXPECT_EQ(g.groups, 4u);
  EXPECT_EQ(OperandFormat({FormatFamily::lp, 4, 1, 3, -5}).encode(), 0xfb310400u);
}

TEST(LayerDescriptor, ValidateNamesTheField) {
  auto d = gemm(4, 4, 4);
  EXPECT_NO_THROW(d.validate());
  auto bad = d; bad.m = 0;
  EXPECT_EQ(error_of<ConfigError>([&] { bad.validate(); }), "layer: m: must be >= 1");
  bad = d; bad.mode = 3;
  EXPECT_EQ(error_of<ConfigError>([&] { bad.validate(); }), "layer: mode: 3 is not 8, 4 or 2");
  bad = d; bad.mode = 4;
  EXPECT_EQ(error_of<ConfigError>([&] { bad.validate(); }), "layer: fmt_w: n = 8 is wider than mode 4");
  bad = d; bad.pp_flags = pp::RELU | pp::RELU6;
  EXPECT_EQ(error_of<ConfigError>([&] { bad.validate(); }), "layer: pp_flags: RELU and RELU6 are mutually exclusive");
  bad = d; bad.pp_flags = 0x40;
  EXPECT_EQ(error_of<ConfigError>([&] { bad.validate(); }), "layer: pp_flags: unknown bits 0x40");
  bad = d; bad.pp_flags = pp::REQUANT; bad.pp_scale = 0;
  EXPECT_NE(error_of<ConfigError>([&] { bad.validate(); }).find("layer: pp_scale:"), std::string::npos);
  bad = d; bad.fmt_a.es = 9;
  EXPECT_NE(error_of<ConfigError>([&] { bad.validate(); }).find("layer: fmt_a: "), std::string::npos);
  bad = d; bad.fmt_o.family = FormatFamily::fp8_e4m3; bad.fmt_o.n = 6;
  EXPECT_NE(error_of<ConfigError>([&] { bad.validate(); }).find("layer: fmt_o: "), std::string::npos);
  bad = d; bad.dataflow = static_cast<Dataflow>(3);
  EXPECT_NE(error_of<ConfigError>([&] { bad.validate(); }).find("layer: dataflow:"), std::string::npos);
  bad = d; bad.groups = 0;
  EXPECT_EQ(error_of<ConfigError>([&] { bad.validate(); }), "layer: groups: must be >= 1");
  LayerDescriptor grouped = d;  // a grouped GEMM: groups independent M x K x N products
  grouped.groups = 3;
  EXPECT_NO_THROW(grouped.validate());
  EXPECT_EQ(grouped.gemm().groups, 3u);
  EXPECT_EQ(grouped.gemm().m, d.m);

  LayerDescriptor c = d;
  c.op = LayerOp::conv; c.m = 0; c.k = 0; c.h = 8; c.w = 8; c.c = 6; c.r = 3; c.s = 3; c.n = 8; c.groups = 4;
  EXPECT_EQ(error_of<ConfigError>([&] { c.validate(); }), "layer: groups: 4 does not divide c = 6");
  c.groups = 2; c.pad = 3;
  EXPECT_EQ(error_of<ConfigError>([&] { c.validate(); }), "layer: pad: 3 must be smaller than the kernel (r = 3, s = 3)");
  c.pad = 1; c.m = 5;
  EXPECT_EQ(error_of<ConfigError>([&] { c.validate(); }), "layer: m: 5 must be 0 or a multiple (images) of out_h * out_w = 64 for conv");
  c.m = 64; c.k = 27;
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.images(), 1u);
  c.m = 3 * 64;  // a batch of three images
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.images(), 3u);
  EXPECT_EQ(c.gemm().m, 3u * 64);
  c.m = 64;
  c.h = 1; c.pad = 0;
  EXPECT_EQ(error_of<ConfigError>([&] { c.validate(); }), "layer: r: 3 exceeds h + 2 pad = 1");
}

// ---- ControllerRegs ---------------------------------------------------------------------

TEST(ControllerRegs, AccessRules) {
  ControllerRegs r;
  std::uint32_t v = 0;
  EXPECT_EQ(r.read(regs::ID, v), MemStatus::ok);
  EXPECT_EQ(v, regs::kIdValue);
  EXPECT_EQ(r.write(regs::ID, 1), MemStatus::command_error);
  EXPECT_EQ(r.write(regs::STATUS, 1), MemStatus::command_error);
  EXPECT_EQ(r.stats().ro_write_errors, 2u);
  EXPECT_EQ(r.read(regs::ID + 2, v), MemStatus::address_error);
  EXPECT_EQ(r.read(0x8C, v), MemStatus::address_error);  // hole
  EXPECT_EQ(r.write(0x3C, 0), MemStatus::address_error);
  EXPECT_EQ(r.read(regs::DESC_END, v), MemStatus::address_error);
  EXPECT_EQ(r.stats().address_errors, 4u);
  EXPECT_EQ(r.write(regs::SHAPE_M, 77), MemStatus::ok);
  EXPECT_EQ(r.descriptor().m, 77u);
  EXPECT_EQ(r.read(regs::CTRL, v), MemStatus::ok);
  EXPECT_EQ(v, 0u);
}

TEST(ControllerRegs, StartBusyDoneAndW1cInterrupt) {
  ControllerRegs r;
  EXPECT_EQ(r.write(regs::IRQ_ENABLE, regs::IRQ_DONE), MemStatus::ok);
  EXPECT_EQ(r.write(regs::CTRL, regs::CTRL_START), MemStatus::ok);
  EXPECT_TRUE(r.take_start());
  r.begin_layer();
  EXPECT_TRUE(r.busy());
  EXPECT_EQ(r.write(regs::CTRL, regs::CTRL_START), MemStatus::ok);  // ignored while busy
  EXPECT_FALSE(r.start_pending());
  EXPECT_EQ(r.stats().starts_ignored, 1u);
  EXPECT_EQ(r.write(regs::SHAPE_N, 5), MemStatus::command_error);    // descriptor locked
  EXPECT_EQ(r.stats().busy_write_errors, 1u);
  r.tile_done();
  r.end_layer(ErrorCode::none, 1234);
  EXPECT_EQ(r.status(), regs::STATUS_DONE);
  EXPECT_TRUE(r.irq_line());
  std::uint32_t v = 0;
  r.read(regs::CYCLES_LO, v);
  EXPECT_EQ(v, 1234u);
  r.read(regs::TILES_DONE, v);
  EXPECT_EQ(v, 1u);
  EXPECT_EQ(r.write(regs::IRQ_STATUS, regs::IRQ_ERROR), MemStatus::ok);  // other bit: no effect
  EXPECT_TRUE(r.irq_line());
  EXPECT_EQ(r.write(regs::IRQ_STATUS, regs::IRQ_DONE), MemStatus::ok);
  EXPECT_FALSE(r.irq_line());
  r.begin_layer();
  r.end_layer(ErrorCode::no_fit, 0);
  EXPECT_EQ(r.status(), regs::STATUS_ERROR);
  EXPECT_EQ(r.irq_status(), regs::IRQ_ERROR);
  EXPECT_FALSE(r.irq_line());  // error interrupt not enabled
  r.read(regs::ERROR_CODE, v);
  EXPECT_EQ(v, 2u);
}

// ---- Tiler ------------------------------------------------------------------------------

TilerConfig small_cfg(std::uint64_t wb, std::uint64_t ib, std::uint64_t ob, unsigned rows = 8, unsigned cols = 8) {
  TilerConfig c;
  c.array_rows = rows;
  c.array_cols = cols;
  c.wb = {"wb", wb, 2, 4, 1, true};
  c.ib = {"ib", ib, 2, 4, 1, true};
  c.ob = {"ob", ob, 2, 4, 1, true};
  return c;
}

// Every (group, m, k, n) point is covered exactly once, tiles respect the buffers, and the
// DRAM ranges are the tile's rows of the packed tensors.
void check_cover(const LayerDescriptor& d, const TilerConfig& cfg) {
  const TilePlan p = plan_tiles(d, cfg);
  const GemmShape g = p.shape;
  std::vector<int> hits(g.groups * g.m * g.k * g.n, 0);
  std::uint64_t read = 0;
  for (const Tile& t : p.tiles) {
    EXPECT_TRUE(cfg.wb.fits(t.wb_bytes));
    EXPECT_TRUE(cfg.ib.fits(t.ib_bytes));
    EXPECT_TRUE(cfg.ob.fits(t.ob_bytes));
    EXPECT_GE(t.outputs.local_offset + t.outputs.total_bytes(), t.outputs.total_bytes());
    EXPECT_LE(t.outputs.local_offset + t.outputs.total_bytes(), t.ob_bytes);
    EXPECT_EQ(t.weights.check(cfg.wb.tile_capacity()), "");
    EXPECT_EQ(t.inputs.check(cfg.ib.tile_capacity()), "");
    EXPECT_EQ(t.first_k, t.k0 == 0);
    EXPECT_EQ(t.last_k, t.k0 + t.kt == g.k);
    for (std::uint64_t m = t.m0; m < t.m0 + t.mt; ++m)
      for (std::uint64_t k = t.k0; k < t.k0 + t.kt; ++k)
        for (std::uint64_t n = t.n0; n < t.n0 + t.nt; ++n) ++hits[((t.group * g.m + m) * g.k + k) * g.n + n];
    const int wbits = d.fmt_w.storage_bits(), abits = d.fmt_a.storage_bits();
    const std::uint64_t w_row = (g.n * wbits + 7) / 8, i_row = (g.k * abits + 7) / 8;
    EXPECT_EQ(t.weights.dram_addr, d.w_addr + (t.group * g.k + t.k0) * w_row + t.n0 * wbits / 8);
    EXPECT_EQ(t.inputs.dram_addr, d.i_addr + (t.group * g.m + t.m0) * i_row + t.k0 * abits / 8);
    EXPECT_EQ((t.n0 * wbits) % 8, 0u);
    EXPECT_EQ((t.k0 * abits) % 8, 0u);
    if (t.load_weights) read += t.weights.total_bytes();
    if (t.load_inputs) read += t.inputs.total_bytes();
  }
  for (std::size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i], 1) << "point " << i;
  EXPECT_EQ(read, p.dram_read_bytes);
  // Every output element is written exactly once.
  const int obits = d.fmt_o.storage_bits();
  std::uint64_t out = 0;
  for (const Tile& t : p.tiles)
    if (t.last_k) out += t.outputs.total_bytes();
  EXPECT_EQ(out, g.m * ((g.n * g.groups * obits + 7) / 8) * 1);
  EXPECT_EQ(out, p.dram_write_bytes);
}

TEST(Tiler, CoversGemmExactlyWithSplitsInEveryDimension) {
  const auto d = gemm(37, 100, 45);
  const auto cfg = small_cfg(1024, 1024, 1024);
  const TilePlan p = plan_tiles(d, cfg);
  EXPECT_GT(p.tiles.size(), 8u);
  EXPECT_LT(p.kt, 100u);  // K split
  EXPECT_LT(p.nt, 45u);   // N split
  EXPECT_LT(p.mt, 37u);   // M split
  EXPECT_EQ(p.kt % 8, 0u);
  EXPECT_EQ(p.nt % 8, 0u);
  check_cover(d, cfg);
}

TEST(Tiler, WholeLayerInOneTileWhenItFits) {
  const auto d = gemm(10, 20, 30);
  const TilePlan p = plan_tiles(d, TilerConfig{});
  ASSERT_EQ(p.tiles.size(), 1u);
  EXPECT_EQ(p.tiles[0].mt, 10u);
  EXPECT_EQ(p.tiles[0].kt, 20u);
  EXPECT_EQ(p.tiles[0].nt, 30u);
  EXPECT_TRUE(p.tiles[0].first_k && p.tiles[0].last_k);
  EXPECT_EQ(p.dram_read_bytes, 10u * 20 + 20u * 30);
  EXPECT_EQ(p.dram_write_bytes, 10u * 30);
}

TEST(Tiler, PackedTwoAndFourBitOperandsStayByteAligned) {
  check_cover(gemm(19, 70, 51, 4), small_cfg(512, 512, 2048, 4, 4));
  check_cover(gemm(9, 33, 27, 2), small_cfg(256, 256, 2048, 4, 2));
}

TEST(Tiler, WeightTileReusedAcrossRowsWhenKFits) {
  const auto d = gemm(64, 16, 8);
  const auto cfg = small_cfg(1024, 256, 4096);  // IB half 128 bytes: 8 rows of K=16
  const TilePlan p = plan_tiles(d, cfg);
  ASSERT_EQ(p.tiles.size(), 8u);
  EXPECT_TRUE(p.tiles[0].load_weights);
  for (std::size_t i = 1; i < p.tiles.size(); ++i) EXPECT_FALSE(p.tiles[i].load_weights) << i;
  EXPECT_EQ(p.dram_read_bytes, 64u * 16 + 16u * 8);
  check_cover(d, cfg);
}

// Op conv (on-chip im2col): every (group, m, k, n) point once; M tiles are whole output rows
// (or parts of one row) and K tiles whole channel ranges; each band is exactly the input rows its output rows need
// (clipped to the image); and the inputs job, run over a packed NHWC image, leaves every
// needed pixel's channel range where the address generator looks for it.
// Paired M tiles (TilePlan::explicit_halves): every load goes to the half the previous tile does
// not read (the schedule prefetches tile i+1's loads while tile i computes), a tile without a load
// reads the half that holds its block, and an output tile accumulates in one OB half from its
// first to its last K tile with no other output tile starting in that half in between.
void check_paired_halves(const TilePlan& p) {
  std::uint64_t wb_block[2] = {~0ull, ~0ull}, ib_block[2] = {~0ull, ~0ull};
  std::uint64_t ob_open[2] = {~0ull, ~0ull};  // the output tile (m0 n0) accumulating in each half
  for (std::size_t i = 0; i < p.tiles.size(); ++i) {
    const Tile& t = p.tiles[i];
    const std::uint64_t wkey = (std::uint64_t{t.group} << 48) ^ (t.k0 << 24) ^ t.n0, ikey = (std::uint64_t{t.group} << 48) ^ t.m0;
    if (i > 0 && t.load_weights) {
      EXPECT_NE(t.wb_half, p.tiles[i - 1].wb_half) << i;
    }
    if (i > 0 && t.load_inputs) {
      EXPECT_NE(t.ib_half, p.tiles[i - 1].ib_half) << i;
    }
    if (t.load_weights) wb_block[t.wb_half] = wkey;
    if (t.load_inputs) ib_block[t.ib_half] = ikey;
    EXPECT_EQ(wb_block[t.wb_half], wkey) << i;
    EXPECT_EQ(ib_block[t.ib_half], ikey) << i;
    const std::uint64_t okey = (t.m0 << 24) ^ t.n0;
    if (t.first_k) {
      EXPECT_EQ(ob_open[t.ob_half], ~0ull) << i;
      ob_open[t.ob_half] = okey;
    }
    EXPECT_EQ(ob_open[t.ob_half], okey) << i;
    if (t.last_k) ob_open[t.ob_half] = ~0ull;
  }
}

void check_conv_cover(const LayerDescriptor& d, const TilerConfig& cfg) {
  const TilePlan p = plan_tiles(d, cfg);
  const GemmShape g = p.shape;
  const std::uint64_t ow = d.out_w(), oh = d.out_h(), rs = std::uint64_t{d.r} * d.s, cg = d.c / d.groups;
  const std::uint64_t images = d.images(), m1 = oh * ow;
  const int abits = d.fmt_a.storage_bits();
  // Packed NHWC images of distinct-ish codes, one after another (image b's row y is row b h + y).
  const std::uint64_t pitch = (std::uint64_t{d.c} * abits + 7) / 8;
  std::vector<std::uint32_t> img(images * d.h * d.w * d.c);
  for (std::size_t i = 0; i < img.size(); ++i) img[i] = static_cast<std::uint32_t>((i * 7 + 3) % (1u << abits));
  std::vector<std::uint8_t> dram(images * d.h * d.w * pitch);
  for (std::size_t px = 0; px < images * d.h * d.w; ++px)
    lpsim::fmt::pack_codes(img.data() + px * d.c, d.c, abits, dram.data() + px * pitch);
  // Every (group, output pixel, K tile, output column) once; K tiles are the ranges
  // [j kt, min((j+1) kt, Kg)) (checked per tile), so this covers every point of the GEMM once.
  const std::uint64_t ktiles = (g.k + p.kt - 1) / p.kt;
  std::vector<int> hits(g.groups * g.m * ktiles * g.n, 0);
  std::uint64_t read = 0;
  for (const Tile& t : p.tiles) {
    EXPECT_TRUE(cfg.wb.fits(t.wb_bytes));
    EXPECT_TRUE(cfg.ib.fits(t.ib_bytes));
    EXPECT_TRUE(cfg.ob.fits(t.ob_bytes));
    EXPECT_EQ(t.inputs.check(cfg.ib.tile_capacity()), "");
    if (t.mt % ow == 0)
      EXPECT_EQ(t.m0 % ow, 0u);  // whole output rows
    else
      EXPECT_EQ(t.m0 / ow, (t.m0 + t.mt - 1) / ow);  // below one row: never straddles two
    // Rows of one image, or whole images.
    const std::uint64_t i0 = t.m0 / m1, i1 = (t.m0 + t.mt - 1) / m1;
    if (i1 != i0) {
      EXPECT_EQ(t.m0 % m1, 0u);
      EXPECT_EQ(t.mt % m1, 0u);
    }
    EXPECT_EQ(t.k0 % rs, 0u);
    EXPECT_EQ(t.kt % rs, 0u);
    const ConvBand& b = t.band;
    EXPECT_EQ(b.c0, t.k0 / rs);
    EXPECT_EQ(b.kc, t.kt / rs);
    // Packed groups: block (j, j) of the tile's GEMM is group group + j's whole Kg x Ng.
    const std::uint64_t kg = t.kt / t.gt, ng = t.nt / t.gt;
    if (t.gt > 1) {
      EXPECT_EQ(t.k0, 0u);
      EXPECT_EQ(t.n0, 0u);
      EXPECT_EQ(kg, g.k);
      EXPECT_EQ(ng, g.n);
      EXPECT_EQ(t.weights.rows, t.kt);
      EXPECT_EQ(t.weights.total_bytes(), t.wb_bytes);
    }
    EXPECT_EQ(t.k0 % p.kt, 0u);
    EXPECT_EQ(kg, std::min(p.kt, g.k - t.k0));
    for (std::uint32_t j = 0; j < t.gt; ++j)
      for (std::uint64_t m = t.m0; m < t.m0 + t.mt; ++m)
        for (std::uint64_t n = t.n0; n < t.n0 + ng; ++n)
          ++hits[(((t.group + j) * g.m + m) * ktiles + t.k0 / p.kt) * g.n + n];
    // The band: rows [oy0 stride - pad, (oy1-1) stride - pad + r - 1] clipped to [0, h) of the
    // first and last image (stacked rows: image b's row y is row b h + y).
    const std::int64_t oy0 = static_cast<std::int64_t>(t.m0 % m1 / ow),
                       oy1 = static_cast<std::int64_t>((t.m0 + t.mt - 1) % m1 / ow) + 1;
    const std::int64_t lo = std::max<std::int64_t>(0, oy0 * d.stride - d.pad) + static_cast<std::int64_t>(i0 * d.h);
    const std::int64_t hi = std::min<std::int64_t>(d.h - 1, (oy1 - 1) * std::int64_t{d.stride} - d.pad + d.r - 1) +
                            static_cast<std::int64_t>(i1 * d.h);
    EXPECT_EQ(b.y0, static_cast<std::uint64_t>(lo));
    EXPECT_EQ(b.y0 + b.rows - 1, static_cast<std::uint64_t>(hi));
    EXPECT_EQ(t.ib_bytes, b.rows * d.w * b.pix_bytes);
    EXPECT_EQ(t.inputs.total_bytes(), t.ib_bytes);
    // Run the job: DRAM rows to dense local rows.
    std::vector<std::uint8_t> local(t.ib_bytes, 0);
    for (std::uint64_t r = 0; r < t.inputs.rows; ++r) {
      const std::uint64_t src = t.inputs.dram_addr - d.i_addr + r * t.inputs.dram_pitch();
      ASSERT_LE(src + t.inputs.row_bytes, dram.size());
      std::copy_n(dram.begin() + static_cast<std::ptrdiff_t>(src), t.inputs.row_bytes,
                  local.begin() + static_cast<std::ptrdiff_t>(r * t.inputs.row_bytes));
    }
    std::vector<std::uint32_t> pix(b.skip + b.kc);
    for (std::uint64_t q = t.m0 / ow; q * ow < t.m0 + t.mt; ++q)  // the tile's output rows, stacked
      for (std::uint32_t r = 0; r < d.r; ++r) {
        const std::int64_t iy = static_cast<std::int64_t>(q % oh) * d.stride - d.pad + r;
        if (iy < 0 || iy >= std::int64_t{d.h}) continue;
        const std::int64_t y = static_cast<std::int64_t>(q / oh * d.h) + iy;  // stacked input row
        ASSERT_GE(y, static_cast<std::int64_t>(b.y0));
        ASSERT_LT(y, static_cast<std::int64_t>(b.y0 + b.rows));
        for (std::uint32_t ix = 0; ix < d.w; ++ix) {
          ASSERT_LE(b.tap_offset + b.tap_bytes, b.pix_bytes);
          lpsim::fmt::unpack_codes(local.data() + ((y - b.y0) * d.w + ix) * b.pix_bytes + b.tap_offset, pix.size(),
                                   abits, pix.data());
          for (std::uint64_t c = 0; c < b.kc; ++c)
            ASSERT_EQ(pix[b.skip + c], img[(y * d.w + ix) * d.c + t.group * cg + b.c0 + c])
                << "tile m0 " << t.m0 << " k0 " << t.k0 << " group " << t.group << " pixel " << y << "," << ix;
        }
      }
    if (t.load_weights) read += t.weights.total_bytes();
    if (t.load_inputs) read += t.inputs.total_bytes();
  }
  for (std::size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i], 1) << "point " << i;
  EXPECT_EQ(read, p.dram_read_bytes);
  if (p.explicit_halves) check_paired_halves(p);
}

TEST(Tiler, GroupedConvolutionCoversEveryGroup) {
  LayerDescriptor c = gemm(0, 0, 16);
  c.op = LayerOp::conv;
  c.h = 6; c.w = 5; c.c = 12; c.r = 3; c.s = 3; c.pad = 1; c.groups = 4;
  check_conv_cover(c, small_cfg(256, 512, 1024, 4, 4));
}

TEST(Tiler, ConvolutionTilesAreOutputRowBandsAndChannelRanges) {
  LayerDescriptor c = gemm(0, 0, 24);
  c.op = LayerOp::conv;
  c.h = 13; c.w = 11; c.c = 20; c.r = 3; c.s = 3; c.pad = 1;
  const auto cfg = small_cfg(1024, 1024, 2048, 4, 4);
  check_conv_cover(c, cfg);
  const TilePlan p = plan_tiles(c, cfg);
  std::set<std::uint64_t> m0s, k0s;
  for (const Tile& t : p.tiles) {
    m0s.insert(t.m0);
    k0s.insert(t.k0);
  }
  EXPECT_GT(m0s.size(), 1u);  // several output-row bands
  EXPECT_GT(k0s.size(), 1u);  // several channel ranges
  EXPECT_EQ(p.kt % (4 * 9 / std::gcd(4, 9)), 0u);  // kc x 9 whole folds of 4 PE rows
  c.stride = 2;
  check_conv_cover(c, cfg);
  c.r = c.s = 1; c.pad = 0;  // 1x1 stride 2: the band skips no row inside it, covers every second
  check_conv_cover(c, cfg);
  c.r = c.s = 5; c.pad = 2; c.stride = 1; c.groups = 4; c.n = 8;
  check_conv_cover(c, cfg);
}

TEST(Tiler, PackedDepthwiseConvolutionChannelsStartInsideBytes) {
  LayerDescriptor c = gemm(0, 0, 6, 4);  // 4-bit activations and weights
  c.op = LayerOp::conv;
  c.h = 7; c.w = 6; c.c = 6; c.r = 3; c.s = 3; c.pad = 1; c.groups = 6;
  c.fmt_o = {FormatFamily::lp, 8, 2, 3, 0};
  check_conv_cover(c, small_cfg(512, 512, 2048, 4, 4));
  c.n = 12; c.groups = 3;  // 2 channels per group: group 1 starts at channel 2 (byte 1)
  check_conv_cover(c, small_cfg(512, 512, 2048, 4, 4));
}

TEST(Tiler, ConvolutionBandsReadFarFewerDramBytesThanIm2colRows) {
  LayerDescriptor c = gemm(0, 0, 64);
  c.op = LayerOp::conv;
  c.h = 28; c.w = 28; c.c = 64; c.r = 3; c.s = 3; c.pad = 1;
  LayerDescriptor lowered = c;  // the same layer as an im2col GEMM
  lowered.op = LayerOp::gemm;
  const GemmShape g = c.gemm();
  lowered.m = static_cast<std::uint32_t>(g.m);
  lowered.k = static_cast<std::uint32_t>(g.k);
  lowered.n = static_cast<std::uint32_t>(g.n);
  const TilePlan pc = plan_tiles(c, TilerConfig{}), pg = plan_tiles(lowered, TilerConfig{});
  const std::uint64_t weights = g.k * g.n;
  EXPECT_EQ(pg.dram_read_bytes, weights + g.m * g.k);  // every window written out
  // The image once plus the halo rows shared by neighbouring bands (r - stride per boundary).
  std::uint64_t band_rows = 0;
  for (const Tile& t : pc.tiles) band_rows += t.load_inputs ? t.band.rows : 0;
  EXPECT_EQ(band_rows, c.h + (pc.tiles.size() - 1) * (c.r - 1));
  EXPECT_EQ(pc.dram_read_bytes, weights + band_rows * c.w * c.c);
  EXPECT_LT((pc.dram_read_bytes - weights) * 7, pg.dram_read_bytes - weights);  // 9x less, minus the halo
  EXPECT_EQ(pc.dram_write_bytes, pg.dram_write_bytes);
}

// A depthwise layer (one channel per group) packs C groups per tile, so its tiles use every
// array column (nt = 32 on a 32-column array), and reads each weight and input byte once.
TEST(Tiler, DepthwiseConvolutionPacksGroupsAcrossAllColumns) {
  LayerDescriptor c = gemm(0, 0, 64);
  c.op = LayerOp::conv;
  c.h = 14; c.w = 14; c.c = 64; c.r = 3; c.s = 3; c.pad = 1; c.groups = 64;
  const TilePlan p = plan_tiles(c, TilerConfig{});
  ASSERT_EQ(p.tiles.size(), 2u);
  for (const Tile& t : p.tiles) {
    EXPECT_EQ(t.gt, 32u);
    EXPECT_EQ(t.nt, 32u);       // all 32 columns
    EXPECT_EQ(t.kt, 32u * 9);   // 9 whole folds of 32 PE rows
    EXPECT_EQ(t.mt, 14u * 14);  // the whole image
    EXPECT_EQ(t.macs(), 14u * 14 * 9 * 32);
  }
  EXPECT_EQ(p.tiles[1].group, 32u);
  EXPECT_EQ(p.dram_read_bytes, 64u * 9 + 14u * 14 * 64);  // every weight and pixel once
  EXPECT_EQ(p.dram_write_bytes, 14u * 14 * 64);
  check_conv_cover(c, TilerConfig{});
  c.groups = 16; c.n = 32;  // 4 channels in, 2 out per group: 16 groups across 32 columns
  check_conv_cover(c, TilerConfig{});
  EXPECT_EQ(plan_tiles(c, TilerConfig{}).tiles[0].gt, 16u);
}

// A 4-bit depthwise convolution (MobileNetV2 under the 4-bit PE types): one channel is half a
// byte, so a group's outputs do not start on a byte. The descriptor is accepted when the whole
// output row is whole bytes, and each tile packs an even number of groups, so its outputs and
// its band's channels start on a byte; a WB that holds only one group's weights is refused
// instead of splitting a byte. A row of 33 x 4 bits is refused by the descriptor itself.
TEST(Tiler, FourBitDepthwiseConvolutionPacksWholeBytesOfGroups) {
  LayerDescriptor c = gemm(0, 0, 64, 4);
  c.fmt_o = c.fmt_w;
  c.op = LayerOp::conv;
  c.h = 14; c.w = 14; c.c = 64; c.r = 3; c.s = 3; c.pad = 1; c.groups = 64;
  EXPECT_NO_THROW(c.validate());
  const TilePlan p = plan_tiles(c, TilerConfig{});
  ASSERT_EQ(p.tiles.size(), 2u);
  for (const Tile& t : p.tiles) EXPECT_EQ(t.gt, 32u);
  check_conv_cover(c, TilerConfig{});
  c.c = c.n = c.groups = 36;  // 32 + 4 groups on 8 columns: packs of 8, every one whole bytes
  const TilePlan q = plan_tiles(c, small_cfg(4096, 4096, 4096));
  for (const Tile& t : q.tiles) EXPECT_EQ(t.gt * 4 % 8, 0u) << t.gt;
  check_conv_cover(c, small_cfg(4096, 4096, 4096));
  EXPECT_EQ(error_of<ConfigError>([&] { plan_tiles(c, small_cfg(24, 4096, 4096)); }),
            "tiler: group width 1 x 4 bits is not a whole number of bytes, and no tile of several "
            "groups fits the buffers");
  c.c = c.n = c.groups = 33;
  EXPECT_EQ(error_of<ConfigError>([&] { c.validate(); }),
            "layer: n: group width 1 x 4 bits is not a whole number of bytes");
}

// K split (the weights of all 256 output channels do not fit the WB half): every channel of the
// band fits the IB, so each band is fetched once for all K and N tiles, and the encoded outputs
// over the accumulators let one M tile cover the image: weights and inputs are read exactly
// once (ResNet-18's layer3/layer4 3x3 convolutions on the default buffers, 10-byte sums).
TEST(Tiler, SplitKConvolutionReadsWeightsAndInputsOnce) {
  TilerConfig cfg;
  cfg.psum_bytes = 10;
  for (std::uint32_t hw : {14u, 7u}) {
    LayerDescriptor c = gemm(0, 0, hw == 14 ? 256 : 512);
    c.op = LayerOp::conv;
    c.h = hw; c.w = hw; c.c = c.n; c.r = 3; c.s = 3; c.pad = 1;
    const TilePlan p = plan_tiles(c, cfg);
    EXPECT_LT(p.kt, p.shape.k) << hw;  // K split
    EXPECT_EQ(p.mt, p.shape.m) << hw;
    EXPECT_EQ(p.dram_read_bytes, p.shape.k * p.shape.n + std::uint64_t{hw} * hw * c.c) << hw;
    std::size_t input_loads = 0;
    for (const Tile& t : p.tiles) input_loads += t.load_inputs;
    EXPECT_EQ(input_loads, 1u) << hw;
    check_conv_cover(c, cfg);
  }
}

// Issue 13, weights across a batch: one descriptor carries B images (M = B out_h out_w). The
// ResNet-18 layer4 3x3 convolution (K split on the 64 KB WB half, 10-byte accumulators) puts four
// whole 7x7 images in one M tile (4 x 49 x 32 x 10 bytes of accumulators fit the 64 KB OB half,
// their full band the IB half), and two such M tiles are paired (A and B in the two OB and IB
// halves, each weight tile loaded once for both): each weight is read once per batch of up to 8
// instead of once per image. layer4.0.conv1 (14x14 stride 2: two images' full band fit the IB)
// reads them once per four images, layer3's (14x14: one image per M tile) once per two. A layer
// with one K tile (layer1, 3x3 64 -> 64) keeps its weights for every image's bands (n outer).
// Every output point of every image is covered once (check_conv_cover), and the plan never reads
// more than B single-image plans.
TEST(Tiler, BatchedConvolutionReadsEachWeightOncePerBatchWhereTheBuffersAllow) {
  TilerConfig cfg;
  cfg.psum_bytes = 10;
  struct Case {
    std::uint32_t hw, c, n, stride;
  };
  for (const Case& k : {Case{7, 512, 512, 1}, Case{14, 256, 512, 2}, Case{14, 256, 256, 1}, Case{56, 64, 64, 1}}) {
    LayerDescriptor one = gemm(0, 0, k.n);
    one.op = LayerOp::conv;
    one.h = k.hw; one.w = k.hw; one.c = k.c; one.r = 3; one.s = 3; one.pad = 1; one.stride = k.stride;
    const TilePlan p1 = plan_tiles(one, cfg);
    const std::uint64_t weights = p1.shape.k * p1.shape.n, image = std::uint64_t{k.hw} * k.hw * k.c;
    for (std::uint32_t batch : {2u, 4u, 8u}) {
      LayerDescriptor d = one;
      d.m = batch * d.out_h() * d.out_w();
      const TilePlan p = plan_tiles(d, cfg);
      SCOPED_TRACE("hw " + std::to_string(k.hw) + " c " + std::to_string(k.c) + " batch " + std::to_string(batch));
      EXPECT_EQ(p.shape.m, batch * p1.shape.m);
      EXPECT_LE(p.dram_read_bytes, batch * p1.dram_read_bytes);
      EXPECT_EQ(p.dram_write_bytes, batch * p1.dram_write_bytes);
      std::uint64_t weight_bytes = 0;
      for (const Tile& t : p.tiles) weight_bytes += t.load_weights ? t.weights.total_bytes() : 0;
      if (k.hw == 7) {  // layer4 3x3: 4 whole images per M tile, full band, paired M tiles
        EXPECT_LT(p.kt, p.shape.k);
        EXPECT_EQ(p.mt, std::min(batch, 4u) * 49u);
        EXPECT_EQ(weight_bytes, weights);
        EXPECT_EQ(p.dram_read_bytes, weight_bytes + batch * image);
        EXPECT_EQ(p.explicit_halves, batch == 8);
      } else if (k.hw == 14 && k.stride == 2) {  // layer4.0.conv1: 2 images per M tile, paired
        EXPECT_EQ(weight_bytes, (batch + 3) / 4 * weights);
        EXPECT_EQ(p.dram_read_bytes, weight_bytes + batch * image);
      } else if (k.hw == 14) {  // layer3 3x3: one image per M tile (its accumulators fill the OB), paired
        EXPECT_EQ(weight_bytes, batch / 2 * weights);
        EXPECT_EQ(p.dram_read_bytes, weight_bytes + batch * image);
        EXPECT_TRUE(p.explicit_halves);
      } else {  // layer1 3x3: K is one tile, the weights stay for every image
        EXPECT_EQ(p.kt, p.shape.k);
        EXPECT_EQ(weight_bytes, weights);
        EXPECT_LT(p.dram_read_bytes, batch * p1.dram_read_bytes);
      }
      check_conv_cover(d, cfg);
    }
  }
  // Small buffers, bands of a few rows inside each image, groups and 4-bit operands.
  LayerDescriptor c = gemm(0, 0, 24);
  c.op = LayerOp::conv;
  c.h = 13; c.w = 11; c.c = 20; c.r = 3; c.s = 3; c.pad = 1;
  for (std::uint32_t batch : {1u, 3u}) {
    c.m = batch == 1 ? 0 : batch * c.out_h() * c.out_w();
    check_conv_cover(c, small_cfg(1024, 1024, 2048, 4, 4));
    check_conv_cover(c, small_cfg(8192, 8192, 16384, 4, 4));  // whole images per tile
  }
  // Grouped, K split, full bands, three images (one per M tile): a pair and an unpaired tile per
  // group, whose halves follow on from the previous tile's.
  LayerDescriptor gr = gemm(0, 0, 16);
  gr.op = LayerOp::conv;
  gr.h = 6; gr.w = 6; gr.c = 16; gr.r = 3; gr.s = 3; gr.pad = 1; gr.groups = 2;
  gr.m = 3 * 36;
  const TilePlan pg = plan_tiles(gr, small_cfg(512, 1024, 2048, 4, 4));
  EXPECT_LT(pg.kt, pg.shape.k);
  EXPECT_TRUE(pg.explicit_halves);
  check_conv_cover(gr, small_cfg(512, 1024, 2048, 4, 4));
  LayerDescriptor dw = gemm(0, 0, 6, 4);  // packed depthwise groups, 4-bit
  dw.op = LayerOp::conv;
  dw.h = 7; dw.w = 6; dw.c = 6; dw.r = 3; dw.s = 3; dw.pad = 1; dw.groups = 6;
  dw.fmt_o = {FormatFamily::lp, 8, 2, 3, 0};
  dw.m = 3 * dw.out_h() * dw.out_w();
  check_conv_cover(dw, small_cfg(512, 512, 2048, 4, 4));
  check_conv_cover(dw, small_cfg(512, 256, 512, 4, 4));
}

TEST(Tiler, ConvolutionMinimumTileIsOneOutputRow) {
  LayerDescriptor c = gemm(0, 0, 8);
  c.op = LayerOp::conv;
  c.h = 8; c.w = 40; c.c = 8; c.r = 3; c.s = 3; c.pad = 1;
  EXPECT_EQ(error_of<ConfigError>([&] { plan_tiles(c, small_cfg(4096, 128, 4096)); }),
            "tiler: minimum tile (M 40 x K 9 x N 8) does not fit: ib: tile of 120 bytes exceeds the 64-byte half of a "
            "128-byte double buffer");
}

// Below one output row (issue 11): an OB half too small for one output row (40 pixels x 8
// outputs) splits every row into equal parts (the largest divisor of 40 that fits: 10) that
// never straddle two rows; every point is still covered once and each band is one row's.
TEST(Tiler, ConvolutionSplitsBelowOneOutputRowWhenTheObIsSmall) {
  LayerDescriptor c = gemm(0, 0, 8);
  c.op = LayerOp::conv;
  c.h = 8; c.w = 40; c.c = 8; c.r = 3; c.s = 3; c.pad = 1;
  const auto cfg = small_cfg(4096, 4096, 256);  // OB half 128 bytes
  const TilePlan p = plan_tiles(c, cfg);
  EXPECT_EQ(p.mt, 10u);
  for (const Tile& t : p.tiles) {
    EXPECT_EQ(t.m0 / 40, (t.m0 + t.mt - 1) / 40) << t.m0;
    EXPECT_LE(t.band.rows, 3u);
  }
  check_conv_cover(c, cfg);
  c.stride = 2;  // out_w 20: parts of 10
  check_conv_cover(c, cfg);
  // out_w 7 (prime), K split by a small WB (accumulators of 4 bytes + 1 output byte per value
  // in a 64-byte OB half): single pixels.
  c.w = 7; c.stride = 1; c.n = 24;
  const TilePlan q = plan_tiles(c, small_cfg(512, 4096, 128));
  EXPECT_LT(q.kt, q.shape.k);
  EXPECT_EQ(q.mt, 1u);
  check_conv_cover(c, small_cfg(512, 4096, 128));
}

TEST(Tiler, ImpossibleConfigsFailBeforeSimulation) {
  EXPECT_EQ(error_of<ConfigError>([] { plan_tiles(gemm(8, 64, 64), small_cfg(64, 1024, 1024)); }),
            "tiler: minimum tile (M 1 x K 8 x N 8) does not fit: wb: tile of 64 bytes exceeds the 32-byte half of a "
            "64-byte double buffer");
  // (K split: 8 accumulators of 4 bytes; the 8 encoded bytes go over them)
  EXPECT_EQ(error_of<ConfigError>([] { plan_tiles(gemm(8, 64, 64), small_cfg(1024, 1024, 32)); }),
            "tiler: minimum tile (M 1 x K 8 x N 8) does not fit: ob: tile of 32 bytes exceeds the 16-byte half of a "
            "32-byte double buffer");
  EXPECT_EQ(error_of<ConfigError>([] { plan_tiles(gemm(0, 64, 64), TilerConfig{}); }), "layer: m: must be >= 1");
  auto cfg = TilerConfig{};
  cfg.array_rows = 0;
  EXPECT_EQ(error_of<ConfigError>([&] { plan_tiles(gemm(8, 8, 8), cfg); }), "tiler: array_rows must be >= 1");
}

}  // namespace
}  // namespace lpsim::hw
