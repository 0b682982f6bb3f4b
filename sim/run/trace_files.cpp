// tiles.csv, trace.json, waveform.vcd and the report timeline from the recorded tile spans.
#include "sim/run/trace_files.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "traces/csv_writer.hpp"
#include "traces/trace_event_writer.hpp"
#include "traces/vcd_writer.hpp"

namespace lpsim::sim {
namespace {

// One interval on a block's track.
struct Slice {
  const char* track;  // controller, dma, array, ppu
  const char* block;  // layer, dma_load, array, ppu, dma_store
  std::size_t layer = 0;
  std::int64_t tile = -1;  // -1: the layer slice
  std::uint64_t start = 0, end = 0, bytes = 0, macs = 0;
};

// Every non-empty interval, layer by layer, tile by tile, in block order.
template <typename F>
void for_each_slice(const std::vector<LayerRecord>& layers, F&& f) {
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const LayerRecord& r = layers[l];
    f(Slice{"controller", "layer", l, -1, r.start, r.end, 0, 0});
    for (std::size_t i = 0; i < r.tiles.size(); ++i) {
      const TileSpan& t = r.tiles[i];
      const auto ti = static_cast<std::int64_t>(i);
      if (t.load_end > t.load_start)
        f(Slice{"dma", "dma_load", l, ti, t.load_start, t.load_end, t.load_bytes, 0});
      if (t.post_start > t.compute_start)
        f(Slice{"array", "array", l, ti, t.compute_start, t.post_start, 0, t.macs});
      if (t.compute_end > t.post_start)
        f(Slice{"ppu", "ppu", l, ti, t.post_start, t.compute_end, 0, 0});
      if (t.has_store && t.store_end > t.store_start)
        f(Slice{"dma", "dma_store", l, ti, t.store_start, t.store_end, t.store_bytes, 0});
    }
  }
}

std::string slice_name(const Slice& s, const std::vector<std::string>& names) {
  if (s.tile < 0) return names.at(s.layer);
  const std::string t = "tile " + std::to_string(s.tile);
  if (std::string(s.block) == "dma_load") return "load " + t;
  if (std::string(s.block) == "dma_store") return "store " + t;
  if (std::string(s.block) == "ppu") return "post " + t;
  return t;
}

}  // namespace

std::string tiles_csv(const std::vector<LayerRecord>& layers,
                      const std::vector<std::string>& names) {
  std::ostringstream os;
  traces::CsvWriter csv(
      os, {"layer_index", "layer", "tile", "block", "start_cycle", "end_cycle", "bytes", "macs"});
  for_each_slice(layers, [&](const Slice& s) {
    if (s.tile < 0) return;
    csv.row({traces::csv_number(static_cast<std::uint64_t>(s.layer)),
             traces::csv_field(names.at(s.layer)),
             traces::csv_number(static_cast<std::uint64_t>(s.tile)), s.block,
             traces::csv_number(s.start), traces::csv_number(s.end), traces::csv_number(s.bytes),
             traces::csv_number(s.macs)});
  });
  return os.str();
}

void write_trace_json(const std::string& path, const std::vector<LayerRecord>& layers,
                      const std::vector<std::string>& names, double period_ns,
                      const std::string& title) {
  traces::TraceEventWriter w(path, title);
  w.add_standard_tracks();
  for_each_slice(layers, [&](const Slice& s) {
    nlohmann::json args = {{"layer", names.at(s.layer)},
                           {"layer_index", s.layer},
                           {"start_cycle", s.start},
                           {"end_cycle", s.end}};
    if (s.tile >= 0) args["tile"] = s.tile;
    if (s.bytes) args["bytes"] = s.bytes;
    if (s.macs) args["macs"] = s.macs;
    if (s.tile < 0) args["tiles"] = layers[s.layer].tiles.size();
    w.complete(w.track(s.track), slice_name(s, names), traces::cycles_to_us(s.start, period_ns),
               traces::cycles_to_us(s.end - s.start, period_ns), args, s.block);
  });
  w.close();
}

