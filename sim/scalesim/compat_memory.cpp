// SCALE-Sim v2's CALC memory system as an event model (compat_memory.hpp, docs/scalesim.md).
#include "sim/scalesim/compat_memory.hpp"

#include <algorithm>
#include <vector>

namespace lpsim::scalesim {

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

constexpr std::int64_t kActiveSets = 50;  // active_buf_frac 0.5 of 100 sets
constexpr std::int64_t kCalcReadBw = 10;  // words/cycle of the CALC-mode prefetches

std::int64_t items_per_set(std::int64_t sram_kb) {
  return sram_kb * 1024 / 100;
}

// The estimate-bandwidth read buffer. Its sets of n distinct words fill with the misses; a hit
// is a word of the sets filled since the last prefetch event. Every 50 n misses the filled
// sets are prefetched and the window of resident sets moves past all of them, so the buffer
// behaves as a cache of distinct words that is emptied each time it holds 50 n of them.
// Prefetches happen at the miss that completes a group of 50 sets: the first group is
// fetched before the first request (at 10 words/cycle), each later group over the cycles
// between the two previous events, the remainder after the last request.
class ReadBuffer {
 public:
  ReadBuffer(std::int64_t n, std::int64_t words) : n_(n), stamp_(static_cast<std::size_t>(words), 0) {}

  void access(std::int64_t addr, std::int64_t cycle) {
    if (first_req_ < 0) first_req_ = cycle;
    std::uint32_t& s = stamp_[static_cast<std::size_t>(addr)];
    if (s == epoch_) return;
    s = epoch_;
    ++misses_;
    if (++in_epoch_ == kActiveSets * n_) {
      ++events_;
      last_event_ = cycle;
      ++epoch_;
      in_epoch_ = 0;
    }
  }

  CompatDram finish() const {
    CompatDram d;
    d.count = misses_;
    if (events_ == 0) {
      const std::int64_t sets = ceil_div(misses_, n_);
      d.start = static_cast<double>(-ceil_div(sets * n_, kCalcReadBw));
      d.stop = -1;
    } else {
      d.start = static_cast<double>(first_req_ - ceil_div(kActiveSets * n_, kCalcReadBw));
      d.stop = static_cast<double>(last_event_ + 1);
    }
    return d;
  }

 private:
  std::int64_t n_;
  std::vector<std::uint32_t> stamp_;
  std::uint32_t epoch_ = 1;
  std::int64_t in_epoch_ = 0, misses_ = 0, events_ = 0;
  std::int64_t first_req_ = -1, last_event_ = 0;
};

// SCALE-Sim's OFMAP write buffer: writes are packed into lines of `bw` words; when more than
// the drain half is used (and no drain is in flight) the finished lines, the partial line
// closed early, are drained ceil(drain/bw) lines at a time, one line per cycle; a write that
// finds the buffer full while a drain is in flight stalls until the drain ends. A drained
// batch frees `bw` words per line except for the unused slots of its last line.
class WriteBuffer {
 public:
  WriteBuffer(std::int64_t size, std::int64_t bw)
      : active_(size - size / 2), drain_(size / 2), bw_(bw), free_(size) {}

  // k valid writes of one demand row issued at `cycle`; returns the serviced cycle.
  std::int64_t row(std::int64_t k, std::int64_t cycle) {
    std::int64_t cur = cycle;
    while (k > 0) {
      if (cur < drain_end_) {
        if (free_ - k > 0) {
          store(k);
          k = 0;
        } else {
          const std::int64_t m = std::max<std::int64_t>(1, free_);
          store(m);
          k -= m;
          if (free_ <= 0) cur = drain_end_;
        }
      } else {
        if (free_ - k >= active_) {
          store(k);
          k = 0;
        } else {
          const std::int64_t m = std::max<std::int64_t>(1, free_ - active_ + 1);
          store(m);
          k -= m;
          if (free_ < active_) {
            close_line();
            drain_end_ = drain(cur);
          }
        }
      }
    }
    return cur;
  }

  CompatDram finish(std::int64_t cycle) {
    close_line();
    while (drain_start_ < lines_.size()) cycle = drain(cycle) + 1;
    CompatDram d;
    d.count = accesses_;
    d.start = static_cast<double>(first_drain_);
    d.stop = static_cast<double>(last_drain_);
    return d;
  }

 private:
  void store(std::int64_t k) {
    free_ -= k;
    line_ += k;
    while (line_ >= bw_) {
      lines_.push_back(bw_);
      line_ -= bw_;
    }
  }
  void close_line() {
    if (line_ > 0) lines_.push_back(line_);
    line_ = 0;
  }
  std::int64_t drain(std::int64_t start) {
    const std::size_t end = std::min(lines_.size(), drain_start_ + static_cast<std::size_t>(ceil_div(drain_, bw_)));
    const std::int64_t num = static_cast<std::int64_t>(end - drain_start_);
    const std::int64_t data = (num - 1) * bw_ + lines_[end - 1];
    accesses_ += data;
    free_ += data;
    if (first_drain_ < 0) first_drain_ = start;
    last_drain_ = start + num - 1;
    drain_start_ = end;
    return last_drain_;
  }

