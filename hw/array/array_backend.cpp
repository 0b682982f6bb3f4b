// Compute backend: operand unpacking, array GEMM, OB accumulation, post-processing, encoding.
#include "hw/array/array_backend.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "hw/common/config_error.hpp"
#include "sw/formats/packing.hpp"

namespace lpsim::hw {
namespace {

fmt::LpParams lp_of(const OperandFormat& f) { return {f.n, f.es, f.rs, f.sf}; }

const char* family_name(FormatFamily f) {
  switch (f) {
    case FormatFamily::lp: return "lp";
    case FormatFamily::posit: return "posit";
    case FormatFamily::int_: return "int";
    case FormatFamily::af: return "af";
    case FormatFamily::fp8_e4m3: return "fp8_e4m3";
    case FormatFamily::fp8_e5m2: return "fp8_e5m2";
    case FormatFamily::flint: return "flint";
    case FormatFamily::ant_int: return "ant int";
  }
  return "?";
}

// Two's complement little-endian of `bytes` bytes; NaR is the most negative value.
void store_acc(i128 v, unsigned bytes, std::uint8_t* p) {
  u128 u = v == kAccNaR ? static_cast<u128>(1) << (8 * bytes - 1) : static_cast<u128>(v);
  for (unsigned b = 0; b < bytes; ++b, u >>= 8) p[b] = static_cast<std::uint8_t>(u);
}

i128 load_acc(const std::uint8_t* p, unsigned bytes) {
  u128 u = 0;
  for (unsigned b = bytes; b-- > 0;) u = (u << 8) | p[b];
  const unsigned bits = 8 * bytes;
  if (bits < 128) {
    const u128 sign = static_cast<u128>(1) << (bits - 1);
    if (u == sign) return kAccNaR;
    if (u & sign) u |= ~((static_cast<u128>(1) << bits) - 1);  // sign-extend
  } else if (u == static_cast<u128>(kAccNaR)) {
    return kAccNaR;
  }
  return static_cast<i128>(u);
}

// The baseline PE type of a (weights, activations) family pair; PeType::lp when none.
PeType scalar_pe_type(FormatFamily w, FormatFamily a) {
  auto fp8 = [](FormatFamily f) { return f == FormatFamily::fp8_e4m3 || f == FormatFamily::fp8_e5m2; };
  auto ant = [](FormatFamily f) { return f == FormatFamily::flint || f == FormatFamily::ant_int; };
  if (w == FormatFamily::posit && a == FormatFamily::posit) return PeType::posit;
  if (w == FormatFamily::af && a == FormatFamily::af) return PeType::adaptivfloat;
  if (fp8(w) && fp8(a)) return PeType::fp8;
  if (ant(w) && ant(a)) return PeType::ant;
  return PeType::lp;
}

ScalarOperand scalar_operand(const OperandFormat& f) {
  ScalarOperand s;
  s.n = f.n;
  s.es = f.es;
  s.sf = f.sf;
  switch (f.family) {
    case FormatFamily::posit: s.family = ScalarFamily::posit; s.sf = 0; break;
    case FormatFamily::af: s.family = ScalarFamily::af; break;
    case FormatFamily::fp8_e4m3: s = {ScalarFamily::fp8_e4m3, 8, 0, 0}; break;
    case FormatFamily::fp8_e5m2: s = {ScalarFamily::fp8_e5m2, 8, 0, 0}; break;
    case FormatFamily::flint: s.family = ScalarFamily::flint; s.es = 0; break;
    default: s.family = ScalarFamily::int_; s.es = 0; break;
  }
  return s;
}

}  // namespace

ArrayBackend::ArrayBackend(ArrayModule& array, const DatapathOptions& dp, const PpuConfig& ppu,
                           const sc_core::sc_time& period)
    : m_array(array), m_base(array.core().config()), m_dp(dp), m_ppu(ppu), m_period(period) {}

ArrayConfig ArrayBackend::array_config(const ArrayConfig& base, const LayerDescriptor& layer,
                                       const DatapathOptions& dp) {
  ArrayConfig c = base;
  c.dataflow = layer.dataflow;
  PeConfig& pe = c.pe;
  pe.mode = static_cast<int>(layer.mode);
  pe.lin_frac_bits = dp.lin_frac_bits;
  pe.acc_mode = dp.acc_mode;
  pe.narrow_bits = dp.narrow_bits;
  pe.narrow_frac_bits = dp.narrow_frac_bits;
  pe.float_frac_bits = dp.float_frac_bits;
  pe.float_exp_bits = dp.float_exp_bits;
  const FormatFamily fw = layer.fmt_w.family, fa = layer.fmt_a.family;
  if (fw == FormatFamily::lp && fa == FormatFamily::lp) {
    pe.type = PeType::lp;
    pe.act = lp_of(layer.fmt_a);
    pe.wgt = lp_of(layer.fmt_w);
    if (layer.fmt_a.n != pe.mode || layer.fmt_w.n != pe.mode)
      throw ConfigError("layer: LP operands must be MODE bits wide (weights n=" +
                        std::to_string(layer.fmt_w.n) + ", activations n=" +
                        std::to_string(layer.fmt_a.n) + ", MODE=" + std::to_string(pe.mode) + ")");
  } else if (fw == FormatFamily::int_ && fa == FormatFamily::int_) {
    pe.type = PeType::integer;
    if (layer.fmt_a.n != pe.mode || layer.fmt_w.n != pe.mode)
      throw ConfigError("layer: INT operands must be MODE bits wide");
  } else if (const PeType t = scalar_pe_type(fw, fa); t != PeType::lp) {
    // (validate() below refuses a wide grid with psum small_float for every PE type.)
    pe.type = t;
    pe.wgt_s = scalar_operand(layer.fmt_w);
    pe.act_s = scalar_operand(layer.fmt_a);
    if (dp.psum == PsumMode::small_float)  // the reference sums K tiles exactly for these PEs
      throw ConfigError("layer: the " + to_string(t) +
                        " PE keeps exact partial sums only (accelerator.datapath.psum.format "
                        "small_float is modelled for the LP and INT PEs)");
    if (layer.fmt_a.n != pe.mode || layer.fmt_w.n != pe.mode)
      throw ConfigError("layer: " + to_string(t) + " operands must be MODE bits wide (weights n=" +
                        std::to_string(layer.fmt_w.n) + ", activations n=" +
                        std::to_string(layer.fmt_a.n) + ", MODE=" + std::to_string(pe.mode) + ")");
  } else {
    throw ConfigError(std::string("layer: the array has no PE type for ") + family_name(fw) +
                      " weights with " + family_name(fa) +
                      " activations (PE types: lp x lp, int x int, posit x posit, af x af, "
                      "fp8 x fp8, ant (int/flint) x ant (int/flint))");
  }
  c.validate();
  if (dp.psum == PsumMode::small_float && make_pe_arith(c.pe)->wide())
    throw ConfigError("layer: the exact accumulator for these formats needs more than 127 bits; "
                      "its partial sums between K tiles are kept exactly (psum.format small_float "
                      "is modelled for accumulators of up to 127 bits)");
  return c;
}

PeType ArrayBackend::pe_type_of(const LayerDescriptor& layer) {
  const FormatFamily fw = layer.fmt_w.family, fa = layer.fmt_a.family;
  if (fw == FormatFamily::int_ && fa == FormatFamily::int_) return PeType::integer;
  return scalar_pe_type(fw, fa);
}

unsigned ArrayBackend::psum_bytes_for(const ArrayConfig& base, const LayerDescriptor& layer,
                                      const DatapathOptions& dp) {
  const ArrayConfig c = array_config(base, layer, dp);
  const std::unique_ptr<PeArith> pe = make_pe_arith(c.pe);
  int bits = pe->acc().bits();
  // The wide exact accumulator: the OB word is as wide as the accumulator (+ the NaR bit).
  if (pe->wide()) return static_cast<unsigned>((bits + 1 + 7) / 8);
  // A narrow accumulator's tile sums added without its clamp (psum exact or small_float) grow
  // beyond its width: the OB keeps a full word.
  if (dp.acc_mode == AccMode::narrow && dp.psum != PsumMode::accumulator) bits = 127;
  // One spare bit so the most negative value of the width is free to mark NaR.
  return static_cast<unsigned>(std::min(16, (bits + 1 + 7) / 8));
}

unsigned ArrayBackend::psum_bytes(const LayerDescriptor& layer) const {
  return psum_bytes_for(m_base, layer, m_dp);
}

void ArrayBackend::begin_layer(const LayerDescriptor& layer) {
  m_layer = &layer;
  m_array.reconfigure(array_config(m_base, layer, m_dp));
  m_ops = PpuOps::from_flags(layer.pp_flags, layer.pp_scale);
  m_out_fmt = layer.fmt_o.make();
  const fmt::LpParams lp_o = lp_of(layer.fmt_o);
  m_enc = OutputEncoder(m_out_fmt, layer.fmt_o.family == FormatFamily::lp ? &lp_o : nullptr);
}

TileResult ArrayBackend::run_tile(const TileJob& job) {
  try {
    return compute(job);
  } catch (const std::exception& e) {
    return {0, false, e.what()};
  }
}

// The on-chip im2col address generator (docs/architecture.md, "Tiling"). For each output pixel
// of the tile and each kernel tap (r', s') inside the image it reads that input pixel's channel
// range from the band (one SramBuffer::read of tap_bytes, so the IB read bytes count every band
// byte once per tap that uses it) and scatters the kc codes to k = (c r + r') s + s'. Output pixel
// m of a batched descriptor is pixel m mod (out_h out_w) of image m / (out_h out_w), whose input
// row iy is row image h + iy of the band's stacked images.
void ArrayBackend::im2col_rows(const TileJob& job) {
  const LayerDescriptor& l = *job.layer;
  const Tile& t = *job.tile;
  const ConvBand& b = t.band;
  const int abits = l.fmt_a.storage_bits();
  const std::size_t kt = t.kt, kc = b.kc, R = l.r, S = l.s;
  const std::int64_t ow = l.out_w(), oh = l.out_h(), h = l.h, w = l.w, stride = l.stride, pad = l.pad;
  const std::int64_t y0 = static_cast<std::int64_t>(b.y0), rows = static_cast<std::int64_t>(b.rows);
  std::fill(m_codes.begin(), m_codes.begin() + static_cast<std::ptrdiff_t>(t.mt * kt), 0u);
  m_bytes.resize(std::max<std::size_t>(m_bytes.size(), b.tap_bytes));
  m_pix.resize(b.skip + kc);
  for (std::size_t i = 0; i < t.mt; ++i) {
    const std::int64_t m = static_cast<std::int64_t>(t.m0 + i), q = m / ow, oy = q % oh, ox = m % ow;
    const std::int64_t base = q / oh * h;  // the image's first row in the stacked band
    std::uint32_t* row = m_codes.data() + i * kt;
    for (std::size_t r = 0; r < R; ++r) {
      const std::int64_t iy = oy * stride - pad + static_cast<std::int64_t>(r);
      if (iy < 0 || iy >= h) continue;
      if (base + iy < y0 || base + iy >= y0 + rows) throw std::logic_error("im2col: input row outside the tile's band");
      for (std::size_t s = 0; s < S; ++s) {
        const std::int64_t ix = ox * stride - pad + static_cast<std::int64_t>(s);
        if (ix < 0 || ix >= w) continue;
        const std::uint64_t off = (static_cast<std::uint64_t>((base + iy - y0) * w + ix)) * b.pix_bytes + b.tap_offset;
        job.ib->read(job.ib_half, off, m_bytes.data(), b.tap_bytes);
        fmt::unpack_codes(m_bytes.data(), b.skip + kc, abits, m_pix.data());
        for (std::size_t c = 0; c < kc; ++c) row[(c * R + r) * S + s] = m_pix[b.skip + c];
      }
    }
  }
}

ArrayBackend::TileWork ArrayBackend::tile_work(const ArrayConfig& array, const PpuConfig& ppu,
                                               const PpuOps& ops, const LayerDescriptor& layer,
                                               const Tile& t, unsigned psum_bytes) {
  const int mode = static_cast<int>(layer.mode);
  const int abits = layer.fmt_a.storage_bits(), wbits = layer.fmt_w.storage_bits();
  const int obits = layer.fmt_o.storage_bits();
  const std::uint64_t mt = t.mt, kt = t.kt, nt = t.nt, pb = psum_bytes;
  TileWork w;
  w.array = SystolicArray::gemm_stats(array, static_cast<int>(mt),
                                      words_for(static_cast<int>(kt), mode), static_cast<int>(nt));
  w.wb_read = kt * fmt::packed_bytes(t.group_nt(), wbits);
  if (layer.op == LayerOp::conv) {
    // im2col_rows: one read of tap_bytes per (output pixel, kernel tap inside the image).
    const std::int64_t ow = layer.out_w(), oh = layer.out_h(), h = layer.h, wd = layer.w, stride = layer.stride,
                       pad = layer.pad, R = layer.r, S = layer.s;
    auto taps = [&](std::int64_t o, std::int64_t size, std::int64_t k) {  // taps inside [0, size)
      const std::int64_t lo = std::max<std::int64_t>(0, pad - o * stride);
      const std::int64_t hi = std::min<std::int64_t>(k, size + pad - o * stride);
      return static_cast<std::uint64_t>(std::max<std::int64_t>(0, hi - lo));
    };
    std::uint64_t pixels_taps = 0;
    const std::int64_t m0 = static_cast<std::int64_t>(t.m0), m1 = m0 + static_cast<std::int64_t>(mt);
    for (std::int64_t oy = m0 / ow; oy * ow < m1; ++oy) {
      const std::int64_t x0 = std::max(m0, oy * ow) - oy * ow, x1 = std::min(m1, (oy + 1) * ow) - oy * ow;
      std::uint64_t cols = 0;
      for (std::int64_t ox = x0; ox < x1; ++ox) cols += taps(ox, wd, S);
      pixels_taps += taps(oy % oh, h, R) * cols;  // oy counts the stacked images' output rows
    }
    w.ib_read = pixels_taps * t.band.tap_bytes;
  } else {
    w.ib_read = mt * fmt::packed_bytes(kt, abits);
  }
  if (!t.first_k) w.ob_read = mt * nt * pb;
  if (!t.last_k) {
    w.ob_write = mt * nt * pb;
  } else {
    const PpuStats row = Ppu::row_stats(ppu, ops, nt, true);
    w.ppu.elements = row.elements * mt;
    w.ppu.bias_adds = row.bias_adds * mt;
    w.ppu.residual_adds = row.residual_adds * mt;
    w.ppu.activations = row.activations * mt;
    w.ppu.scale_muls = row.scale_muls * mt;
    w.ppu.encodes = row.encodes * mt;
    w.ppu.cycles = row.cycles * mt;
    w.ob_write = mt * fmt::packed_bytes(nt, obits);
  }
  return w;
}

TileResult ArrayBackend::compute(const TileJob& job) {
  const LayerDescriptor& layer = *job.layer;
  const Tile& t = *job.tile;
  const int mode = static_cast<int>(layer.mode);
  const int abits = layer.fmt_a.storage_bits(), wbits = layer.fmt_w.storage_bits();
  const int obits = layer.fmt_o.storage_bits();
  const std::size_t mt = t.mt, kt = t.kt, nt = t.nt;

  // Operands from the buffer halves (dense rows), packed into MODE words along K.
  const std::size_t a_row = fmt::packed_bytes(kt, abits), w_row = fmt::packed_bytes(t.group_nt(), wbits);
  m_bytes.resize(std::max(mt * a_row, kt * w_row));
  m_codes.resize(std::max(mt * kt, kt * nt));
  if (layer.op == LayerOp::conv) {
    im2col_rows(job);
  } else {
    job.ib->read(job.ib_half, 0, m_bytes.data(), mt * a_row);
    for (std::size_t r = 0; r < mt; ++r)
      fmt::unpack_codes(m_bytes.data() + r * a_row, kt, abits, m_codes.data() + r * kt);
  }
  const std::vector<std::uint8_t> a = pack_act(
      std::vector<std::uint32_t>(m_codes.begin(), m_codes.begin() + mt * kt), static_cast<int>(mt),
      static_cast<int>(kt), mode);
  job.wb->read(job.wb_half, 0, m_bytes.data(), kt * w_row);
  if (t.gt == 1) {
    for (std::size_t r = 0; r < kt; ++r)
      fmt::unpack_codes(m_bytes.data() + r * w_row, nt, wbits, m_codes.data() + r * nt);
  } else {
    // Packed groups: the weight loader places group j's rows [j Kg, (j+1) Kg) of Ng weights in
    // columns [j Ng, (j+1) Ng) and zero (code 0) in every other column (block-diagonal).
    const std::size_t kg = kt / t.gt, ng = t.group_nt();
    std::fill(m_codes.begin(), m_codes.begin() + static_cast<std::ptrdiff_t>(kt * nt), 0u);
    for (std::size_t r = 0; r < kt; ++r)
      fmt::unpack_codes(m_bytes.data() + r * w_row, ng, wbits, m_codes.data() + r * nt + (r / kg) * ng);
  }
  const std::vector<std::uint8_t> w = pack_wgt(
      std::vector<std::uint32_t>(m_codes.begin(), m_codes.begin() + kt * nt), static_cast<int>(kt),
      static_cast<int>(nt), mode);

  // The GEMM on the array, timed by its module (per clock in cycle fidelity).
  const bool wide = m_array.core().pe().wide();
  GemmJob g;
  g.a = a.data();
  g.w = w.data();
  if (wide) {
    m_out_wide.assign(mt * nt, WideAcc(0));
    g.out_wide = m_out_wide.data();
  } else {
    m_out.assign(mt * nt, 0);
    g.out = m_out.data();
  }
  g.m = static_cast<int>(mt);
  g.kw = words_for(static_cast<int>(kt), mode);
  g.n = static_cast<int>(nt);
  const ArrayStats before = m_array.core().stats();
  m_array.submit(g);
  sc_core::wait(m_array.done_event());
  const ArrayStats& after = m_array.core().stats();
  const std::uint64_t array_cycles = after.cycles - before.cycles;
  ArrayStats& s = m_stats.array;
  s.cycles += array_cycles;
  s.gemms += after.gemms - before.gemms;
  s.tiles += after.tiles - before.tiles;
  s.word_macs += after.word_macs - before.word_macs;
  s.lane_macs += after.lane_macs - before.lane_macs;
  s.stationary_words += after.stationary_words - before.stationary_words;
  s.streamed_words += after.streamed_words - before.streamed_words;
  s.idle_pe_cycles += after.idle_pe_cycles - before.idle_pe_cycles;
  s.outputs += after.outputs - before.outputs;
  s.nar_outputs += after.nar_outputs - before.nar_outputs;

  // K tiles accumulate in the OB in its partial-sum format (docs/datapath.md, "K tiles and the
  // OB partial-sum format"): the PE's accumulator adder by default.
  const unsigned pb = job.psum_bytes;
  const PsumUnit psum(m_array.core().pe().acc(), m_dp.psum, m_dp.psum_frac_bits);
  if (wide) {
    // Wide exact accumulator: psum.format accumulator and exact are both the exact sum (NaR
    // sticky); array_config() refuses small_float.
    m_bytes.resize(mt * nt * pb);
    if (!t.first_k) {
      job.ob->read(job.ob_half, 0, m_bytes.data(), mt * nt * pb);
      for (std::size_t i = 0; i < mt * nt; ++i) {
        const WideAcc p = load_wide(m_bytes.data() + i * pb, pb);
        m_out_wide[i] = is_wide_nar(p) || is_wide_nar(m_out_wide[i]) ? wide_nar() : WideAcc(p + m_out_wide[i]);
      }
    }
  } else if (!t.first_k) {
    m_bytes.resize(mt * nt * pb);
    job.ob->read(job.ob_half, 0, m_bytes.data(), mt * nt * pb);
    for (std::size_t i = 0; i < mt * nt; ++i)
      m_out[i] = psum.add(load_acc(m_bytes.data() + i * pb, pb), m_out[i]);
  } else if (!t.last_k) {
    for (std::size_t i = 0; i < mt * nt; ++i) m_out[i] = psum.store(m_out[i]);
  }
  std::uint64_t ppu_cycles = 0;
  if (!t.last_k) {
    m_bytes.resize(mt * nt * pb);
    if (wide) {
      for (std::size_t i = 0; i < mt * nt; ++i) store_wide(m_out_wide[i], pb, m_bytes.data() + i * pb);
    } else {
      for (std::size_t i = 0; i < mt * nt; ++i) store_acc(m_out[i], pb, m_bytes.data() + i * pb);
    }
    job.ob->write(job.ob_half, 0, m_bytes.data(), mt * nt * pb);
  } else {
    // Post-processing, row by row, then the encoded rows go to the OB for the store DMA.
    const int lsb = m_array.core().lsb_exp();
    const std::size_t o_row = fmt::packed_bytes(nt, obits);
    const std::uint64_t ppu_before = m_ppu.stats().cycles;
    m_vals.resize(nt);
    m_resid.resize(nt);
    m_out_codes.resize(nt);
    m_codes.resize(nt);
    m_bytes.resize(mt * o_row);
    const float* bias = job.bias ? job.bias + std::size_t{t.group} * layer.gemm().n + t.n0 : nullptr;
    std::vector<double> bias_d, scale_d;
    if (bias) bias_d.assign(bias, bias + nt);
    if (job.scales) {  // pp::CHSCALE: the tile's columns' per-channel scales
      const float* sc = job.scales + std::size_t{t.group} * layer.gemm().n + t.n0;
      scale_d.assign(sc, sc + nt);
    }
    for (std::size_t r = 0; r < mt; ++r) {
      if (wide) {
        for (std::size_t c = 0; c < nt; ++c) m_vals[c] = wide_to_double(m_out_wide[r * nt + c], lsb);
      } else {
        for (std::size_t c = 0; c < nt; ++c) m_vals[c] = acc_to_double(m_out[r * nt + c], lsb);
      }
      if (job.residual) {
        fmt::unpack_codes(job.residual + r * o_row, nt, obits, m_codes.data());
        for (std::size_t c = 0; c < nt; ++c) m_resid[c] = m_out_fmt->decode(m_codes[c]);
      }
      m_ppu.process(m_ops, m_vals.data(), nt, bias ? bias_d.data() : nullptr,
                    job.residual ? m_resid.data() : nullptr, job.scales ? scale_d.data() : nullptr,
                    &m_enc, nullptr, m_out_codes.data());
      std::vector<std::uint32_t> row(m_out_codes.begin(), m_out_codes.end());
      fmt::pack_codes(row.data(), nt, obits, m_bytes.data() + r * o_row);
    }
    job.ob->write(job.ob_half, t.outputs.local_offset, m_bytes.data(), mt * o_row);
    ppu_cycles = m_ppu.stats().cycles - ppu_before;
    if (ppu_cycles) sc_core::wait(m_period * static_cast<double>(ppu_cycles));
  }
  ++m_stats.tiles;
  m_stats.array_cycles += array_cycles;
  m_stats.ppu_cycles += ppu_cycles;
  TileResult r;
  r.cycles = array_cycles + ppu_cycles;
  r.post_cycles = ppu_cycles;
  r.timed = true;
  return r;
}

}  // namespace lpsim::hw