std::vector<traces::ReportEvent> timeline_events(const std::vector<LayerRecord>& layers,
                                                 const std::vector<std::string>& names) {
  std::vector<traces::ReportEvent> ev;
  for_each_slice(layers, [&](const Slice& s) {
    ev.push_back({s.track, names.at(s.layer) + (s.tile < 0 ? "" : ": " + slice_name(s, names)),
                  static_cast<double>(s.start), static_cast<double>(s.end - s.start)});
  });
  return ev;
}

namespace {

// A value change of a block signal. At one cycle, ends (cls 0) apply before starts (cls 1), so
// back-to-back intervals keep a busy line high; `add` events accumulate (counters).
struct Ev {
  std::uint64_t cycle;
  int cls;
  std::size_t sig;
  bool add;
  std::int64_t value;
};

enum Sig : std::size_t {
  ctrl_state,
  ctrl_layer,
  ctrl_tile,
  dma_busy,
  dma_load,
  dma_store,
  dma_xfer,
  dma_total,
  wb_occ,
  ib_occ,
  ob_pending,
  array_busy,
  array_tile,
  array_macs,
  ppu_busy,
  kSigs
};

enum CtrlState : std::int64_t { kIdle, kLoad, kCompute, kPost, kStore };

std::vector<Ev> block_events(const std::vector<LayerRecord>& layers) {
  std::vector<Ev> ev;
  auto set = [&](std::uint64_t c, int cls, Sig s, std::int64_t v) {
    ev.push_back({c, cls, s, false, v});
  };
  auto add = [&](std::uint64_t c, Sig s, std::int64_t v) { ev.push_back({c, 1, s, true, v}); };
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const LayerRecord& r = layers[l];
    // Controller state: load until a tile computes (and while the next tile's operands are
    // still loading), compute, post (the PPU tail), store after the last tile until done.
    set(r.start, 1, ctrl_state, kLoad);
    set(r.start, 1, ctrl_layer, static_cast<std::int64_t>(l));
    // Buffer contents: each buffer half holds the latest tile loaded into it.
    std::vector<std::int64_t> wb(static_cast<std::size_t>(r.wb_halves), 0),
        ib(static_cast<std::size_t>(r.ib_halves), 0);
    std::size_t wi = 0, ii = 0;
    for (std::size_t i = 0; i < r.tiles.size(); ++i) {
      const TileSpan& t = r.tiles[i];
      const auto ti = static_cast<std::int64_t>(i);
      if (t.load_end > t.load_start) {
        set(t.load_start, 1, dma_busy, 1);
        set(t.load_start, 1, dma_load, 1);
        set(t.load_start, 1, dma_xfer, static_cast<std::int64_t>(t.load_bytes));
        set(t.load_end, 0, dma_busy, 0);
        set(t.load_end, 0, dma_load, 0);
        set(t.load_end, 0, dma_xfer, 0);
        add(t.load_end, dma_total, static_cast<std::int64_t>(t.load_bytes));
      }
      if (t.wb_bytes) {
        wi = (wi + 1) % wb.size();
        add(t.load_end, wb_occ, static_cast<std::int64_t>(t.wb_bytes) - wb[wi]);
        wb[wi] = static_cast<std::int64_t>(t.wb_bytes);
      }
      if (t.ib_bytes) {
        ii = (ii + 1) % ib.size();
        add(t.load_end, ib_occ, static_cast<std::int64_t>(t.ib_bytes) - ib[ii]);
        ib[ii] = static_cast<std::int64_t>(t.ib_bytes);
      }
      set(t.compute_start, 1, ctrl_tile, ti);
      set(t.compute_start, 1, array_tile, ti);
      set(t.compute_start, 1, ctrl_state, kCompute);
      if (t.post_start > t.compute_start) {
        set(t.compute_start, 1, array_busy, 1);
        set(t.post_start, 0, array_busy, 0);
      }
      if (t.compute_end > t.post_start) {
        set(t.post_start, 1, ppu_busy, 1);
        set(t.post_start, 1, ctrl_state, kPost);
        set(t.compute_end, 0, ppu_busy, 0);
      }
      set(t.compute_end, 0, ctrl_state, i + 1 == r.tiles.size() ? kStore : kLoad);
      add(t.compute_end, array_macs, static_cast<std::int64_t>(t.macs));
      if (t.has_store && t.store_end > t.store_start) {
        add(t.compute_end, ob_pending, static_cast<std::int64_t>(t.store_bytes));
        set(t.store_start, 1, dma_busy, 1);
        set(t.store_start, 1, dma_store, 1);
        set(t.store_start, 1, dma_xfer, static_cast<std::int64_t>(t.store_bytes));
        set(t.store_end, 0, dma_busy, 0);
        set(t.store_end, 0, dma_store, 0);
        set(t.store_end, 0, dma_xfer, 0);
        add(t.store_end, dma_total, static_cast<std::int64_t>(t.store_bytes));
        add(t.store_end, ob_pending, -static_cast<std::int64_t>(t.store_bytes));
      }
    }
    // The layer's buffer contents are dead once it is done.
    std::int64_t w_left = 0, i_left = 0;
    for (auto v : wb) w_left += v;
    for (auto v : ib) i_left += v;
    if (w_left) add(r.end, wb_occ, -w_left);
    if (i_left) add(r.end, ib_occ, -i_left);
    set(r.end, 0, ctrl_state, kIdle);  // after the last tile's events of the same cycle
  }
  std::stable_sort(ev.begin(), ev.end(), [](const Ev& a, const Ev& b) {
    return a.cycle != b.cycle ? a.cycle < b.cycle : a.cls < b.cls;
  });
  return ev;
}

}  // namespace