  std::int64_t active_, drain_, bw_, free_;
  std::int64_t line_ = 0;
  std::vector<std::int64_t> lines_;
  std::size_t drain_start_ = 0;
  std::int64_t drain_end_ = 0, accesses_ = 0, first_drain_ = -1, last_drain_ = 0;
};

std::int64_t ofmap_writes(Dataflow df, const Layer& layer, const FoldGeometry& g) {
  const std::int64_t px_m = layer.ofmap_px() * layer.num_filters;
  return df == Dataflow::os ? px_m : g.row_folds * px_m;
}

}  // namespace

RowSpan ifmap_request_rows(Dataflow df, const Layer& l, const FoldGeometry& g) {
  const std::int64_t ar = g.ar, ac = g.ac, t = g.t, f_w = l.ofmap_w(), s_c = l.filter_w * l.channels;
  auto valid = [&](std::int64_t p, std::int64_t w) {
    return p / f_w * l.stride_h + w / s_c < l.ifmap_h && p % f_w * l.stride_w + w % s_c / l.channels < l.ifmap_w;
  };
  const std::int64_t rows = df == Dataflow::os ? t + ar + ac - 2 : 2 * ar + ac + t - 2;
  auto row_has = [&](std::int64_t fold, std::int64_t r) {
    const std::int64_t fc = fold / g.row_folds, fr = fold % g.row_folds;
    const std::int64_t ru = g.rows_used(fr), cu = g.cols_used(fc), r0 = fr * ar, c0 = fc * ac;
    if (df == Dataflow::os) {
      for (std::int64_t c = std::max<std::int64_t>(0, r - t + 1), e = std::min(ru - 1, r); c <= e; ++c)
        if (valid(r0 + c, r - c)) return true;
    } else if (df == Dataflow::ws) {
      for (std::int64_t c = std::max<std::int64_t>(0, r - (ar + t - 1)), e = std::min(ru - 1, r - ar); c <= e; ++c)
        if (valid(r - c - ar, r0 + c)) return true;
    } else if (r < ar && ar - 1 - r < ru) {
      for (std::int64_t c = 0; c < cu; ++c)
        if (valid(c0 + c, r0 + ar - 1 - r)) return true;
    }
    return false;
  };
  RowSpan span;
  const std::int64_t folds = g.folds();
  for (std::int64_t f = 0; f < folds && span.first < 0; ++f)
    for (std::int64_t r = 0; r < rows && span.first < 0; ++r)
      if (row_has(f, r)) span.first = f * rows + r;
  for (std::int64_t f = folds - 1; f >= 0 && span.last < 0; --f)
    for (std::int64_t r = rows - 1; r >= 0 && span.last < 0; --r)
      if (row_has(f, r)) span.last = f * rows + r;
  return span;
}

bool compat_memory_fits(const ScaleSimConfig& cfg, const Layer& layer, const FoldGeometry& g) {
  const std::int64_t osize = cfg.ofmap_sram_kb * 1024;
  return layer.ifmap_footprint() < kActiveSets * items_per_set(cfg.ifmap_sram_kb) &&
         layer.filter_footprint() < kActiveSets * items_per_set(cfg.filter_sram_kb) &&
         ofmap_writes(cfg.dataflow, layer, g) <= osize / 2;
}

