// Kernel-free layer descriptor: validation with field names, register image encode/decode.
#include "hw/ctrl/layer_descriptor.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "hw/ctrl/ctrl_regs.hpp"
#include "hw/common/config_error.hpp"
#include "sw/formats/packing.hpp"
#include "sw/formats/adaptivfloat_format.hpp"
#include "sw/formats/fp8_format.hpp"
#include "sw/formats/int_format.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/formats/posit_format.hpp"

namespace lpsim::hw {

std::uint32_t OperandFormat::encode() const {
  return (static_cast<std::uint32_t>(family) & 0xff) | (static_cast<std::uint32_t>(n & 0xff) << 8) |
         (static_cast<std::uint32_t>(es & 0xf) << 16) | (static_cast<std::uint32_t>(rs & 0xf) << 20) |
         (static_cast<std::uint32_t>(static_cast<std::uint8_t>(static_cast<std::int8_t>(sf))) << 24);
}

OperandFormat OperandFormat::decode(std::uint32_t reg) {
  OperandFormat f;
  f.family = static_cast<FormatFamily>(reg & 0xff);
  f.n = static_cast<int>((reg >> 8) & 0xff);
  f.es = static_cast<int>((reg >> 16) & 0xf);
  f.rs = static_cast<int>((reg >> 20) & 0xf);
  f.sf = static_cast<std::int8_t>(static_cast<std::uint8_t>(reg >> 24));
  return f;
}

fmt::FormatPtr OperandFormat::make() const {
  switch (family) {
    case FormatFamily::lp: return std::make_shared<fmt::LpFormat>(fmt::LpParams{n, es, rs, sf});
    case FormatFamily::posit: return std::make_shared<fmt::PositFormat>(fmt::PositParams{n, es});
    case FormatFamily::int_: return std::make_shared<fmt::IntFormat>(fmt::IntParams{n, std::ldexp(1.0, -sf)});
    case FormatFamily::af:
      return std::make_shared<fmt::AdaptivFloatFormat>(fmt::AdaptivFloatParams{n, es, sf});
    case FormatFamily::fp8_e4m3:
    case FormatFamily::fp8_e5m2:
      if (n != 8) throw fmt::FormatError("fp8: n = " + std::to_string(n) + " must be 8");
      return std::make_shared<fmt::Fp8Format>(family == FormatFamily::fp8_e4m3 ? fmt::Fp8Kind::E4M3
                                                                               : fmt::Fp8Kind::E5M2);
  }
  throw fmt::FormatError("family = " + std::to_string(static_cast<unsigned>(family)) + " is not a format family");
}

int OperandFormat::storage_bits() const { return fmt::storage_bits(n); }

namespace {
[[noreturn]] void fail(const std::string& field, const std::string& why) {
  throw ConfigError("layer: " + field + ": " + why);
}
std::string num(std::uint64_t v) { return std::to_string(v); }

void check_format(const char* field, const OperandFormat& f) {
  try {
    f.make();
  } catch (const fmt::FormatError& e) {
    fail(field, e.what());
  }
}
}  // namespace

void LayerDescriptor::validate() const {
  if (op != LayerOp::gemm && op != LayerOp::conv) fail("op", num(static_cast<unsigned>(op)) + " is not 0 (gemm) or 1 (conv)");
  if (op == LayerOp::gemm) {
    if (m == 0) fail("m", "must be >= 1");
    if (n == 0) fail("n", "must be >= 1");
    if (k == 0) fail("k", "must be >= 1");
    if (groups == 0) fail("groups", "must be >= 1");
  } else {
    if (h == 0) fail("h", "must be >= 1");
    if (w == 0) fail("w", "must be >= 1");
    if (c == 0) fail("c", "must be >= 1");
    if (r == 0) fail("r", "must be >= 1");
    if (s == 0) fail("s", "must be >= 1");
    if (n == 0) fail("n", "output channels must be >= 1");
    if (stride == 0) fail("stride", "must be >= 1");
    if (groups == 0) fail("groups", "must be >= 1");
    if (c % groups != 0) fail("groups", num(groups) + " does not divide c = " + num(c));
    if (n % groups != 0) fail("groups", num(groups) + " does not divide n = " + num(n));
    if (std::uint64_t{h} + 2ull * pad < r) fail("r", num(r) + " exceeds h + 2 pad = " + num(h + 2ull * pad));
    if (std::uint64_t{w} + 2ull * pad < s) fail("s", num(s) + " exceeds w + 2 pad = " + num(w + 2ull * pad));
    if (pad >= r || pad >= s) fail("pad", num(pad) + " must be smaller than the kernel (r = " + num(r) + ", s = " + num(s) + ")");
    const std::uint64_t dm = std::uint64_t{out_h()} * out_w();
    const std::uint64_t dk = std::uint64_t{c / groups} * r * s;
    if (m != 0 && m != dm) fail("m", num(m) + " must be 0 or out_h * out_w = " + num(dm) + " for conv");
    if (k != 0 && k != dk) fail("k", num(k) + " must be 0 or c / groups * r * s = " + num(dk) + " for conv");
  }
  check_format("fmt_w", fmt_w);
  check_format("fmt_a", fmt_a);
  check_format("fmt_o", fmt_o);
  if (mode != 8 && mode != 4 && mode != 2) fail("mode", num(mode) + " is not 8, 4 or 2");
  if (fmt_w.n > static_cast<int>(mode)) fail("fmt_w", "n = " + num(fmt_w.n) + " is wider than mode " + num(mode));
  if (fmt_a.n > static_cast<int>(mode)) fail("fmt_a", "n = " + num(fmt_a.n) + " is wider than mode " + num(mode));
  if (static_cast<std::uint32_t>(dataflow) > 2) fail("dataflow", num(static_cast<unsigned>(dataflow)) + " is not 0 (ws), 1 (os) or 2 (is)");
  if (pp_flags & ~pp::ALL) fail("pp_flags", "unknown bits 0x" + [&] {
    char b[16];
    std::snprintf(b, sizeof b, "%x", pp_flags & ~pp::ALL);
    return std::string(b);
  }());
  if ((pp_flags & pp::RELU) && (pp_flags & pp::RELU6)) fail("pp_flags", "RELU and RELU6 are mutually exclusive");
  if ((pp_flags & pp::REQUANT) && !(std::isfinite(pp_scale) && pp_scale > 0))
    fail("pp_scale", std::to_string(pp_scale) + " must be finite and > 0");
  const GemmShape g = gemm();
  const std::uint64_t ob = static_cast<std::uint64_t>(fmt_o.storage_bits());
  if (g.groups > 1 && (g.n * ob) % 8 != 0)
    fail("n", "group width " + num(g.n) + " x " + num(ob) + " bits is not a whole number of bytes");
}

GemmShape LayerDescriptor::gemm() const {
  if (op == LayerOp::gemm) return {m, k, n, groups};  // groups independent M x K x N products
  return {std::uint64_t{out_h()} * out_w(), std::uint64_t{c / groups} * r * s, n / groups, groups};
}

LayerDescriptor::Image LayerDescriptor::encode() const {
  Image img{};
  auto put = [&](std::uint32_t off, std::uint32_t v) { img[(off - regs::DESC_BASE) / 4] = v; };
  auto put64 = [&](std::uint32_t lo, std::uint64_t v) {
    put(lo, static_cast<std::uint32_t>(v));
    put(lo + 4, static_cast<std::uint32_t>(v >> 32));
  };
  put(regs::OP, static_cast<std::uint32_t>(op));
  put(regs::SHAPE_M, m);
  put(regs::SHAPE_N, n);
  put(regs::SHAPE_K, k);
  put(regs::CONV_H, h);
  put(regs::CONV_W, w);
  put(regs::CONV_C, c);
  put(regs::CONV_R, r);
  put(regs::CONV_S, s);
  put(regs::CONV_STRIDE, stride);
  put(regs::CONV_PAD, pad);
  put(regs::CONV_GROUPS, groups);
  put(regs::FMT_W, fmt_w.encode());
  put(regs::FMT_A, fmt_a.encode());
  put(regs::FMT_O, fmt_o.encode());
  put(regs::MODE, mode);
  put(regs::DATAFLOW, static_cast<std::uint32_t>(dataflow));
  put(regs::PP_FLAGS, pp_flags);
  std::uint32_t bits = 0;
  std::memcpy(&bits, &pp_scale, 4);
  put(regs::PP_SCALE, bits);
  put64(regs::W_ADDR_LO, w_addr);
  put64(regs::I_ADDR_LO, i_addr);
  put64(regs::O_ADDR_LO, o_addr);
  put64(regs::B_ADDR_LO, b_addr);
  put64(regs::R_ADDR_LO, r_addr);
  return img;
}

LayerDescriptor LayerDescriptor::decode(const Image& img) {
  auto get = [&](std::uint32_t off) { return img[(off - regs::DESC_BASE) / 4]; };
  auto get64 = [&](std::uint32_t lo) { return std::uint64_t{get(lo)} | (std::uint64_t{get(lo + 4)} << 32); };
  LayerDescriptor d;
  d.op = static_cast<LayerOp>(get(regs::OP));
  d.m = get(regs::SHAPE_M);
  d.n = get(regs::SHAPE_N);
  d.k = get(regs::SHAPE_K);
  d.h = get(regs::CONV_H);
  d.w = get(regs::CONV_W);
  d.c = get(regs::CONV_C);
  d.r = get(regs::CONV_R);
  d.s = get(regs::CONV_S);
  d.stride = get(regs::CONV_STRIDE);
  d.pad = get(regs::CONV_PAD);
  d.groups = get(regs::CONV_GROUPS);
  d.fmt_w = OperandFormat::decode(get(regs::FMT_W));
  d.fmt_a = OperandFormat::decode(get(regs::FMT_A));
  d.fmt_o = OperandFormat::decode(get(regs::FMT_O));
  d.mode = get(regs::MODE);
  d.dataflow = static_cast<Dataflow>(get(regs::DATAFLOW));
  d.pp_flags = get(regs::PP_FLAGS);
  const std::uint32_t bits = get(regs::PP_SCALE);
  std::memcpy(&d.pp_scale, &bits, 4);
  d.w_addr = get64(regs::W_ADDR_LO);
  d.i_addr = get64(regs::I_ADDR_LO);
  d.o_addr = get64(regs::O_ADDR_LO);
  d.b_addr = get64(regs::B_ADDR_LO);
  d.r_addr = get64(regs::R_ADDR_LO);
  return d;
}

bool LayerDescriptor::is_desc_reg(std::uint32_t offset) {
  return offset >= regs::DESC_BASE && offset < regs::DESC_END && offset % 4 == 0 && offset != 0x8C;
}

}  // namespace lpsim::hw