const std::vector<std::string>& ctrl_state_names() {
  static const std::vector<std::string> names = {"idle", "load", "compute", "post", "store"};
  return names;
}

void write_vcd(const std::string& path, const std::vector<LayerRecord>& layers, double period_ns,
               const PeProbe* probe, const std::vector<PeSample>& samples,
               const std::vector<double>& psum_unit) {
  traces::VcdOptions o;
  o.clock_period_ns = period_ns;
  o.date = "lpsim run (no wall-clock date: same inputs, same file)";
  o.version = "lpsim run";
  traces::VcdWriter w(path, o);
  std::vector<traces::VcdWriter::Signal> s(kSigs);
  w.push_scope("lpa");
  w.push_scope("ctrl");
  s[ctrl_state] = w.add_reg("state", 3);  // ctrl_state_names()
  s[ctrl_layer] = w.add_reg("layer", 16);
  s[ctrl_tile] = w.add_reg("tile", 32);
  w.pop_scope();
  w.push_scope("dma");
  s[dma_busy] = w.add_wire("busy", 1);
  s[dma_load] = w.add_wire("load", 1);
  s[dma_store] = w.add_wire("store", 1);
  s[dma_xfer] = w.add_reg("xfer_bytes", 32);
  s[dma_total] = w.add_reg("total_bytes", 64);
  w.pop_scope();
  w.push_scope("wb");
  s[wb_occ] = w.add_reg("occupancy_bytes", 32);
  w.pop_scope();
  w.push_scope("ib");
  s[ib_occ] = w.add_reg("occupancy_bytes", 32);
  w.pop_scope();
  w.push_scope("ob");
  s[ob_pending] = w.add_reg("store_pending_bytes", 32);
  w.pop_scope();
  w.push_scope("array");
  s[array_busy] = w.add_wire("busy", 1);
  s[array_tile] = w.add_reg("tile", 32);
  s[array_macs] = w.add_reg("macs", 64);
  w.pop_scope();
  w.push_scope("ppu");
  s[ppu_busy] = w.add_wire("busy", 1);
  w.pop_scope();
  // PE registers of the probed sub-array: act (horizontal word), vert (stationary / vertical
  // word), psum (low 64 bits of the accumulator, two's complement, on the PE's grid).
  traces::VcdWriter::Signal pe_mode = 0;
  std::vector<traces::VcdWriter::Signal> pe, pe_value;
  if (probe) {
    w.push_scope("pe");
    pe_mode = w.add_reg("mode", 4, 8);
    for (int r = 0; r < probe->rows; ++r)
      for (int c = 0; c < probe->cols; ++c) {
        w.push_scope("r" + std::to_string(r) + "_c" + std::to_string(c));
        pe.push_back(w.add_reg("act", 8));
        pe.push_back(w.add_reg("vert", 8));
        pe.push_back(w.add_reg("psum", 64));
        pe_value.push_back(w.add_real("psum_value"));
        w.pop_scope();
      }
    w.pop_scope();
  }
  w.pop_scope();

  std::size_t next = 0, layer = 0;
  auto samples_before = [&](std::uint64_t limit) {
    for (; next < samples.size() && samples[next].cycle < limit; ++next) {
      const PeSample& p = samples[next];
      while (layer + 1 < layers.size() && layers[layer + 1].start <= p.cycle) ++layer;
      const double unit = std::ldexp(layer < psum_unit.size() ? psum_unit[layer] : 1.0, p.lsb_exp);
      w.set_cycle(p.cycle);
      w.set(pe_mode, static_cast<std::uint64_t>(p.mode));
      for (std::size_t i = 0; i < p.pes.size() && 3 * i + 2 < pe.size(); ++i) {
        w.set(pe[3 * i], p.pes[i].act);
        w.set(pe[3 * i + 1], p.pes[i].vert);
        w.set(pe[3 * i + 2], static_cast<std::uint64_t>(static_cast<hw::u128>(p.pes[i].psum)));
        w.set_real(pe_value[i], p.pes[i].grid * unit);  // the whole register, wide ones too
      }
    }
  };
  std::vector<std::int64_t> cur(kSigs, 0);
  std::uint64_t last = 0;
  for (const Ev& e : block_events(layers)) {
    samples_before(e.cycle);
    w.set_cycle(e.cycle);
    cur[e.sig] = e.add ? cur[e.sig] + e.value : e.value;
    w.set(s[e.sig], static_cast<std::uint64_t>(cur[e.sig]));
    last = e.cycle;
  }
  samples_before(~std::uint64_t{0});
  if (!samples.empty()) last = std::max(last, samples.back().cycle);
  w.set_cycle(last + 1);
  w.close();
}

}  // namespace lpsim::sim

