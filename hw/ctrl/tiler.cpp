// Kernel-free tiler: tile-size search against buffer halves, tile list with DRAM byte ranges.
#include "hw/ctrl/tiler.hpp"

#include <algorithm>
#include <numeric>

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
  auto ib = [&](std::uint64_t mt, std::uint64_t kt) { return mt * row_bytes(kt, abits); };
  auto ob = [&](std::uint64_t mt, std::uint64_t nt) { return mt * nt * cfg.psum_bytes + mt * row_bytes(nt, obits); };

  const std::uint64_t kmin = std::min(g.k, kgran), nmin = std::min(g.n, ngran);
  const std::string min_tile = "minimum tile (M 1 x K " + std::to_string(kmin) + " x N " + std::to_string(nmin) + ")";
  for (auto [buf, bytes] : {std::pair{&cfg.wb, wb(kmin, nmin)}, {&cfg.ib, ib(1, kmin)}, {&cfg.ob, ob(1, nmin)}})
    if (!buf->fits(bytes)) throw ConfigError("tiler: " + min_tile + " does not fit: " + buf->fit_error(bytes));

  TilePlan plan;
  plan.shape = g;
  plan.kt = largest(g.k, kgran, [&](std::uint64_t kt) { return cfg.wb.fits(wb(kt, nmin)) && cfg.ib.fits(ib(1, kt)); });
  plan.nt = largest(g.n, ngran, [&](std::uint64_t nt) { return cfg.wb.fits(wb(plan.kt, nt)) && cfg.ob.fits(ob(1, nt)); });
  const auto fits_m = [&](std::uint64_t mt) { return cfg.ib.fits(ib(mt, plan.kt)) && cfg.ob.fits(ob(mt, plan.nt)); };
  // M tiles prefer whole folds, but may be smaller than one fold when the buffers are tiny.
  plan.mt = largest(g.m, mgran, fits_m);
  if (plan.mt == 0) plan.mt = largest(g.m, 1, fits_m);

  const std::uint64_t w_row = row_bytes(g.n, wbits), i_row = row_bytes(g.k, abits);
  const std::uint64_t o_row = row_bytes(g.n * g.groups, obits);
  std::uint32_t last_group = ~0u;
  std::uint64_t last_wk = ~0ull, last_wn = ~0ull, last_im = ~0ull, last_ik = ~0ull;
  for (std::uint32_t gi = 0; gi < g.groups; ++gi) {
    for (std::uint64_t n0 = 0; n0 < g.n; n0 += plan.nt) {
      for (std::uint64_t m0 = 0; m0 < g.m; m0 += plan.mt) {
        for (std::uint64_t k0 = 0; k0 < g.k; k0 += plan.kt) {
          Tile t;
          t.group = gi;
          t.m0 = m0;
          t.k0 = k0;
          t.n0 = n0;
          t.mt = std::min(plan.mt, g.m - m0);
          t.kt = std::min(plan.kt, g.k - k0);
          t.nt = std::min(plan.nt, g.n - n0);
          t.first_k = k0 == 0;
          t.last_k = k0 + t.kt == g.k;
          t.load_weights = !(gi == last_group && k0 == last_wk && n0 == last_wn);
          t.load_inputs = !(gi == last_group && m0 == last_im && k0 == last_ik);
          last_group = gi;
          last_wk = k0;
          last_wn = n0;
          last_im = m0;
          last_ik = k0;

          t.weights.dir = DmaDir::to_local;
          t.weights.dram_addr = layer.w_addr + (std::uint64_t{gi} * g.k + k0) * w_row + row_bytes(n0, wbits);
          t.weights.rows = t.kt;
          t.weights.row_bytes = row_bytes(t.nt, wbits);
          t.weights.dram_stride = w_row;
          t.inputs.dir = DmaDir::to_local;
          t.inputs.dram_addr = layer.i_addr + (std::uint64_t{gi} * g.m + m0) * i_row + row_bytes(k0, abits);
          t.inputs.rows = t.mt;
          t.inputs.row_bytes = row_bytes(t.kt, abits);
          t.inputs.dram_stride = i_row;
          t.outputs.dir = DmaDir::to_dram;
          t.outputs.dram_addr = layer.o_addr + m0 * o_row + row_bytes(std::uint64_t{gi} * g.n + n0, obits);
          t.outputs.rows = t.mt;
          t.outputs.row_bytes = row_bytes(t.nt, obits);
          t.outputs.dram_stride = o_row;
          t.outputs.local_offset = t.mt * t.nt * cfg.psum_bytes;
          t.wb_bytes = wb(t.kt, t.nt);
          t.ib_bytes = ib(t.mt, t.kt);
          t.ob_bytes = ob(t.mt, t.nt);
          if (t.load_weights) plan.dram_read_bytes += t.weights.total_bytes();
          if (t.load_inputs) plan.dram_read_bytes += t.inputs.total_bytes();
          if (t.last_k) plan.dram_write_bytes += t.outputs.total_bytes();
          plan.tiles.push_back(t);
        }
      }
    }
  }
  return plan;
}

}  // namespace lpsim::hw
