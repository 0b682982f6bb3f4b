// Kernel-free tiler: tile-size search against buffer halves, tile list with DRAM byte ranges.
#include "hw/ctrl/tiler.hpp"

#include <algorithm>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <utility>

#include "hw/common/config_error.hpp"

namespace lpsim::hw {

void TilerConfig::validate() const {
  if (array_rows == 0) throw ConfigError("tiler: array_rows must be >= 1");
  if (array_cols == 0) throw ConfigError("tiler: array_cols must be >= 1");
  if (psum_bytes == 0) throw ConfigError("tiler: psum_bytes must be >= 1");
  wb.validate();
  ib.validate();
  ob.validate();
}

namespace {

std::uint64_t row_bytes(std::uint64_t elems, int bits) { return (elems * static_cast<std::uint64_t>(bits) + 7) / 8; }
std::uint64_t per_byte(int bits) { return bits >= 8 ? 1 : static_cast<std::uint64_t>(8 / bits); }

// Largest t <= total with t == total or t a multiple of gran, such that ok(t); 0 if none.
template <class Ok>
std::uint64_t largest(std::uint64_t total, std::uint64_t gran, Ok ok) {
  if (ok(total)) return total;
  for (std::uint64_t t = (total - 1) / gran * gran; t >= gran; t -= gran)
    if (ok(t)) return t;
  return 0;
}

// The input band of conv tile t (ConvBand) and the DMA job that fetches it from the NHWC images:
// one DMA row per pixel of the band (kc channels of a pixel row of c elements), or one row per
// image row when the range is every channel of the pixel (the band is then contiguous). Rows are
// counted in the batch's stacked images (image b's row y is row b h + y): a tile of whole images
// fetches those images' rows in one block.
void conv_inputs(const LayerDescriptor& layer, Tile& t, std::uint64_t cg, int abits, bool full_band) {
  const std::uint64_t ow = layer.out_w(), oh = layer.out_h(), rs = std::uint64_t{layer.r} * layer.s;
  // Global output rows [q0, q1) of the tile; image i's output row oy is q = i oh + oy.
  const std::uint64_t q0 = t.m0 / ow, q1 = (t.m0 + t.mt + ow - 1) / ow;
  const std::int64_t oy0 = static_cast<std::int64_t>(q0 % oh), oy1 = static_cast<std::int64_t>((q1 - 1) % oh) + 1;
  const std::int64_t stride = layer.stride, pad = layer.pad, h = layer.h;
  const std::int64_t lo = static_cast<std::int64_t>(q0 / oh) * h + std::max<std::int64_t>(0, oy0 * stride - pad);
  const std::int64_t hi = static_cast<std::int64_t>((q1 - 1) / oh) * h +
                          std::min<std::int64_t>(h - 1, (oy1 - 1) * stride - pad + layer.r - 1);
  ConvBand& b = t.band;
  b.y0 = static_cast<std::uint64_t>(lo);
  b.rows = static_cast<std::uint64_t>(hi - lo + 1);
  b.c0 = t.k0 / rs;
  b.kc = t.kt / rs;
  // The IB holds channels [c_abs, c_abs + band_kc) of each pixel.
  const std::uint64_t band_c0 = full_band ? 0 : b.c0, band_kc = full_band ? cg : b.kc;
  const std::uint64_t c_abs = std::uint64_t{t.group} * cg + band_c0;
  const std::uint64_t byte_lo = c_abs * abits / 8, byte_hi = row_bytes(c_abs + band_kc, abits);
  b.pix_bytes = byte_hi - byte_lo;
  if (full_band) {  // the pixel starts on a byte (checked by the caller)
    b.tap_offset = b.c0 * abits / 8;
    b.skip = abits >= 8 ? 0 : (b.c0 * abits % 8) / abits;
    b.tap_bytes = row_bytes(b.skip + b.kc, abits);
  } else {
    b.tap_offset = 0;
    b.skip = abits >= 8 ? 0 : (c_abs * abits % 8) / abits;
    b.tap_bytes = b.pix_bytes;
  }
  const std::uint64_t pitch = row_bytes(layer.c, abits);  // one NHWC pixel row
  t.inputs.dram_addr = layer.i_addr + b.y0 * layer.w * pitch + byte_lo;
  if (b.pix_bytes == pitch) {
    t.inputs.rows = b.rows;
    t.inputs.row_bytes = layer.w * pitch;
    t.inputs.dram_stride = layer.w * pitch;
  } else {
    t.inputs.rows = b.rows * layer.w;
    t.inputs.row_bytes = b.pix_bytes;
    t.inputs.dram_stride = pitch;
  }
  t.ib_bytes = b.rows * layer.w * b.pix_bytes;
}

}  // namespace

TilePlan plan_tiles(const LayerDescriptor& layer, const TilerConfig& cfg) {
  layer.validate();
  cfg.validate();
  const GemmShape g = layer.gemm();
  const int wbits = layer.fmt_w.storage_bits(), abits = layer.fmt_a.storage_bits(), obits = layer.fmt_o.storage_bits();
  // Granules: the array's fold sizes, and whole bytes at every tile start inside a packed row.
  // Along K a PE holds one word of 8/MODE values, so a fold covers R * 8/MODE elements; a K tile
  // that is a multiple of it fills every PE row of every fold. M is folded by R (os) or C (is).
  const std::uint64_t lanes = 8 / layer.mode;
  const std::uint64_t kgran = std::lcm<std::uint64_t>(cfg.array_rows * lanes, per_byte(abits));
  const std::uint64_t ngran = std::lcm(std::lcm<std::uint64_t>(cfg.array_cols, per_byte(wbits)), per_byte(obits));
  const std::uint64_t mgran = layer.dataflow == Dataflow::os   ? cfg.array_rows
                              : layer.dataflow == Dataflow::is ? cfg.array_cols
                                                               : 1;

  auto wb = [&](std::uint64_t kt, std::uint64_t nt) { return kt * row_bytes(nt, wbits); };
  // OB: accumulators of the output tile (only while K is split across tiles: with a single K
  // tile the sums leave the array complete and go straight through the PPU), then the encoded
  // output rows.
  bool split_k = true;
  auto ob = [&](std::uint64_t mt, std::uint64_t nt) {
    return std::max(split_k ? mt * nt * cfg.psum_bytes : 0, mt * row_bytes(nt, obits));
  };
  const bool conv = layer.op == LayerOp::conv;
  const std::uint64_t nmin = std::min(g.n, ngran);
  auto fail_min = [&](std::uint64_t m, std::uint64_t k, std::uint64_t ib_min) {
    const std::string min_tile = "minimum tile (M " + std::to_string(m) + " x K " + std::to_string(k) + " x N " +
                                 std::to_string(nmin) + ")";
    for (auto [buf, bytes] : {std::pair{&cfg.wb, wb(k, nmin)}, {&cfg.ib, ib_min}, {&cfg.ob, ob(m, nmin)}})
      if (!buf->fits(bytes)) throw ConfigError("tiler: " + min_tile + " does not fit: " + buf->fit_error(bytes));
  };

  TilePlan plan;
  plan.shape = g;
  // Op conv: the IB holds the input band of whole output rows and a channel range
  // (band bytes; see ConvBand). rt output rows need min(h, (rt-1)·stride + r) input rows.
  const std::uint64_t rs = std::uint64_t{layer.r} * layer.s, cg = layer.c / std::max(layer.groups, 1u);
  const std::uint64_t ow = conv ? layer.out_w() : 1, oh = conv ? layer.out_h() : 1;
  // Op conv with a batch: M is images() stacked images of M1 = oh ow output pixels each. An M
  // tile is output rows of one image or, when a whole image fits, several whole images.
  const std::uint64_t images = conv ? layer.images() : 1, m1 = conv ? oh * ow : g.m;
  auto band_rows = [&](std::uint64_t rt) { return std::min<std::uint64_t>(layer.h, (rt - 1) * layer.stride + layer.r); };
  // Bytes of one pixel's channel range in the band: whole bytes of kc elements, plus one when
  // 2-/4-bit ranges can start inside a byte (the DMA then fetches the enclosing bytes).
  auto pix_bytes = [&](std::uint64_t kc) {
    const bool aligned = abits >= 8 || ((kc == cg || kc * abits % 8 == 0) && (layer.groups == 1 || cg * abits % 8 == 0));
    return row_bytes(kc, abits) + (aligned ? 0 : 1);
  };
  auto ib_conv = [&](std::uint64_t rt, std::uint64_t kc) { return band_rows(rt) * layer.w * pix_bytes(kc); };
  // q whole images: the band is every row of the first q - 1 and the rows the last one uses.
  auto ib_images = [&](std::uint64_t q, std::uint64_t kc) {
    return ((q - 1) * layer.h + band_rows(oh)) * layer.w * pix_bytes(kc);
  };
  // Images per M tile (whole images) when a whole image fits: the candidates the plan is chosen
  // from by DRAM bytes, each with its full-band flag (K split and every channel fits the IB).
  struct Batching {
    std::uint64_t q = 1;
    bool full_band = false;
  };
  std::vector<Batching> batchings;
  // Packed groups (Tile::gt): an op conv whose groups have fewer output channels than the array
  // has columns runs gpack whole groups per tile as one block-diagonal GEMM (gpack Kg x gpack Ng),
  // so a depthwise layer fills the array's columns instead of one; the band then holds the
  // gpack Cg contiguous channels of the groups. Only when the packed tile's whole K fits (no K
  // split) and its channel and output ranges are whole bytes.
  std::uint64_t gpack = 1;
  bool full_band = false;  // the rows-of-one-image tile's
  if (conv && g.groups > 1 && g.n < cfg.array_cols) {
    split_k = false;
    const auto usable = [&](std::uint64_t q) {
      return (q * cg * abits) % 8 == 0 && (q * g.n * obits) % 8 == 0 &&
             cfg.wb.fits(q * g.k * row_bytes(g.n, wbits)) && cfg.ib.fits(ib_conv(1, q * cg)) &&
             cfg.ob.fits(ob(ow, q * g.n));
    };
    gpack = std::min<std::uint64_t>(g.groups, cfg.array_cols / g.n);
    while (gpack > 1 && !usable(gpack)) --gpack;
    split_k = gpack == 1;
  }
  if (conv && g.groups > 1 && gpack == 1 && (g.n * obits) % 8 != 0)
    throw ConfigError("tiler: group width " + std::to_string(g.n) + " x " + std::to_string(obits) +
                      " bits is not a whole number of bytes, and no tile of several groups fits the buffers");
  if (!conv) {
    auto ib = [&](std::uint64_t mt, std::uint64_t kt) { return mt * row_bytes(kt, abits); };
    const std::uint64_t kmin = std::min(g.k, kgran);
    fail_min(1, kmin, ib(1, kmin));
    plan.kt = largest(g.k, kgran, [&](std::uint64_t kt) { return cfg.wb.fits(wb(kt, nmin)) && cfg.ib.fits(ib(1, kt)); });
    split_k = plan.kt < g.k;
    plan.nt = largest(g.n, ngran, [&](std::uint64_t nt) { return cfg.wb.fits(wb(plan.kt, nt)) && cfg.ob.fits(ob(1, nt)); });
    const auto fits_m = [&](std::uint64_t mt) { return cfg.ib.fits(ib(mt, plan.kt)) && cfg.ob.fits(ob(mt, plan.nt)); };
    // M tiles prefer whole folds, but may be smaller than one fold when the buffers are tiny.
    plan.mt = largest(g.m, mgran, fits_m);
    if (plan.mt == 0) plan.mt = largest(g.m, 1, fits_m);
  } else if (gpack > 1) {
    plan.kt = g.k;
    plan.nt = g.n;
    const std::uint64_t rt = largest(oh, 1, [&](std::uint64_t t) {
      return cfg.ib.fits(ib_conv(t, gpack * cg)) && cfg.ob.fits(ob(t * ow, gpack * g.n));
    });
    plan.mt = rt * ow;
    if (images > 1 && rt == oh)
      batchings.push_back({largest(images, 1, [&](std::uint64_t q) {
                             return cfg.ib.fits(ib_images(q, gpack * cg)) && cfg.ob.fits(ob(q * m1, gpack * g.n));
                           }),
                           false});
  } else {
    // Channel granule: kc·r·s a multiple of the fold (R·8/MODE) and kc whole bytes of
    // activations; when even that minimum does not fit, single channels (folds then split).
    const std::uint64_t fold = std::uint64_t{cfg.array_rows} * lanes;
    std::uint64_t cgran = std::lcm(fold / std::gcd(fold, rs), per_byte(abits));
    // Below one output row: when the OB cannot hold one output row of the narrowest N tile, M
    // tiles are the largest divisor of the row width that fits (tiles never straddle a row, so
    // a tile's band is still the input rows of one output row). mrow == ow otherwise.
    const auto row_part = [&] {
      std::uint64_t d = ow;
      while (d > 1 && !(ow % d == 0 && cfg.ob.fits(ob(d, nmin)))) --d;
      return d;
    };
    std::uint64_t mrow = row_part();  // with accumulators (split_k is not known yet)
    auto fits_min = [&](std::uint64_t kc) {
      return cfg.wb.fits(wb(kc * rs, nmin)) && cfg.ib.fits(ib_conv(1, kc)) && cfg.ob.fits(ob(mrow, nmin));
    };
    if (!fits_min(std::min(cg, cgran))) cgran = 1;
    const std::uint64_t kcmin = std::min(cg, cgran);
    fail_min(mrow, kcmin * rs, ib_conv(1, kcmin));
    const std::uint64_t kc =
        largest(cg, cgran, [&](std::uint64_t c) { return cfg.wb.fits(wb(c * rs, nmin)) && cfg.ib.fits(ib_conv(1, c)); });
    plan.kt = kc * rs;
    split_k = kc < cg;
    if (mrow < ow) mrow = row_part();  // without accumulators when K is one tile
    plan.nt = largest(g.n, ngran, [&](std::uint64_t nt) { return cfg.wb.fits(wb(plan.kt, nt)) && cfg.ob.fits(ob(mrow, nt)); });
    const std::uint64_t rt = mrow < ow ? 1 : largest(oh, 1, [&](std::uint64_t t) { return cfg.ib.fits(ib_conv(t, kc)) && cfg.ob.fits(ob(t * ow, plan.nt)); });
    plan.mt = mrow < ow ? mrow : rt * ow;
    // A full band when K is split and every channel of the group fits the IB with these rows
    // (its pixels start on a byte): the M tile's K and N tiles then load it once.
    const bool band_aligned = layer.groups == 1 || cg * abits % 8 == 0;
    full_band = split_k && band_aligned && cfg.ib.fits(ib_conv(rt, cg));
    if (images > 1 && mrow == ow && rt == oh) {
      // Whole images per M tile: the most that fit (with the full band if it still fits), and
      // with K split the most whose full band fits (the band is then loaded once per M tile).
      const auto fits_q = [&](std::uint64_t q, std::uint64_t c) {
        return cfg.ib.fits(ib_images(q, c)) && cfg.ob.fits(ob(q * m1, plan.nt));
      };
      const std::uint64_t qmax = largest(images, 1, [&](std::uint64_t q) { return fits_q(q, kc); });
      const bool fb_max = split_k && band_aligned && fits_q(qmax, cg);
      batchings.push_back({qmax, fb_max});
      if (split_k && band_aligned && !fb_max) {
        const std::uint64_t qfull = largest(images, 1, [&](std::uint64_t q) { return fits_q(q, cg); });
        if (qfull > 0) batchings.push_back({qfull, true});
      }
    }
  }
  if (batchings.empty()) batchings.push_back({1, full_band});

  const std::uint64_t w_row = row_bytes(g.n, wbits), i_row = row_bytes(g.k, abits);
  const std::uint64_t o_row = row_bytes(g.n * g.groups, obits);
  // Tiles in loop order group -> (n -> m, or m -> n) -> k. A block already resident from the
  // previous tile is not loaded again (weights across m tiles, inputs across n tiles, when K is
  // one tile), so the order decides which operand is re-fetched.
  // A plan is a list of tiles: refuse one that would not fit in memory (about 250 bytes a
  // tile, two candidate orders) before building it.
  {
    const auto cdiv = [](std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; };
    const long double count = static_cast<long double>(g.groups) * static_cast<long double>(images) *
                              static_cast<long double>(cdiv(m1, plan.mt)) *
                              static_cast<long double>(cdiv(g.n, plan.nt)) * static_cast<long double>(cdiv(g.k, plan.kt));
    if (count > static_cast<long double>(kMaxTiles))
      throw ConfigError("layer " + std::to_string(g.m) + "x" + std::to_string(g.k) + "x" + std::to_string(g.n) +
                        (g.groups > 1 ? " g" + std::to_string(g.groups) : std::string()) + " needs " +
                        std::to_string(static_cast<unsigned long long>(count)) + " tiles on these buffers (at most " +
                        std::to_string(kMaxTiles) + "); use larger buffers");
  }
  // The M tiles: output rows of one image (plan.mt, the last of an image smaller), or q whole
  // images each (q > 1); op gemm: plan.mt rows of M.
  auto m_tiles = [&](std::uint64_t q) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;  // (m0, mt)
    if (q > 1) {
      for (std::uint64_t i = 0; i < images; i += q) out.emplace_back(i * m1, std::min(q, images - i) * m1);
    } else {
      for (std::uint64_t i = 0; i < images; ++i)
        for (std::uint64_t m0 = 0; m0 < m1; m0 += plan.mt) out.emplace_back(i * m1 + m0, std::min(plan.mt, m1 - m0));
    }
    return out;
  };
  enum class Order { n_outer, m_outer, paired };
  auto build = [&](Order order, const Batching& bt) {
    TilePlan out = plan;
    if (bt.q > 1) out.mt = bt.q * m1;
    out.explicit_halves = order == Order::paired;
    const auto ms = m_tiles(bt.q);
    std::uint32_t last_group = ~0u;
    std::uint64_t last_wk = ~0ull, last_wn = ~0ull, last_im = ~0ull, last_ik = ~0ull;
    // Paired order: the M tile whose band each IB half holds, and the halves of the last tile.
    std::uint64_t ib_m[2] = {~0ull, ~0ull};
    std::uint32_t ib_g[2] = {~0u, ~0u};
    unsigned wb_h = 1, ib_h = 1, ob_h = 1;
    // Paired order: slot 0 (A) or 1 (B) of a pair, 2 a last M tile without a partner; `half` the
    // IB half holding its band.
    auto add = [&](std::uint32_t gi, std::uint64_t m0, std::uint64_t mt, std::uint64_t n0, std::uint64_t k0,
                   unsigned slot = 0, unsigned half = 0) {
      Tile t;
      t.group = gi;
      t.gt = static_cast<std::uint32_t>(std::min<std::uint64_t>(gpack, g.groups - gi));
      t.m0 = m0;
      t.k0 = k0;
      t.n0 = n0;
      t.mt = mt;
      t.kt = std::min(plan.kt, g.k - k0);
      t.nt = std::min(plan.nt, g.n - n0);
      t.first_k = k0 == 0;
      t.last_k = k0 + t.kt == g.k;
      t.kt *= t.gt;  // packed groups: the block-diagonal GEMM (k0 = n0 = 0)
      t.nt *= t.gt;
      t.load_weights = !(gi == last_group && k0 == last_wk && n0 == last_wn);
      t.load_inputs = !(gi == last_group && m0 == last_im && (bt.full_band || k0 == last_ik));
      if (order == Order::paired) {
        // A and B keep their full bands in one IB half each and their accumulators in the OB
        // half of the same number (an unpaired tile alternates OB halves per output tile); a load
        // always goes to the half the previous tile does not read, as the layer schedule's
        // prefetch needs.
        const unsigned ib = half;
        t.load_inputs = !(ib_g[ib] == gi && ib_m[ib] == m0);
        if (t.load_inputs && ib == ib_h) throw std::logic_error("tiler: paired band load into the half in use");
        ib_g[ib] = gi;
        ib_m[ib] = m0;
        ib_h = ib;
        if (t.load_weights) wb_h ^= 1u;
        if (slot == 2) {
          if (t.first_k) ob_h ^= 1u;
        } else {
          ob_h = half;
        }
        t.wb_half = wb_h;
        t.ib_half = ib_h;
        t.ob_half = ob_h;
      }
      last_group = gi;
      last_wk = k0;
      last_wn = n0;
      last_im = m0;
      last_ik = k0;

      t.weights.dir = DmaDir::to_local;
      t.weights.dram_addr = layer.w_addr + (std::uint64_t{gi} * g.k + k0) * w_row + row_bytes(n0, wbits);
      t.weights.rows = t.kt;
      t.weights.row_bytes = row_bytes(t.group_nt(), wbits);
      t.weights.dram_stride = w_row;
      t.inputs.dir = DmaDir::to_local;
      if (!conv) {
        t.inputs.dram_addr = layer.i_addr + (std::uint64_t{gi} * g.m + m0) * i_row + row_bytes(k0, abits);
        t.inputs.rows = t.mt;
        t.inputs.row_bytes = row_bytes(t.kt, abits);
        t.inputs.dram_stride = i_row;
        t.ib_bytes = t.mt * t.inputs.row_bytes;
      } else {
        conv_inputs(layer, t, cg, abits, bt.full_band);
      }
      t.outputs.dir = DmaDir::to_dram;
      t.outputs.dram_addr = layer.o_addr + m0 * o_row + row_bytes(std::uint64_t{gi} * g.n + n0, obits);
      t.outputs.rows = t.mt;
      t.outputs.row_bytes = row_bytes(t.nt, obits);
      t.outputs.dram_stride = o_row;
      t.outputs.local_offset = 0;
      t.wb_bytes = wb(t.kt, t.group_nt());
      t.ob_bytes = ob(t.mt, t.nt);
      if (t.load_weights) out.dram_read_bytes += t.weights.total_bytes();
      if (t.load_inputs) out.dram_read_bytes += t.inputs.total_bytes();
      if (t.last_k) out.dram_write_bytes += t.outputs.total_bytes();
      out.tiles.push_back(t);
    };
    for (std::uint32_t gi = 0; gi < g.groups; gi += static_cast<std::uint32_t>(gpack)) {
      if (order == Order::paired) {
        for (std::size_t p = 0; p < ms.size(); p += 2) {
          const bool pair = p + 1 < ms.size();
          const unsigned a = ib_h ^ 1u;  // A's band goes where the previous tile does not read
          for (std::uint64_t n0 = 0; n0 < g.n; n0 += plan.nt)
            for (std::uint64_t k0 = 0; k0 < g.k; k0 += plan.kt) {
              add(gi, ms[p].first, ms[p].second, n0, k0, pair ? 0u : 2u, a);
              if (pair) add(gi, ms[p + 1].first, ms[p + 1].second, n0, k0, 1u, a ^ 1u);
            }
        }
      } else if (order == Order::m_outer) {
        for (const auto& [m0, mt] : ms)
          for (std::uint64_t n0 = 0; n0 < g.n; n0 += plan.nt)
            for (std::uint64_t k0 = 0; k0 < g.k; k0 += plan.kt) add(gi, m0, mt, n0, k0);
      } else {
        for (std::uint64_t n0 = 0; n0 < g.n; n0 += plan.nt)
          for (const auto& [m0, mt] : ms)
            for (std::uint64_t k0 = 0; k0 < g.k; k0 += plan.kt) add(gi, m0, mt, n0, k0);
      }
    }
    return out;
  };
  // n outer (weights stay, inputs re-fetched per n tile; with a batch the weight tile serves
  // every image's M tiles) unless m outer (each M tile's inputs once, weights per M tile) reads
  // fewer DRAM bytes; among the images-per-tile candidates the fewest bytes (the first on a tie).
  // With K split and full bands, paired M tiles (TilePlan::explicit_halves) read each weight tile
  // once per two M tiles and each band once, when every buffer is double-buffered. Only with a
  // batch (images > 1): a single image keeps the plans it had before batched descriptors (the same
  // pairing would serve a single image's M tiles too, on buffers small enough to split it).
  const bool pairs_ok = conv && images > 1 && split_k && gpack == 1 && cfg.wb.double_buffered &&
                        cfg.ib.double_buffered && cfg.ob.double_buffered;
  std::optional<TilePlan> best;
  for (const Batching& bt : batchings) {
    for (const Order order : {Order::n_outer, Order::m_outer, Order::paired}) {
      if (order == Order::m_outer && split_k && !bt.full_band) continue;
      if (order == Order::paired && !(pairs_ok && bt.full_band && m_tiles(bt.q).size() > 1)) continue;
      TilePlan p = build(order, bt);
      if (!best || p.dram_read_bytes < best->dram_read_bytes) best = std::move(p);
    }
  }
  return std::move(*best);
}

}  // namespace lpsim::hw
