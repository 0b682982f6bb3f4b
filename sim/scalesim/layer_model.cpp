// SCALE-Sim v2 compatible closed forms (derived from its demand matrices and validated on the
// tiny_4x4 golden traces); --timing native delegates to native_model.cpp.
#include "sim/scalesim/layer_model.hpp"

#include <algorithm>

#include "sim/scalesim/compat_memory.hpp"
#include "sim/scalesim/native_model.hpp"

namespace lpsim::scalesim {

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

// SCALE-Sim's estimate-bandwidth read buffer (CALC mode) when the operand's distinct words fit
// in the active half: the words are grouped in sets of floor(bytes/100) and the sets are all
// prefetched before cycle 0 at `bw` words/cycle, ending at cycle -1.
struct DramRead {
  double start = 0, stop = 0;
  std::int64_t reads = 0;
  bool exact = true;
};
DramRead compat_dram_read(std::int64_t footprint, std::int64_t sram_kb, std::int64_t bw) {
  const std::int64_t size = sram_kb * 1024;  // 1-byte words
  const std::int64_t per_set = std::max<std::int64_t>(1, size / 100);
  const std::int64_t active_sets = 50;  // active_buf_frac 0.5 of 100 sets
  DramRead r;
  r.reads = footprint;
  r.exact = footprint < active_sets * per_set;
  const std::int64_t sets = ceil_div(footprint, per_set);
  const std::int64_t cycles = ceil_div(sets * per_set, bw);
  r.start = static_cast<double>(-cycles);
  r.stop = -1.0;
  return r;
}

constexpr std::int64_t kFoldLoopLimit = std::int64_t{1} << 24;

double ratio(std::int64_t a, std::int64_t b) {
  // Python's int / int: correctly rounded; exact here as both operands are below 2^53.
  return static_cast<double>(a) / static_cast<double>(b);
}

}  // namespace

FoldGeometry fold_geometry(Dataflow df, const Layer& layer, std::int64_t ar, std::int64_t ac) {
  FoldGeometry g;
  const std::int64_t px = layer.ofmap_px(), w = layer.window(), m = layer.num_filters;
  switch (df) {
    case Dataflow::os:
      g.sr = px, g.sc = m, g.t = w;
      break;
    case Dataflow::ws:
      g.sr = w, g.sc = m, g.t = px;
      break;
    case Dataflow::is:
      g.sr = w, g.sc = px, g.t = m;
      break;
  }
  g.ar = ar;
  g.ac = ac;
  g.row_folds = ceil_div(g.sr, ar);
  g.col_folds = ceil_div(g.sc, ac);
  return g;
}