namespace lpsim::sim {
namespace {

// GTKWave trace flags (its analyzer.h): right-justified names, radix, translate filter, real,
// group begin / end (blank rows), a closed group.
constexpr unsigned kRjustify = 0x20, kHex = 0x02 | kRjustify, kDec = 0x04 | kRjustify,
                   kBin = 0x08 | kRjustify, kFilter = 0x2000, kReal = 0x40000 | kRjustify,
                   kGroupBegin = 0x800200, kGroupEnd = 0x1000200, kClosed = 0x400000;
constexpr const char* kAnchor = "/lpsim-run/";  // re-anchored by GTKWave at the save file's dir
constexpr int kNamedMarkers = 26;               // GTKWave 3.3: markers A..Z

class Gtkw {
 public:
  std::string text;
  // A group's first row (`begin`, shown closed when `closed`) or its last.
  void group(const std::string& name, bool begin, bool closed = false) {
    flags(begin ? kGroupBegin | (closed ? kClosed : 0u) : kGroupEnd);
    text += "-" + name + "\n";
  }
  // `width` 0: a real; 1: a wire; else a vector shown as name[width-1:0].
  void signal(const std::string& name, unsigned width, unsigned f, const std::string& filter = "") {
    flags(f | (filter.empty() ? 0u : kFilter));
    if (!filter.empty()) {
      auto it = std::find(m_filters.begin(), m_filters.end(), filter);
      if (it == m_filters.end()) it = m_filters.insert(m_filters.end(), filter);
      text += "^" + std::to_string(it - m_filters.begin() + 1) + " " + kAnchor + filter + "\n";
    }
    // Labelled "scope name" (e.g. "dma busy", "wb occupancy_bytes", "r0_c1 act"): the pane shows no
    // hierarchy, and several blocks have a busy or a tile.
    const std::size_t leaf = name.rfind('.'), scope = name.rfind('.', leaf - 1);
    std::string label = name.substr(scope + 1);
    label[leaf - scope - 1] = ' ';
    text += "+{" + label + "} " + name;
    if (width > 1) text += "[" + std::to_string(width - 1) + ":0]";
    text += "\n";
  }

