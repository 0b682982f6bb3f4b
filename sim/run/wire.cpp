// RunResult <-> bytes for the worker process's pipe (pipeline.hpp). Every struct lists its
// fields once, in `fields(archive, value)`, which both the writer and the reader walk; numbers
// travel as their bytes (same machine, same build), so every double comes back exactly.
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "sim/run/pipeline.hpp"

namespace lpsim::sim {
namespace {

__extension__ typedef __int128 i128;

template <class T>
constexpr bool kRaw = std::is_arithmetic_v<T> || std::is_enum_v<T> || std::is_same_v<T, i128>;

class Writer {
 public:
  std::string bytes;
  template <class T>
  void operator()(T& v) {
    if constexpr (kRaw<T>) {
      bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
    } else {
      fields(*this, v);
    }
  }
  void operator()(std::string& s) {
    std::uint64_t n = s.size();
    (*this)(n);
    bytes.append(s);
  }
  template <class T>
  void operator()(std::vector<T>& v) {
    std::uint64_t n = v.size();
    (*this)(n);
    for (auto& x : v) (*this)(x);
  }
  void operator()(std::vector<bool>& v) {
    std::uint64_t n = v.size();
    (*this)(n);
    for (bool b : v) {
      std::uint8_t x = b;
      (*this)(x);
    }
  }
  template <class T, std::size_t N>
  void operator()(std::array<T, N>& a) {
    for (auto& x : a) (*this)(x);
  }
  template <class T>
  void operator()(std::optional<T>& o) {
    std::uint8_t has = o.has_value();
    (*this)(has);
    if (o) (*this)(*o);
  }
};

class Reader {
 public:
  explicit Reader(const std::string& b) : m_b(b) {}
  template <class T>
  void operator()(T& v) {
    if constexpr (kRaw<T>) {
      take(&v, sizeof v);
    } else {
      fields(*this, v);
    }
  }
  void operator()(std::string& s) {
    const std::uint64_t n = count(1);
    s.assign(m_b, m_at, n);
    m_at += n;
  }
  template <class T>
  void operator()(std::vector<T>& v) {
    v.resize(count(1));
    for (auto& x : v) (*this)(x);
  }
  void operator()(std::vector<bool>& v) {
    v.resize(count(1));
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::uint8_t x = 0;
      (*this)(x);
      v[i] = x != 0;
    }
  }
  template <class T, std::size_t N>
  void operator()(std::array<T, N>& a) {
    for (auto& x : a) (*this)(x);
  }
  template <class T>
  void operator()(std::optional<T>& o) {
    std::uint8_t has = 0;
    (*this)(has);
    if (has) {
      o.emplace();
      (*this)(*o);
    } else {
      o.reset();
    }
  }
  bool done() const { return m_at == m_b.size(); }

