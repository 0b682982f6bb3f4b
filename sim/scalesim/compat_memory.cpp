// SCALE-Sim v2's CALC memory system as an event model (compat_memory.hpp, docs/scalesim.md).
#include "sim/scalesim/compat_memory.hpp"

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

#include "sw/common/error.hpp"

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
  ReadBuffer(std::int64_t n, std::int64_t words)
      : n_(n), stamp_(static_cast<std::size_t>(words), 0) {}

  void access(std::int64_t addr, std::int64_t cycle) {
    if (locate_ >= 0) {  // replaying a repetition that was counted, not walked
      if (located_ == locate_) last_event_ = cycle;
      if (located_++ > locate_) stamp_[static_cast<std::size_t>(addr)] = epoch_;
      return;
    }
    if (first_req_ < 0) first_req_ = cycle;
    ++elems_;
    std::uint32_t& s = stamp_[static_cast<std::size_t>(addr)];
    if (s == epoch_) return;
    s = epoch_;
    ++misses_;
    if (++in_epoch_ == kActiveSets * n_) {
      ++events_;
      last_event_ = cycle;
      last_event_elem_ = elems_;
      ++epoch_;
      in_epoch_ = 0;
    }
  }

  // Progress counters, to find a repeating stretch of identical requests.
  struct Mark {
    std::int64_t elems, misses, events, last_event_elem;
  };
  Mark mark() const { return {elems_, misses_, events_, last_event_elem_}; }
  std::int64_t epoch_words() const { return kActiveSets * n_; }
  // `reps` more repetitions of a stretch that added `misses` and `events` and lasts `cycles`:
  // the buffer's state after each is the same as after the stretch just simulated.
  void repeat(std::int64_t reps, std::int64_t misses, std::int64_t events, std::int64_t cycles) {
    misses_ += reps * misses;
    events_ += reps * events;
    if (events > 0) last_event_ += reps * cycles;
  }
  // `reps` more repetitions of a stretch of `elems` requests to distinct words, each a miss,
  // with elems >= 50 n (so every repetition has a prefetch event and the words resident at
  // its start are evicted before it reaches them: it is all misses again). Returns the
  // request index, within the last repetition, of the last event; the caller then replays
  // that repetition (replay_begin/end) to find its cycle and the words left resident.
  std::int64_t repeat_all_miss(std::int64_t reps, std::int64_t elems) {
    const std::int64_t per = kActiveSets * n_, x = reps * elems;
    const std::int64_t last = x - (in_epoch_ + x) % per;  // misses up to the last event
    misses_ += x;
    elems_ += x;
    events_ += (in_epoch_ + x) / per;
    in_epoch_ = (in_epoch_ + x) % per;
    return (last - 1) % elems;
  }
  void replay_begin(std::int64_t event_index) {
    ++epoch_;
    locate_ = event_index;
    located_ = 0;
  }
  void replay_end() { locate_ = -1; }

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
  std::int64_t first_req_ = -1, last_event_ = 0, last_event_elem_ = 0, elems_ = 0;
  std::int64_t locate_ = -1, located_ = 0;
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
    const std::size_t end =
        std::min(lines_.size(), drain_start_ + static_cast<std::size_t>(ceil_div(drain_, bw_)));
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
  const std::int64_t ar = g.ar, ac = g.ac, t = g.t, f_w = l.ofmap_w(),
                     s_c = l.filter_w * l.channels;
  auto valid = [&](std::int64_t p, std::int64_t w) {
    return p / f_w * l.stride_h + w / s_c < l.ifmap_h &&
           p % f_w * l.stride_w + w % s_c / l.channels < l.ifmap_w;
  };
  const std::int64_t rows = df == Dataflow::os ? t + ar + ac - 2 : 2 * ar + ac + t - 2;
  auto row_has = [&](std::int64_t fold, std::int64_t r) {
    const std::int64_t fc = fold / g.row_folds, fr = fold % g.row_folds;
    const std::int64_t ru = g.rows_used(fr), cu = g.cols_used(fc), r0 = fr * ar, c0 = fc * ac;
    if (df == Dataflow::os) {
      for (std::int64_t c = std::max<std::int64_t>(0, r - t + 1), e = std::min(ru - 1, r); c <= e;
           ++c)
        if (valid(r0 + c, r - c)) return true;
    } else if (df == Dataflow::ws) {
      for (std::int64_t c = std::max<std::int64_t>(0, r - (ar + t - 1)),
                        e = std::min(ru - 1, r - ar);
           c <= e; ++c)
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

namespace {

// Stalls of the OFMAP write buffer, as (row, stalls up to and including the row) at each row
// that stalls; row i is issued at i + stalls before it.
struct Timeline {
  std::vector<std::pair<std::int64_t, std::int64_t>> steps;
  std::int64_t before(std::int64_t row) const {
    auto it = std::lower_bound(steps.begin(), steps.end(), std::make_pair(row, std::int64_t{-1}));
    return it == steps.begin() ? 0 : std::prev(it)->second;
  }
};

// Runs one operand's requests through its read buffer, fold by fold (col folds outer).
// `row(fc, fr, r, cycle)` issues the requests of demand row r of a fold. Requests that
// depend on the row fold only (key_fr) repeat every col fold; those that depend on the col
// fold only (key_fc) repeat on consecutive folds. Once a repetition ends in the same state as
// the one before it (same position of its last prefetch event, or no miss at all), every
// later repetition does too, and the rest of the stretch is counted without being walked
// (only when nothing stalls, so that repetitions are equally long).
// `distinct`: the requests of one repetition are to distinct words (filter streams), so a
// repetition of all misses at least 50 n long is followed by more of the same
// (ReadBuffer::repeat_all_miss).
template <class Row>
void run_reads(ReadBuffer& buf, const FoldGeometry& g, std::int64_t rows, bool key_fr, bool key_fc,
               bool distinct, const Timeline& tl, Row row) {
  const bool stall_free = tl.steps.empty();
  auto fold = [&](std::int64_t fc, std::int64_t fr) {
    const std::int64_t base = (fc * g.row_folds + fr) * rows;
    for (std::int64_t r = 0; r < rows; ++r)
      row(fc, fr, r, stall_free ? base + r : base + r + tl.before(base + r));
  };
  struct Unit {
    std::int64_t misses = 0, events = 0, pos = -1, elems = 0;
  };
  auto measure = [&](const ReadBuffer::Mark& a, const ReadBuffer::Mark& b) {
    Unit u;
    u.misses = b.misses - a.misses;
    u.events = b.events - a.events;
    u.pos = u.events > 0 ? b.last_event_elem - a.elems : -1;
    u.elems = b.elems - a.elems;
    return u;
  };
  auto all_miss = [&](const Unit& u) {
    return distinct && u.misses == u.elems && u.elems >= buf.epoch_words();
  };
  auto steady = [](const Unit& prev, const Unit& cur) {
    return cur.misses == 0 || (cur.events > 0 && prev.events > 0 && cur.pos == prev.pos);
  };
  if (key_fr) {
    Unit prev;
    for (std::int64_t fc = 0; fc < g.col_folds; ++fc) {
      const ReadBuffer::Mark a = buf.mark();
      for (std::int64_t fr = 0; fr < g.row_folds; ++fr) fold(fc, fr);
      const Unit u = measure(a, buf.mark());
      if (stall_free && fc + 1 < g.col_folds && all_miss(u)) {
        buf.replay_begin(buf.repeat_all_miss(g.col_folds - 1 - fc, u.elems));
        for (std::int64_t fr = 0; fr < g.row_folds; ++fr) fold(g.col_folds - 1, fr);
        buf.replay_end();
        return;
      }
      if (stall_free && fc > 0 && steady(prev, u)) {
        buf.repeat(g.col_folds - 1 - fc, u.misses, u.events, g.row_folds * rows);
        return;
      }
      prev = u;
    }
    return;
  }
  for (std::int64_t fc = 0; fc < g.col_folds; ++fc) {
    Unit prev;
    for (std::int64_t fr = 0; fr < g.row_folds; ++fr) {
      const ReadBuffer::Mark a = buf.mark();
      fold(fc, fr);
      if (!key_fc) continue;
      const Unit u = measure(a, buf.mark());
      if (stall_free && fr + 1 < g.row_folds && all_miss(u)) {
        buf.replay_begin(buf.repeat_all_miss(g.row_folds - 1 - fr, u.elems));
        fold(fc, g.row_folds - 1);
        buf.replay_end();
        break;
      }
      if (stall_free && fr > 0 && steady(prev, u)) {
        buf.repeat(g.row_folds - 1 - fr, u.misses, u.events, rows);
        break;
      }
      prev = u;
    }
  }
}

}  // namespace

CompatMemory compat_memory_calc(const ScaleSimConfig& cfg, const Layer& layer,
                                const FoldGeometry& g, const std::int64_t sram_rows[6]) {
  const Dataflow df = cfg.dataflow;
  const std::int64_t ar = g.ar, ac = g.ac, t = g.t;
  const std::int64_t n_i = items_per_set(cfg.ifmap_sram_kb),
                     n_f = items_per_set(cfg.filter_sram_kb);
  const bool ifm_on = layer.ifmap_footprint() >= kActiveSets * n_i;
  const bool fil_on = layer.filter_footprint() >= kActiveSets * n_f;
  const std::int64_t writes = ofmap_writes(df, layer, g);
  const std::int64_t osize = cfg.ofmap_sram_kb * 1024;
  const bool ofm_on = writes > osize / 2;
  const std::int64_t rows = df == Dataflow::os ? t + ar + ac - 2 : 2 * ar + ac + t - 2;
  const std::int64_t all_rows = g.folds() * rows;
  CompatMemory mem;

  // Pass 1: the OFMAP write buffer (CALC read buffers never stall, so it alone sets the
  // timeline).
  Timeline tl;
  if (ofm_on) {
    WriteBuffer ofm(osize, ac);
    std::int64_t stall = 0, last_out = 0;
    for (std::int64_t fc = 0; fc < g.col_folds; ++fc) {
      for (std::int64_t fr = 0; fr < g.row_folds; ++fr) {
        const std::int64_t ru = g.rows_used(fr), cu = g.cols_used(fc);
        const std::int64_t base = (fc * g.row_folds + fr) * rows;
        // Valid OFMAP lanes c of row r: os r - c in [T-1 + AR-ru, T+AR-2]; ws/is r - c in
        // [2AR-1, 2AR+T-2]; c < cu.
        const std::int64_t lo_off = df == Dataflow::os ? t - 1 + ar - ru : 2 * ar - 1;
        const std::int64_t hi_off = df == Dataflow::os ? t + ar - 2 : 2 * ar + t - 2;
        for (std::int64_t r = 0; r < rows; ++r) {
          const std::int64_t cyc = base + r + stall;
          const std::int64_t lo = std::max<std::int64_t>(0, r - hi_off),
                             hi = std::min(cu - 1, r - lo_off);
          const std::int64_t out = hi >= lo ? ofm.row(hi - lo + 1, cyc) : cyc;
          if (out != cyc) {
            stall += out - cyc;
            tl.steps.emplace_back(base + r, stall);
          }
          last_out = out;
        }
      }
    }
    mem.ofmap = ofm.finish(last_out);
    mem.stall_cycles = stall;
    mem.total_cycles = last_out;
  } else {
    mem.total_cycles = all_rows - 1;
    mem.ofmap.count = writes;
    mem.ofmap.start = static_cast<double>(mem.total_cycles);
    mem.ofmap.stop = static_cast<double>(mem.total_cycles + ceil_div(writes, ac) - 1);
  }
  auto issue = [&](std::int64_t row) { return row + tl.before(row); };
  // Reads are served one cycle after issue; a write row is served after its own stall.
  double* const reads_at[4] = {&mem.ifmap_sram_start, &mem.ifmap_sram_stop, &mem.filter_sram_start,
                               &mem.filter_sram_stop};
  for (int k = 0; k < 4; ++k) *reads_at[k] = static_cast<double>(issue(sram_rows[k]) + 1);
  mem.ofmap_sram_start = static_cast<double>(sram_rows[4] + tl.before(sram_rows[4] + 1));
  mem.ofmap_sram_stop = static_cast<double>(sram_rows[5] + tl.before(sram_rows[5] + 1));

  // Pass 2: the read buffers of the operands that overflow.
  const std::int64_t hh = layer.ifmap_h, ww = layer.ifmap_w, ch = layer.channels;
  const std::int64_t s_c = layer.filter_w * ch;
  const std::int64_t window = layer.window(), f_w = layer.ofmap_w(), px = layer.ofmap_px();
  if (ifm_on) {
    // IFMAP address of operand element (pixel p, window index w): SCALE-Sim's im2col; -1 (no
    // request) where the window overhangs the input.
    std::vector<std::int64_t> w_row(window), w_col(window), w_off(window), p_row(px), p_col(px),
        p_base(px);
    for (std::int64_t w = 0; w < window; ++w) {
      const std::int64_t r = w / s_c, k = w % s_c, c = k / ch, cc = k % ch;
      w_row[w] = r, w_col[w] = c, w_off[w] = (r * ww + c) * ch + cc;
    }
    for (std::int64_t p = 0; p < px; ++p) {
      const std::int64_t ir = p / f_w * layer.stride_h, ic = p % f_w * layer.stride_w;
      p_row[p] = ir, p_col[p] = ic, p_base[p] = (ir * ww + ic) * ch;
    }
    ReadBuffer ifm(n_i, hh * ww * ch);
    auto read = [&](std::int64_t p, std::int64_t w, std::int64_t cycle) {
      if (p_row[p] + w_row[w] < hh && p_col[p] + w_col[w] < ww)
        ifm.access(p_base[p] + w_off[w], cycle);
    };
    if (df == Dataflow::os) {  // streamed: lane c = pixel r0 + c, window index r - c
      run_reads(ifm, g, rows, true, false, false, tl,
                [&](std::int64_t, std::int64_t fr, std::int64_t r, std::int64_t cyc) {
                  const std::int64_t ru = g.rows_used(fr), r0 = fr * ar;
                  for (std::int64_t c = std::max<std::int64_t>(0, r - t + 1),
                                    e = std::min(ru - 1, r);
                       c <= e; ++c)
                    read(r0 + c, r - c, cyc);
                });
    } else if (df == Dataflow::ws) {  // streamed: lane c = window index r0 + c, pixel r - c - AR
      run_reads(ifm, g, rows, true, false, false, tl,
                [&](std::int64_t, std::int64_t fr, std::int64_t r, std::int64_t cyc) {
                  const std::int64_t ru = g.rows_used(fr), r0 = fr * ar;
                  for (std::int64_t c = std::max<std::int64_t>(0, r - (ar + t - 1)),
                                    e = std::min(ru - 1, r - ar);
                       c <= e; ++c)
                    read(r - c - ar, r0 + c, cyc);
                });
    } else {  // stationary, flipped: row r < AR holds window index r0 + AR-1-r, lane c pixel c0 + c
      run_reads(ifm, g, rows, false, false, false, tl,
                [&](std::int64_t fc, std::int64_t fr, std::int64_t r, std::int64_t cyc) {
                  const std::int64_t ru = g.rows_used(fr), cu = g.cols_used(fc);
                  if (r >= ar || ar - 1 - r >= ru) return;
                  for (std::int64_t c = 0; c < cu; ++c)
                    read(fc * ac + c, fr * ar + ar - 1 - r, cyc);
                });
    }
    mem.ifmap = ifm.finish();
  }
  if (fil_on) {
    ReadBuffer fil(n_f, window * layer.num_filters);
    auto read = [&](std::int64_t w, std::int64_t m, std::int64_t cycle) {
      fil.access(m * window + w, cycle);
    };
    if (df == Dataflow::os) {  // streamed: lane c = filter c0 + c, window index r - c
      run_reads(fil, g, rows, false, true, true, tl,
                [&](std::int64_t fc, std::int64_t, std::int64_t r, std::int64_t cyc) {
                  const std::int64_t cu = g.cols_used(fc), c0 = fc * ac;
                  for (std::int64_t c = std::max<std::int64_t>(0, r - t + 1),
                                    e = std::min(cu - 1, r);
                       c <= e; ++c)
                    read(r - c, c0 + c, cyc);
                });
    } else if (df == Dataflow::is) {  // streamed: lane c = window index r0 + c, filter r - c - AR
      run_reads(fil, g, rows, true, false, true, tl,
                [&](std::int64_t, std::int64_t fr, std::int64_t r, std::int64_t cyc) {
                  const std::int64_t ru = g.rows_used(fr), r0 = fr * ar;
                  for (std::int64_t c = std::max<std::int64_t>(0, r - (ar + t - 1)),
                                    e = std::min(ru - 1, r - ar);
                       c <= e; ++c)
                    read(r0 + c, r - c - ar, cyc);
                });
    } else {  // stationary, flipped: row r < AR holds window index r0 + AR-1-r, lane c filter c0 +
              // c
      run_reads(fil, g, rows, false, false, false, tl,
                [&](std::int64_t fc, std::int64_t fr, std::int64_t r, std::int64_t cyc) {
                  const std::int64_t ru = g.rows_used(fr), cu = g.cols_used(fc);
                  if (r >= ar || ar - 1 - r >= ru) return;
                  for (std::int64_t c = 0; c < cu; ++c)
                    read(fr * ar + ar - 1 - r, fc * ac + c, cyc);
                });
    }
    mem.filter = fil.finish();
  }
  return mem;
}

}  // namespace lpsim::scalesim

namespace lpsim::scalesim {

namespace {

// SCALE-Sim's prefetch order of a matrix of `rows` x `cols` requests: along the anti-diagonals
// (row descending within one) when `rolled`, row-major otherwise. Calls f(q, c) for each
// element (q, c) in that order.
template <class F>
void for_each_fetch(std::int64_t rows, std::int64_t cols, bool rolled, F f) {
  if (!rolled) {
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t c = 0; c < cols; ++c) f(r, c);
    return;
  }
  for (std::int64_t d = 0; d < rows + cols; ++d)
    for (std::int64_t r = std::min(d, rows - 1), lo = std::max<std::int64_t>(0, d - cols + 1);
         r >= lo; --r)
      f(r, d - r);
}

// One element of a prefetch order: the word it fetches (-1: none) and the demand row that
// requests it (its key: the part of (col fold, row fold, row) the request depends on).
struct FetchElem {
  std::int64_t addr, key;
};

// SCALE-Sim's USER-mode read buffer (read_buffer.py): the operand's prefetch order is fixed in
// advance and cut into sets of ceil(S/100) requests; a circular window of sets is resident
// (the active part); a request outside it moves the window on by the prefetch part and
// fetches ceil(prefetch/bw) more lines, stalling the array until they arrive.
//
// Every demand request has its own place in the prefetch order (the element of the same
// operand index), and the requests of one demand row are the elements with that row's key,
// in order of place. A request hits when a set holding its word is resident: its own place's
// set, or (operands with repeated words, the IFMAP) the set of another place of the same word,
// found along the chains prev_/next_. A demand row whose own places all lie in resident sets
// hits entirely, which one range check decides (row_lo_/row_hi_), so only the rows at the edge
// of the window are walked request by request.
// The arrays of one UserReadBuffer, kept from layer to layer by each thread (two buffers per
// layer) so that large layers do not fault in fresh pages every time.
struct UserBufferArrays {
  std::vector<std::int32_t> key_of;           // per place: the demand row requesting it
  std::vector<std::int32_t> prev, next;       // per place: the word's previous / next place
  std::vector<std::int64_t> row_lo, row_hi;   // per demand row: first and last own place
  std::vector<std::int32_t> last;             // per word: its latest place so far
};

class UserReadBuffer {
 public:
  // `order(f)` calls f(FetchElem) for every element of the prefetch order, of which there are
  // at most `elems`; keys are in [0, keys); `distinct`: no word appears twice in the order.
  template <class Order>
  UserReadBuffer(UserBufferArrays& arrays, std::int64_t size, std::int64_t bw, std::int64_t words,
                 std::int64_t keys, std::int64_t elems, bool distinct, Order order)
      : bw_(bw),
        per_set_(ceil_div(size, 100)),
        distinct_(distinct),
        key_of_(arrays.key_of),
        prev_(arrays.prev),
        next_(arrays.next),
        row_lo_(arrays.row_lo),
        row_hi_(arrays.row_hi) {
    if (elems >= INT32_MAX)
      throw UserError("USER-mode buffer model: more than 2^31 requests in one prefetch order");
    const auto n = static_cast<std::size_t>(elems);
    row_lo_.assign(static_cast<std::size_t>(keys), -1);
    row_hi_.assign(static_cast<std::size_t>(keys), -1);
    // Sized for every element, trimmed to the valid ones after the walk.
    key_of_.resize(n);
    std::vector<std::int32_t>& last = arrays.last;  // per word: its latest place so far
    if (!distinct_) {
      last.assign(static_cast<std::size_t>(words), -1);
      prev_.resize(n);
      next_.resize(n);
    }
    std::int32_t* const key_of = key_of_.data();
    std::int32_t* const prev = prev_.data();
    std::int32_t* const next = next_.data();
    std::int64_t total = 0;
    std::int32_t pos = 0;
    order([&](const FetchElem& e) {
      ++total;
      if (e.addr < 0) return;
      key_of[pos] = static_cast<std::int32_t>(e.key);
      const auto k = static_cast<std::size_t>(e.key);
      if (row_lo_[k] < 0) row_lo_[k] = pos;
      row_hi_[k] = pos;
      if (!distinct_) {
        std::int32_t& l = last[static_cast<std::size_t>(e.addr)];
        prev[pos] = l;
        next[pos] = -1;
        if (l >= 0) next[l] = pos;
        l = pos;
      }
      ++pos;
    });
    key_of_.resize(static_cast<std::size_t>(pos));
    setup(size, pos, total);
  }

  // A row-major order of distinct words in which matrix row q < mrows holds row_of(q).second
  // valid elements first (then empty ones up to mcols), all requested by demand row
  // row_of(q).first: each key's places are one contiguous range, found without a walk of the
  // elements.
  template <class RowOf>
  UserReadBuffer(UserBufferArrays& arrays, std::int64_t size, std::int64_t bw, std::int64_t keys,
                 std::int64_t mrows, std::int64_t mcols, RowOf row_of)
      : bw_(bw),
        per_set_(ceil_div(size, 100)),
        distinct_(true),
        contiguous_(true),
        key_of_(arrays.key_of),
        prev_(arrays.prev),
        next_(arrays.next),
        row_lo_(arrays.row_lo),
        row_hi_(arrays.row_hi) {
    row_lo_.assign(static_cast<std::size_t>(keys), -1);
    row_hi_.assign(static_cast<std::size_t>(keys), -1);
    std::int64_t pos = 0;
    for (std::int64_t q = 0; q < mrows; ++q) {
      const auto [key, count] = row_of(q);
      if (count <= 0) continue;
      const auto k = static_cast<std::size_t>(key);
      if (row_lo_[k] < 0) row_lo_[k] = pos;
      row_hi_[k] = pos + count - 1;
      pos += count;
    }
    setup(size, pos, mrows * mcols);
  }

  // The requests of demand row `key` (-1: none) issued at `cycle`; returns the stall
  // (served - cycle - 1).
  std::int64_t row(std::int64_t cycle, std::int64_t key) {
    if (key < 0) return 0;
    const std::int64_t lo = row_lo_[static_cast<std::size_t>(key)];
    if (lo < 0) return 0;
    const std::int64_t hi = row_hi_[static_cast<std::size_t>(key)];
    // Every own place resident: the sets of lo and hi, seen from the window start, within
    // the window and in order (lo <= hi, so a > b means the range wraps past the window).
    if (lo >= win_lo_ && hi < win_hi_) return 0;
    const std::int64_t a = offset_of(lo / per_set_), b = offset_of(hi / per_set_);
    if (a <= b && b < active_sets_) return 0;
    std::int64_t offset = 1;
    for (std::int64_t j = lo; j <= hi; ++j) {
      if (!contiguous_ && key_of_[static_cast<std::size_t>(j)] != key) continue;
      while (!hit(j)) {
        win_start_ = (win_start_ + prefetch_sets_) % num_sets_;
        set_window_places();
        accesses_ += prefetch_lines_ * bw_;
        last_cycle_ += prefetch_lines_ + 1;
        if (last_cycle_ - (cycle + offset) > 0) offset = last_cycle_ - cycle;
      }
    }
    return offset - 1;
  }

  CompatDram finish() const {
    CompatDram d;
    d.count = accesses_;
    d.start = static_cast<double>(first_cycle_);
    d.stop = static_cast<double>(last_cycle_);
    return d;
  }

 private:
  // `valid` places of `total` order elements: the sets, the window and the first fetch.
  void setup(std::int64_t size, std::int64_t valid, std::int64_t total) {
    const std::int64_t active = size - size / 2, prefetch = size / 2;
    num_sets_ = valid / per_set_ + 1;
    active_sets_ = std::min(num_sets_, ceil_div(active, per_set_));
    prefetch_sets_ = std::min(num_sets_ - active_sets_, ceil_div(prefetch, per_set_));
    set_window_places();
    const std::int64_t fetch_lines = ceil_div(total, bw_);
    const std::int64_t first = std::min(ceil_div(active, bw_), fetch_lines);
    accesses_ = first * bw_;
    first_cycle_ = -first;  // served before cycle 0, the last line at -1
    last_cycle_ = -1;
    prefetch_lines_ = ceil_div(prefetch, bw_);
  }

  // Position of a set in the circular window (resident when < active_sets_).
  std::int64_t offset_of(std::int64_t set) const {
    const std::int64_t d = set - win_start_;
    return d < 0 ? d + num_sets_ : d;
  }
  // The places [win_lo_, win_hi_) of the resident sets when the window does not wrap past
  // the last set (else an empty range, and offset_of decides).
  void set_window_places() {
    const bool wraps = win_start_ + active_sets_ > num_sets_;
    win_lo_ = wraps ? 0 : win_start_ * per_set_;
    win_hi_ = wraps ? 0 : (win_start_ + active_sets_) * per_set_;
  }
  bool resident(std::int64_t place) const {
    if (place >= win_lo_ && place < win_hi_) return true;
    return offset_of(place / per_set_) < active_sets_;
  }
  bool hit(std::int64_t j) const {
    if (resident(j)) return true;
    if (distinct_) return false;
    for (std::int32_t k = prev_[static_cast<std::size_t>(j)]; k >= 0; k = prev_[static_cast<std::size_t>(k)])
      if (resident(k)) return true;
    for (std::int32_t k = next_[static_cast<std::size_t>(j)]; k >= 0; k = next_[static_cast<std::size_t>(k)])
      if (resident(k)) return true;
    return false;
  }

  std::int64_t bw_, per_set_;
  bool distinct_;
  bool contiguous_ = false;  // each key's places are [row_lo_, row_hi_] (key_of_ unused)
  std::vector<std::int32_t>& key_of_;
  std::vector<std::int32_t>&prev_, &next_;
  std::vector<std::int64_t>&row_lo_, &row_hi_;
  std::int64_t num_sets_ = 1, active_sets_ = 1, prefetch_sets_ = 0, win_start_ = 0;
  std::int64_t win_lo_ = 0, win_hi_ = 0;
  std::int64_t accesses_ = 0, first_cycle_ = 0, last_cycle_ = -1, prefetch_lines_ = 0;
};

}  // namespace

CompatMemory compat_memory_user(const ScaleSimConfig& cfg, const Layer& layer,
                                const FoldGeometry& g, const std::int64_t sram_rows[6]) {
  const Dataflow df = cfg.dataflow;
  const std::int64_t ar = g.ar, ac = g.ac, t = g.t, bw = cfg.bandwidth.front();
  const std::int64_t hh = layer.ifmap_h, ww = layer.ifmap_w, ch = layer.channels;
  const std::int64_t s_c = layer.filter_w * ch, window = layer.window(), f_w = layer.ofmap_w();
  const std::int64_t px = layer.ofmap_px(), nf = layer.num_filters;
  std::vector<std::int64_t> w_row(window), w_col(window), w_off(window), p_row(px), p_col(px),
      p_base(px);
  for (std::int64_t w = 0; w < window; ++w) {
    const std::int64_t cr = w / s_c, k = w % s_c, cc = k / ch;
    w_row[w] = cr, w_col[w] = cc, w_off[w] = (cr * ww + cc) * ch + k % ch;
  }
  for (std::int64_t p = 0; p < px; ++p) {
    const std::int64_t ir = p / f_w * layer.stride_h, ic = p % f_w * layer.stride_w;
    p_row[p] = ir, p_col[p] = ic, p_base[p] = (ir * ww + ic) * ch;
  }
  auto ifmap_addr = [&](std::int64_t p, std::int64_t w) -> std::int64_t {
    if (p_row[p] + w_row[w] >= hh || p_col[p] + w_col[w] >= ww) return -1;
    return p_base[p] + w_off[w];
  };
  auto filter_addr = [&](std::int64_t w, std::int64_t m) { return m * window + w; };

  // The prefetch orders, each element with its demand row (key). Streamed operands: lane c of
  // row r of a fold; the key is (the fold index the stream depends on, r). Stationary operands
  // (rows r < AR of each fold, flipped: row r holds window index r0 + AR-1-r): (fold, r).
  const std::int64_t rows = df == Dataflow::os ? t + ar + ac - 2 : 2 * ar + ac + t - 2;
  std::vector<std::int64_t> stat_w(static_cast<std::size_t>(window));  // key of window index w
  for (std::int64_t w = 0; w < window; ++w)
    stat_w[static_cast<std::size_t>(w)] = w / ar * ar + (ar - 1 - w % ar);
  auto stationary_key = [&](std::int64_t fc, std::int64_t w) {  // window index w of col fold fc
    return fc * g.row_folds * ar + stat_w[static_cast<std::size_t>(w)];
  };
  const std::int64_t stat_keys = g.folds() * ar;
  // IFMAP words repeat in their order (overlapping windows); every filter word appears once.
  thread_local UserBufferArrays arrays[2];
  auto ifmap_buffer = [&](std::int64_t keys, std::int64_t mrows, std::int64_t mcols, bool rolled,
                          auto elem) {
    return UserReadBuffer(arrays[0], cfg.ifmap_sram_kb * 1024, bw, hh * ww * ch, keys,
                          mrows * mcols, false,
                          [&](auto&& f) { for_each_fetch(mrows, mcols, rolled, [&](std::int64_t q, std::int64_t c) { f(elem(q, c)); }); });
  };
  auto filter_buffer = [&](std::int64_t keys, std::int64_t mrows, std::int64_t mcols, bool rolled,
                           auto elem) {
    return UserReadBuffer(arrays[1], cfg.filter_sram_kb * 1024, bw, window * nf, keys,
                          mrows * mcols, true,
                          [&](auto&& f) { for_each_fetch(mrows, mcols, rolled, [&](std::int64_t q, std::int64_t c) { f(elem(q, c)); }); });
  };
  // q / d and q % d of the order's matrix rows q < n, looked up instead of divided.
  std::vector<std::int32_t> qdiv, qmod;
  auto split = [&](std::int64_t n, std::int64_t d) {
    qdiv.resize(static_cast<std::size_t>(n)), qmod.resize(static_cast<std::size_t>(n));
    for (std::int64_t q = 0, a = 0, b = 0; q < n; ++q) {
      qdiv[static_cast<std::size_t>(q)] = static_cast<std::int32_t>(a);
      qmod[static_cast<std::size_t>(q)] = static_cast<std::int32_t>(b);
      if (++b == d) b = 0, ++a;
    }
  };
  auto qd = [&](std::int64_t q) -> std::int64_t { return qdiv[static_cast<std::size_t>(q)]; };
  auto qm = [&](std::int64_t q) -> std::int64_t { return qmod[static_cast<std::size_t>(q)]; };
  auto build = [&]() -> std::pair<UserReadBuffer, UserReadBuffer> {
    switch (df) {
      case Dataflow::os: {  // streamed: lane c = pixel r0 + c / filter c0 + c, window index r - c
        split(g.row_folds * t, t);
        UserReadBuffer i = ifmap_buffer(g.row_folds * rows, g.row_folds * t, ar, true,
                                        [&](std::int64_t q, std::int64_t c) {
                                          const std::int64_t fr = qd(q), w = qm(q);
                                          return FetchElem{c < g.rows_used(fr)
                                                               ? ifmap_addr(fr * ar + c, w)
                                                               : -1,
                                                           fr * rows + w + c};
                                        });
        split(g.col_folds * t, t);
        return {std::move(i), filter_buffer(g.col_folds * rows, g.col_folds * t, ac, true,
                                            [&](std::int64_t q, std::int64_t c) {
                                              const std::int64_t fc = qd(q), w = qm(q);
                                              return FetchElem{c < g.cols_used(fc)
                                                                   ? filter_addr(w, fc * ac + c)
                                                                   : -1,
                                                               fc * rows + w + c};
                                            })};
      }
      case Dataflow::ws: {  // IFMAP streamed (lane c: window index r0 + c, pixel r - c - AR)
        split(g.row_folds * px, px);
        UserReadBuffer i = ifmap_buffer(g.row_folds * rows, g.row_folds * px, ar, true,
                                        [&](std::int64_t q, std::int64_t c) {
                                          const std::int64_t fr = qd(q), p = qm(q);
                                          return FetchElem{c < g.rows_used(fr)
                                                               ? ifmap_addr(p, fr * ar + c)
                                                               : -1,
                                                           fr * rows + p + c + ar};
                                        });
        // Filter row by row: row fc * window + w holds filter (w, c0 + c) for c < cu.
        return {std::move(i),
                UserReadBuffer(arrays[1], cfg.filter_sram_kb * 1024, bw, stat_keys,
                               g.col_folds * window, ac, [&](std::int64_t q) {
                                 const std::int64_t fc = q / window, w = q % window;
                                 return std::pair<std::int64_t, std::int64_t>{
                                     stationary_key(fc, w), g.cols_used(fc)};
                               })};
      }
      case Dataflow::is:  // IFMAP stationary (lane c: pixel c0 + c), filter streamed
        break;
    }
    split(g.col_folds * window, window);
    UserReadBuffer i = ifmap_buffer(stat_keys, g.col_folds * window, ac, false,
                                    [&](std::int64_t q, std::int64_t c) {
                                      const std::int64_t fc = qd(q), w = qm(q);
                                      return FetchElem{
                                          c < g.cols_used(fc) ? ifmap_addr(fc * ac + c, w) : -1,
                                          stationary_key(fc, w)};
                                    });
    split(g.row_folds * nf, nf);
    return {std::move(i), filter_buffer(g.row_folds * rows, g.row_folds * nf, ar, true,
                                        [&](std::int64_t q, std::int64_t c) {
                                          const std::int64_t fr = qd(q), m = qm(q);
                                          return FetchElem{c < g.rows_used(fr)
                                                               ? filter_addr(fr * ar + c, m)
                                                               : -1,
                                                           fr * rows + m + c + ar};
                                        })};
  };
  auto [ifm, fil] = build();
  WriteBuffer ofm(cfg.ofmap_sram_kb * 1024, bw);

  CompatMemory mem;
  std::int64_t stall = 0, last_out = 0;
  for (std::int64_t fc = 0; fc < g.col_folds; ++fc) {
    for (std::int64_t fr = 0; fr < g.row_folds; ++fr) {
      const std::int64_t ru = g.rows_used(fr), cu = g.cols_used(fc);
      const std::int64_t base = (fc * g.row_folds + fr) * rows;
      // Valid OFMAP lanes c of row r: os r - c in [T-1 + AR-ru, T+AR-2]; ws/is r - c in
      // [2AR-1, 2AR+T-2]; c < cu.
      const std::int64_t lo_off = df == Dataflow::os ? t - 1 + ar - ru : 2 * ar - 1;
      const std::int64_t hi_off = df == Dataflow::os ? t + ar - 2 : 2 * ar + t - 2;
      const std::int64_t stat_base = (fc * g.row_folds + fr) * ar;
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t cyc = base + r + stall;
        const std::int64_t skey = r < ar ? stat_base + r : -1;
        std::int64_t si = 0, sf = 0;
        switch (df) {
          case Dataflow::os:
            si = ifm.row(cyc, fr * rows + r);
            sf = fil.row(cyc, fc * rows + r);
            break;
          case Dataflow::ws:
            si = ifm.row(cyc, fr * rows + r);
            sf = fil.row(cyc, skey);
            break;
          case Dataflow::is:
            si = ifm.row(cyc, skey);
            sf = fil.row(cyc, fr * rows + r);
            break;
        }
        const std::int64_t olo = std::max<std::int64_t>(0, r - hi_off),
                           ohi = std::min(cu - 1, r - lo_off);
        const std::int64_t out = ohi >= olo ? ofm.row(ohi - olo + 1, cyc) : cyc;
        const std::int64_t i = base + r;
        if (i == sram_rows[0]) mem.ifmap_sram_start = static_cast<double>(cyc + 1 + si);
        if (i == sram_rows[1]) mem.ifmap_sram_stop = static_cast<double>(cyc + 1 + si);
        if (i == sram_rows[2]) mem.filter_sram_start = static_cast<double>(cyc + 1 + sf);
        if (i == sram_rows[3]) mem.filter_sram_stop = static_cast<double>(cyc + 1 + sf);
        if (i == sram_rows[4]) mem.ofmap_sram_start = static_cast<double>(out);
        if (i == sram_rows[5]) mem.ofmap_sram_stop = static_cast<double>(out);
        stall += std::max({si, sf, out - cyc});
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