 private:
  void flags(unsigned f) {
    if (f == m_flags) return;
    char b[16];
    std::snprintf(b, sizeof b, "@%x\n", f);
    text += b;
    m_flags = f;
  }
  unsigned m_flags = 0;
  std::vector<std::string> m_filters;
};

}  // namespace

std::string gtkw_text(const std::vector<LayerRecord>& layers, double period_ns,
                      const PeProbe* probe, const WaveView& view) {
  std::uint64_t tick = 1;
  traces::VcdWriter::timescale_for(period_ns, &tick);
  // The view with a 2 % margin on each side (the edges of the window stay visible).
  const std::uint64_t span =
                          (std::max(view.view_end, view.view_start + 1) - view.view_start) * tick,
                      margin = span / 50,
                      t0 = view.view_start * tick - std::min(margin, view.view_start * tick);
  // Zoom: with this window size GTKWave 3.3 shows about 3.85 x 2^-zoom time units (measured
  // with gtkwave::getWindowEndTime); fit the view and its margins.
  const double zoom = -std::log2(static_cast<double>(span + 2 * margin) * 1.02 / 3.85);
  std::ostringstream h;
  h << "[*] lpsim waveform: open with `gtkwave waveform.gtkw` (docs/outputs.md). Paths under "
    << kAnchor << " are\n[*] read by GTKWave relative to this file's directory.\n";
  h << "[dumpfile] \"" << kAnchor << view.dump_file << "\"\n";
  h << "[savefile] \"" << kAnchor << "waveform.gtkw\"\n";
  h << "[timestart] " << t0 << "\n[size] 1400 820\n[pos] -1 -1\n";
  char z[32];
  std::snprintf(z, sizeof z, "%.6f", zoom);
  h << "*" << z << " -1";
  for (int i = 0; i < kNamedMarkers; ++i)
    h << " "
      << (i < static_cast<int>(layers.size()) ? std::to_string(layers[i].start * tick) : "-1");
  h << "\n";
  for (int i = 0; i < kNamedMarkers && i < static_cast<int>(layers.size()) &&
                  i < static_cast<int>(view.layer_names.size());
       ++i)
    h << "[markername] " << static_cast<char>('A' + i) << view.layer_names[i] << "\n";
  h << "[treeopen] lpa.\n[sst_width] 200\n[signals_width] 330\n[sst_expanded] 1\n"
       "[sst_vpaned_height] 240\n";

  // With PE registers the DMA, buffer and PPU groups start closed, so the PE rows are on the
  // first screen (a click on a group's name opens it).
  const bool pe = probe != nullptr;
  Gtkw g;
  g.group("controller", true);
  g.signal("lpa.ctrl.state", 3, kDec, view.state_filter);
  g.signal("lpa.ctrl.layer", 16, kDec, view.layer_filter);
  g.signal("lpa.ctrl.tile", 32, kDec);
  g.group("controller", false);
  g.group("DMA", true, pe);
  g.signal("lpa.dma.busy", 1, kBin);
  g.signal("lpa.dma.load", 1, kBin);
  g.signal("lpa.dma.store", 1, kBin);
  g.signal("lpa.dma.xfer_bytes", 32, kDec);
  g.signal("lpa.dma.total_bytes", 64, kDec);
  g.group("DMA", false);
  g.group("buffers", true, pe);
  g.signal("lpa.wb.occupancy_bytes", 32, kDec);
  g.signal("lpa.ib.occupancy_bytes", 32, kDec);
  g.signal("lpa.ob.store_pending_bytes", 32, kDec);
  g.group("buffers", false);
  g.group("array", true);
  g.signal("lpa.array.busy", 1, kBin);
  g.signal("lpa.array.tile", 32, kDec);
  g.signal("lpa.array.macs", 64, kDec);
  g.group("array", false);
  g.group("PPU", true, pe);
  g.signal("lpa.ppu.busy", 1, kBin);
  g.group("PPU", false);
  if (probe) {
    g.group("PE sub-array", true);
    g.signal("lpa.pe.mode", 4, kDec);
    for (int r = 0; r < probe->rows; ++r) {
      const std::string row = "PE row " + std::to_string(r);
      g.group(row, true);
      for (int c = 0; c < probe->cols; ++c) {
        const std::string reg = "lpa.pe.r" + std::to_string(r) + "_c" + std::to_string(c) + ".";
        g.signal(reg + "act", 8, kHex, view.act_filter);
        g.signal(reg + "vert", 8, kHex, view.vert_filter);
        g.signal(reg + "psum_value", 0, kReal);
      }
      g.group(row, false);
    }
    g.group("PE sub-array", false);
  }
  return h.str() + g.text;
}

}  // namespace lpsim::sim