 private:
  void take(void* p, std::size_t n) {
    if (m_b.size() - m_at < n)
      throw std::runtime_error("simulate: truncated result from the worker process");
    std::memcpy(p, m_b.data() + m_at, n);
    m_at += n;
  }
  // An element count, bounded by the bytes left (each element takes at least `min_bytes`).
  std::uint64_t count(std::size_t min_bytes) {
    std::uint64_t n = 0;
    take(&n, sizeof n);
    if (n > (m_b.size() - m_at) / min_bytes)
      throw std::runtime_error("simulate: corrupt result from the worker process");
    return n;
  }
  const std::string& m_b;
  std::size_t m_at = 0;
};

template <class A>
void fields(A& a, model::GemmView& v) {
  a(v.m), a(v.k), a(v.n), a(v.groups), a(v.b_is_weight), a(v.has_bias);
}
template <class A>
void fields(A& a, driver::LayerResult& l) {
  a(l.name), a(l.op), a(l.fused), a(l.view), a(l.act_format), a(l.wgt_format), a(l.out_format),
      a(l.mode);
  a(l.macs), a(l.runs), a(l.checked), a(l.verified), a(l.mismatch);
}
template <class A>
void fields(A& a, TileSpan& t) {
  a(t.load_start), a(t.load_end), a(t.compute_start), a(t.post_start), a(t.compute_end),
      a(t.store_start);
  a(t.store_end), a(t.load_bytes), a(t.store_bytes), a(t.wb_bytes), a(t.ib_bytes), a(t.macs),
      a(t.has_store);
}
template <class A>
void fields(A& a, energy::BufferTraffic& b) {
  a(b.size_bytes), a(b.read_bytes), a(b.write_bytes);
}
template <class A>
void fields(A& a, energy::ActionCounts& c) {
  a(c.macs), a(c.decoder_words), a(c.encoder_words), a(c.pe_reg_write_bytes), a(c.wb), a(c.ib),
      a(c.ob);
  a(c.dram_read_bytes), a(c.dram_write_bytes), a(c.ppu_adds), a(c.ppu_mults), a(c.ppu_activations);
  a(c.ppu_encodes), a(c.leakage_pe_cycles);
}
template <class A>
void fields(A& a, LayerRecord& r) {
  a(r.start), a(r.end), a(r.mode), a(r.is_int), a(r.pe_type), a(r.wb_halves), a(r.ib_halves), a(r.tiles),
      a(r.counts);
  a(r.cycles), a(r.compute_cycles), a(r.stall_cycles), a(r.tile_count), a(r.utilization);
}
template <class A>
void fields(A& a, PeProbe& p) {
  a(p.rows), a(p.cols), a(p.start), a(p.end), a(p.layer), a(p.tile), a(p.max_samples), a(p.spec);
}
template <class A>
void fields(A& a, hw::PeState& s) {
  a(s.act), a(s.vert), a(s.psum), a(s.grid);
}
template <class A>
void fields(A& a, PeSample& s) {
  a(s.cycle), a(s.mode), a(s.lsb_exp), a(s.pes);
}
template <class A>
void fields(A& a, Accuracy& x) {
  a(x.rmse), a(x.max_abs), a(x.cosine), a(x.top1_agreement), a(x.top1_fp32), a(x.top1_accelerator);
}
template <class A>
void fields(A& a, hw::DatapathOptions& d) {
  a(d.lin_frac_bits), a(d.acc_mode), a(d.narrow_bits), a(d.narrow_frac_bits), a(d.float_frac_bits),
      a(d.float_exp_bits), a(d.psum), a(d.psum_frac_bits);
}
template <class A>
void fields(A& a, RunResult& r) {
  a(r.workload), a(r.model), a(r.rows), a(r.cols), a(r.dataflow), a(r.fidelity), a(r.clock_mhz),
      a(r.period_ns), a(r.datapath);
  a(r.effective_yaml), a(r.energy_yaml), a(r.energy_file), a(r.checked), a(r.probe);
  a(r.layers), a(r.records), a(r.pe_samples), a(r.layer_energy_pj), a(r.layer_total_pj);
  a(r.cycles), a(r.macs), a(r.stalls), a(r.latency_ms), a(r.tops), a(r.accuracy), a(r.verified),
      a(r.first_mismatch);
  a(r.energy_components_pj), a(r.energy_pj), a(r.counts), a(r.inferences), a(r.tops_per_w),
      a(r.power_w);
  a(r.area_mm2), a(r.pe_area_mm2), a(r.sram_area_mm2), a(r.tops_per_mm2), a(r.compute_tops_per_mm2);
  a(r.output_names), a(r.output_shapes), a(r.output_accelerator), a(r.output_fp32);
}

}  // namespace

std::string serialize(const RunResult& r) {
  Writer w;
  // The field walk is shared with the reader, so it takes non-const references; the writer
  // only reads them (no copy of a result that may hold megabytes of PE samples).
  w(const_cast<RunResult&>(r));
  return std::move(w.bytes);
}

RunResult deserialize(const std::string& bytes) {
  Reader rd(bytes);
  RunResult r;
  rd(r);
  if (!rd.done())
    throw std::runtime_error("simulate: corrupt result from the worker process (trailing bytes)");
  return r;
}

}  // namespace lpsim::sim