LayerReport model_layer(const ScaleSimConfig& cfg, const Layer& layer, Timing timing) {
  const Dataflow df = cfg.dataflow;
  const std::int64_t ar = cfg.array_height, ac = cfg.array_width;
  const FoldGeometry g = fold_geometry(df, layer, ar, ac);
  const std::int64_t folds = g.folds();
  const std::int64_t t = g.t;
  const std::int64_t pes = ar * ac;
  LayerReport r;

  // Per-fold cycles L (docs/scalesim.md table) and the denominator D of SCALE-Sim's per-fold compute
  // utilisation: its "cycles_this_fold" is rows + cols - 1 of the demand matrix it builds,
  // i.e. L for os and L + AC - 1 for ws/is (AR - 1 would be the natural reading; equal on square arrays).
  const std::int64_t cpf = df == Dataflow::os ? t + ar + ac - 2 : 2 * ar + ac + t - 2;
  const std::int64_t d = df == Dataflow::os ? cpf : cpf + ac - 1;

  // Mapping efficiency and compute utilisation: mean over folds, summed in SCALE-Sim's order
  // (col folds outer, row folds inner) so the double result is bit-identical.
  // Past kFoldLoopLimit folds (a GEMM of millions by millions on a tiny array) the loop would
  // take hours: every fold but the last row and the last column fold uses the whole array, so
  // the sum is four products, computed in long double (it may then differ from SCALE-Sim's
  // sequential sum in the last digits; SCALE-Sim itself would take days on such a layer).
  double map_sum = 0, util_sum = 0;
  if (folds <= kFoldLoopLimit) {
    for (std::int64_t fc = 0; fc < g.col_folds; ++fc) {
      for (std::int64_t fr = 0; fr < g.row_folds; ++fr) {
        const std::int64_t used = g.rows_used(fr) * g.cols_used(fc);
        map_sum += ratio(used, pes);
        util_sum += ratio(used * t, pes * d);
      }
    }
  } else {
    long double ms = 0, us = 0;
    for (int last_r = 0; last_r < 2; ++last_r) {
      for (int last_c = 0; last_c < 2; ++last_c) {
        const std::int64_t nr = last_r ? 1 : g.row_folds - 1, nc = last_c ? 1 : g.col_folds - 1;
        const std::int64_t used = g.rows_used(last_r ? g.row_folds - 1 : 0) * g.cols_used(last_c ? g.col_folds - 1 : 0);
        const long double n = static_cast<long double>(nr) * static_cast<long double>(nc);
        ms += n * static_cast<long double>(used) / static_cast<long double>(pes);
        us += n * static_cast<long double>(used) * static_cast<long double>(t) /
              (static_cast<long double>(pes) * static_cast<long double>(d));
      }
    }
    map_sum = static_cast<double>(ms);
    util_sum = static_cast<double>(us);
  }
  r.mapping_eff = map_sum / static_cast<double>(folds) * 100;

  const std::int64_t ru0 = g.rows_used(0), ru_last = g.rows_used(g.row_folds - 1);
  const std::int64_t cu_last = g.cols_used(g.col_folds - 1);
  const std::int64_t px_m = layer.ofmap_px() * layer.num_filters;

  if (timing == Timing::scalesim) {
    r.total_cycles = folds * cpf - 1;  // 0-based: the index of the last cycle
    r.stall_cycles = 0;
    r.compute_util = util_sum / static_cast<double>(folds) * 100;
    const std::int64_t base = (folds - 1) * cpf;  // first cycle of the last fold
    // SRAM traffic: SCALE-Sim counts every demand-matrix slot of the mapped operand tiles.
    // Read requests are served one cycle after issue (hit latency 1), writes at issue.
    switch (df) {
      case Dataflow::os:
        r.ifmap_sram_reads = g.col_folds * t * g.sr;
        r.filter_sram_reads = g.row_folds * t * g.sc;
        r.ofmap_sram_writes = g.sr * g.sc + folds * (ar + ac);  // quirk: + AR + AC per fold
        r.ifmap_sram_start = 1;
        r.ifmap_sram_stop = static_cast<double>(base + (ru_last - 1) + (t - 1) + 1);
        r.filter_sram_start = 1;
        r.filter_sram_stop = static_cast<double>(base + (cu_last - 1) + (t - 1) + 1);
        r.ofmap_sram_start = static_cast<double>((t - 1) + (ar - ru0));
        r.ofmap_sram_stop = static_cast<double>(base + (t - 1) + (ar - 1) + (cu_last - 1));
        break;
      case Dataflow::ws:
        r.ifmap_sram_reads = g.col_folds * t * g.sr;
        r.filter_sram_reads = g.sr * g.sc;
        r.ofmap_sram_writes = g.row_folds * t * g.sc;
        r.ifmap_sram_start = static_cast<double>(ar + 1);
        r.ifmap_sram_stop = static_cast<double>(base + ar + (ru_last - 1) + (t - 1) + 1);
        r.filter_sram_start = static_cast<double>((ar - ru0) + 1);
        r.filter_sram_stop = static_cast<double>(base + (ar - 1) + 1);
        r.ofmap_sram_start = static_cast<double>(2 * ar - 1);
        r.ofmap_sram_stop = static_cast<double>(base + 2 * ar - 1 + (cu_last - 1) + (t - 1));
        break;
      case Dataflow::is:
        r.ifmap_sram_reads = g.sr * g.sc;
        r.filter_sram_reads = g.col_folds * t * g.sr;
        r.ofmap_sram_writes = g.row_folds * t * g.sc;
        r.ifmap_sram_start = static_cast<double>((ar - ru0) + 1);
        r.ifmap_sram_stop = static_cast<double>(base + (ar - 1) + 1);
        r.filter_sram_start = static_cast<double>(ar + 1);
        r.filter_sram_stop = static_cast<double>(base + ar + (ru_last - 1) + (t - 1) + 1);
        r.ofmap_sram_start = static_cast<double>(2 * ar - 1);
        r.ofmap_sram_stop = static_cast<double>(base + 2 * ar - 1 + (cu_last - 1) + (t - 1));
        break;
    }
    // A window overhanging the input (output size rounded up) requests SCALE-Sim's -1 there,
    // which does not count as an access for the IFMAP start/stop cycles.
    const RowSpan ifr = ifmap_request_rows(df, layer, g);
    r.ifmap_sram_start = static_cast<double>(ifr.first + 1);
    r.ifmap_sram_stop = static_cast<double>(ifr.last + 1);
    // DRAM: CALC mode fetches at 10 words/cycle and drains the OFMAP at AC words/cycle
    // (SCALE-Sim's single_layer_sim); USER mode uses the cfg Bandwidth for all three.
    const std::int64_t rd_bw = cfg.user_bandwidth ? cfg.bandwidth.front() : 10;
    const std::int64_t wr_bw = cfg.user_bandwidth ? cfg.bandwidth.front() : ac;
    const DramRead ifm = compat_dram_read(layer.ifmap_footprint(), cfg.ifmap_sram_kb, rd_bw);
    const DramRead fil = compat_dram_read(layer.filter_footprint(), cfg.filter_sram_kb, rd_bw);
    r.ifmap_dram_start = ifm.start, r.ifmap_dram_stop = ifm.stop, r.ifmap_dram_reads = ifm.reads;
    r.filter_dram_start = fil.start, r.filter_dram_stop = fil.stop, r.filter_dram_reads = fil.reads;
    // Every valid OFMAP demand is written back (partial sums too: ws/is write once per row
    // fold); the write buffer drains after the last compute cycle, one line per cycle.
    const std::int64_t ofmap_writes = df == Dataflow::os ? px_m : g.row_folds * px_m;
    r.ofmap_dram_writes = ofmap_writes;
    r.ofmap_dram_start = static_cast<double>(r.total_cycles);
    r.ofmap_dram_stop = static_cast<double>(r.total_cycles + ceil_div(ofmap_writes, wr_bw) - 1);
    const std::int64_t ofmap_sram = cfg.ofmap_sram_kb * 1024;
    const std::int64_t drain_buf = ofmap_sram - ceil_div(ofmap_sram, 2);
    r.dram_exact = ifm.exact && fil.exact && ofmap_writes <= drain_buf;
    // The event model walks every demand row; past kEventRowLimit rows (a GEMM of millions by
    // millions on a tiny array) the DRAM columns stay the closed-form estimates above.
    constexpr std::int64_t kEventRowLimit = std::int64_t{1} << 26;
    const bool walkable = folds <= kEventRowLimit / std::max<std::int64_t>(1, cpf);
    if (!walkable) {
      r.dram_exact = false;
    } else if (cfg.user_bandwidth) {
      // USER mode: SCALE-Sim's stall-modelling buffers at the cfg Bandwidth (compat_memory.hpp).
      const std::int64_t rows[6] = {
          static_cast<std::int64_t>(r.ifmap_sram_start) - 1, static_cast<std::int64_t>(r.ifmap_sram_stop) - 1,
          static_cast<std::int64_t>(r.filter_sram_start) - 1, static_cast<std::int64_t>(r.filter_sram_stop) - 1,
          static_cast<std::int64_t>(r.ofmap_sram_start), static_cast<std::int64_t>(r.ofmap_sram_stop)};
      const CompatMemory mem = compat_memory_user(cfg, layer, g, rows);
      r.stall_cycles = mem.stall_cycles;
      r.total_cycles = mem.total_cycles;
      r.ifmap_sram_start = mem.ifmap_sram_start, r.ifmap_sram_stop = mem.ifmap_sram_stop;
      r.filter_sram_start = mem.filter_sram_start, r.filter_sram_stop = mem.filter_sram_stop;
      r.ofmap_sram_start = mem.ofmap_sram_start, r.ofmap_sram_stop = mem.ofmap_sram_stop;
      r.ifmap_dram_start = mem.ifmap.start, r.ifmap_dram_stop = mem.ifmap.stop;
      r.ifmap_dram_reads = mem.ifmap.count;
      r.filter_dram_start = mem.filter.start, r.filter_dram_stop = mem.filter.stop;
      r.filter_dram_reads = mem.filter.count;
      r.ofmap_dram_start = mem.ofmap.start, r.ofmap_dram_stop = mem.ofmap.stop;
      r.ofmap_dram_writes = mem.ofmap.count;
      r.dram_exact = true;
    } else if (!compat_memory_fits(cfg, layer, g)) {
      // A buffer overflows its active half: SCALE-Sim's set-based refetches, mid-run OFMAP
      // drains and write stalls, from the event model (compat_memory.hpp).
      const std::int64_t rows[6] = {
          static_cast<std::int64_t>(r.ifmap_sram_start) - 1, static_cast<std::int64_t>(r.ifmap_sram_stop) - 1,
          static_cast<std::int64_t>(r.filter_sram_start) - 1, static_cast<std::int64_t>(r.filter_sram_stop) - 1,
          static_cast<std::int64_t>(r.ofmap_sram_start), static_cast<std::int64_t>(r.ofmap_sram_stop)};
      const CompatMemory mem = compat_memory_calc(cfg, layer, g, rows);
      r.stall_cycles = mem.stall_cycles;
      r.total_cycles = mem.total_cycles;
      r.ifmap_sram_start = mem.ifmap_sram_start, r.ifmap_sram_stop = mem.ifmap_sram_stop;
      r.filter_sram_start = mem.filter_sram_start, r.filter_sram_stop = mem.filter_sram_stop;
      r.ofmap_sram_start = mem.ofmap_sram_start, r.ofmap_sram_stop = mem.ofmap_sram_stop;
      if (!ifm.exact) {
        r.ifmap_dram_start = mem.ifmap.start, r.ifmap_dram_stop = mem.ifmap.stop;
        r.ifmap_dram_reads = mem.ifmap.count;
      }
      if (!fil.exact) {
        r.filter_dram_start = mem.filter.start, r.filter_dram_stop = mem.filter.stop;
        r.filter_dram_reads = mem.filter.count;
      }
      r.ofmap_dram_start = mem.ofmap.start, r.ofmap_dram_stop = mem.ofmap.stop;
      r.ofmap_dram_writes = mem.ofmap.count;
      r.dram_exact = true;
    }
  } else {
    // lpsim's own schedule (native_model.hpp, docs/scalesim.md "--timing native").
    const NativeSchedule n = native_schedule(cfg, layer);
    r.total_cycles = n.total;
    r.stall_cycles = n.stall;
    // PE utilisation while the array computes (stalls, PPU and DMA-only cycles excluded).
    r.compute_util = static_cast<double>(layer.macs()) * 100 /
                     (static_cast<double>(std::max<std::int64_t>(1, n.array_cycles)) *
                      static_cast<double>(pes));
    // SRAM: the backend's buffer accesses, during the compute window [S_0, C_{T-1}).
    r.ifmap_sram_reads = n.ib_reads;
    r.filter_sram_reads = n.wb_reads;
    r.ofmap_sram_writes = n.ob_writes;
    r.ifmap_sram_start = r.filter_sram_start = r.ofmap_sram_start =
        static_cast<double>(n.compute_start);
    r.ifmap_sram_stop = r.filter_sram_stop = r.ofmap_sram_stop =
        static_cast<double>(n.compute_end - 1);
    // DRAM: the DMA jobs of the schedule (bytes = words), first start to last completion - 1.
    r.ifmap_dram_reads = n.inputs.bytes;
    r.ifmap_dram_start = static_cast<double>(n.inputs.start);
    r.ifmap_dram_stop = static_cast<double>(n.inputs.stop);
    r.filter_dram_reads = n.weights.bytes;
    r.filter_dram_start = static_cast<double>(n.weights.start);
    r.filter_dram_stop = static_cast<double>(n.weights.stop);
    r.ofmap_dram_writes = n.outputs.bytes;
    r.ofmap_dram_start = static_cast<double>(n.outputs.start);
    r.ofmap_dram_stop = static_cast<double>(n.outputs.stop);
  }

  // A 1x1 array running a single 1-cycle fold reports 0 cycles (0-based); SCALE-Sim divides by
  // zero there, we divide by one.
  const std::int64_t cyc = std::max<std::int64_t>(1, r.total_cycles);
  r.overall_util = ratio(layer.macs() * 100, cyc * pes);
  r.avg_ifmap_sram_bw = ratio(r.ifmap_sram_reads, cyc);
  r.avg_filter_sram_bw = ratio(r.filter_sram_reads, cyc);
  r.avg_ofmap_sram_bw = ratio(r.ofmap_sram_writes, cyc);
  r.avg_ifmap_dram_bw =
      static_cast<double>(r.ifmap_dram_reads) / (r.ifmap_dram_stop - r.ifmap_dram_start + 1);
  r.avg_filter_dram_bw =
      static_cast<double>(r.filter_dram_reads) / (r.filter_dram_stop - r.filter_dram_start + 1);
  r.avg_ofmap_dram_bw =
      static_cast<double>(r.ofmap_dram_writes) / (r.ofmap_dram_stop - r.ofmap_dram_start + 1);
  return r;
}

}  // namespace lpsim::scalesim