CompatMemory compat_memory_calc(const ScaleSimConfig& cfg, const Layer& layer,
                                const FoldGeometry& g, const std::int64_t sram_rows[6]) {
  const Dataflow df = cfg.dataflow;
  const std::int64_t ar = g.ar, ac = g.ac, t = g.t;
  const std::int64_t n_i = items_per_set(cfg.ifmap_sram_kb), n_f = items_per_set(cfg.filter_sram_kb);
  const bool ifm_on = layer.ifmap_footprint() >= kActiveSets * n_i;
  const bool fil_on = layer.filter_footprint() >= kActiveSets * n_f;
  const std::int64_t hh = layer.ifmap_h, ww = layer.ifmap_w, ch = layer.channels;
  const std::int64_t s_c = layer.filter_w * ch;
  const std::int64_t window = layer.window(), f_w = layer.ofmap_w(), px = layer.ofmap_px();

  ReadBuffer ifm(n_i, ifm_on ? hh * ww * ch : 0);
  ReadBuffer fil(n_f, fil_on ? window * layer.num_filters : 0);
  WriteBuffer ofm(cfg.ofmap_sram_kb * 1024, ac);

  // IFMAP address of operand element (pixel p, window index w): SCALE-Sim's im2col with -1
  // (not fetched) where the window overhangs the input.
  std::vector<std::int64_t> w_row, w_col, w_off, p_row, p_col, p_base;
  if (ifm_on) {
    w_row.resize(window), w_col.resize(window), w_off.resize(window);
    for (std::int64_t w = 0; w < window; ++w) {
      const std::int64_t r = w / s_c, k = w % s_c, c = k / ch, cc = k % ch;
      w_row[w] = r, w_col[w] = c, w_off[w] = (r * ww + c) * ch + cc;
    }
    p_row.resize(px), p_col.resize(px), p_base.resize(px);
    for (std::int64_t p = 0; p < px; ++p) {
      const std::int64_t ir = p / f_w * layer.stride_h, ic = p % f_w * layer.stride_w;
      p_row[p] = ir, p_col[p] = ic, p_base[p] = (ir * ww + ic) * ch;
    }
  }
  auto ifmap_read = [&](std::int64_t p, std::int64_t w, std::int64_t cycle) {
    if (p_row[p] + w_row[w] < hh && p_col[p] + w_col[w] < ww) ifm.access(p_base[p] + w_off[w], cycle);
  };
  auto filter_read = [&](std::int64_t w, std::int64_t m, std::int64_t cycle) {
    fil.access(m * window + w, cycle);
  };

  const std::int64_t rows = df == Dataflow::os ? t + ar + ac - 2 : 2 * ar + ac + t - 2;
  CompatMemory mem;
  double* const sram_at[6] = {&mem.ifmap_sram_start, &mem.ifmap_sram_stop, &mem.filter_sram_start,
                              &mem.filter_sram_stop, &mem.ofmap_sram_start, &mem.ofmap_sram_stop};
  std::int64_t stall = 0, row_base = 0, last_out = 0;
  for (std::int64_t fc = 0; fc < g.col_folds; ++fc) {
    for (std::int64_t fr = 0; fr < g.row_folds; ++fr, row_base += rows) {
      const std::int64_t ru = g.rows_used(fr), cu = g.cols_used(fc);
      const std::int64_t r0 = fr * ar, c0 = fc * ac;
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t cyc = row_base + r + stall;
        std::int64_t olo = 0, ohi = -1;  // valid OFMAP lanes of this row
        if (df == Dataflow::os) {
          if (ifm_on)
            for (std::int64_t c = std::max<std::int64_t>(0, r - t + 1), e = std::min(ru - 1, r); c <= e; ++c)
              ifmap_read(r0 + c, r - c, cyc);
          if (fil_on)
            for (std::int64_t c = std::max<std::int64_t>(0, r - t + 1), e = std::min(cu - 1, r); c <= e; ++c)
              filter_read(r - c, c0 + c, cyc);
          olo = std::max<std::int64_t>(0, r - (t + ar - 2));
          ohi = std::min(cu - 1, r - (t - 1 + ar - ru));
        } else {
          // Streamed operand: lane c carries operand row r0 + c at time u - AR, u = r - c.
          const std::int64_t lo = std::max<std::int64_t>(0, r - (ar + t - 1)), hi = std::min(ru - 1, r - ar);
          const bool stream_on = df == Dataflow::ws ? ifm_on : fil_on;
          if (stream_on)
            for (std::int64_t c = lo; c <= hi; ++c) {
              if (df == Dataflow::ws)
                ifmap_read(r - c - ar, r0 + c, cyc);
              else
                filter_read(r0 + c, r - c - ar, cyc);
            }
          // Stationary tile: rows 0..AR-1 hold operand rows r0 + AR-1-r (flipped).
          const bool stat_on = df == Dataflow::ws ? fil_on : ifm_on;
          if (stat_on && r < ar && ar - 1 - r < ru)
            for (std::int64_t c = 0; c < cu; ++c) {
              if (df == Dataflow::ws)
                filter_read(r0 + ar - 1 - r, c0 + c, cyc);
              else
                ifmap_read(c0 + c, r0 + ar - 1 - r, cyc);
            }
          olo = std::max<std::int64_t>(0, r - (2 * ar + t - 2));
          ohi = std::min(cu - 1, r - (2 * ar - 1));
        }
        const std::int64_t out = ohi >= olo ? ofm.row(ohi - olo + 1, cyc) : cyc;
        const std::int64_t i = row_base + r;
        for (int k = 0; k < 6; ++k)
          if (sram_rows[k] == i) *sram_at[k] = static_cast<double>(k < 4 ? cyc + 1 : out);
        stall += out - cyc;
        last_out = out;
      }
    }
  }
  mem.stall_cycles = stall;
  mem.total_cycles = last_out;
  mem.ifmap = ifm.finish();
  mem.filter = fil.finish();
  mem.ofmap = ofm.finish(last_out);
  return mem;
}

}  // namespace lpsim::scalesim
