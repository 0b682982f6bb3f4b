// Kernel-free layer descriptor: validation with field names, register image encode/decode.
#include "hw/ctrl/layer_descriptor.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <type_traits>
#include <utility>

#include "hw/ctrl/ctrl_regs.hpp"
#include "hw/common/config_error.hpp"
#include "sw/formats/packing.hpp"
#include "sw/formats/adaptivfloat_format.hpp"
#include "sw/formats/flint_format.hpp"
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
    case FormatFamily::ant_int: return std::make_shared<fmt::IntFormat>(fmt::IntParams{n, std::ldexp(1.0, -sf)});
    case FormatFamily::flint: return std::make_shared<fmt::FlintFormat>(fmt::FlintParams{n, std::ldexp(1.0, -sf)});
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
    if (m % dm != 0)
      fail("m", num(m) + " must be 0 or a multiple (images) of out_h * out_w = " + num(dm) + " for conv");
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
  if ((pp_flags & pp::REQUANT) && (pp_flags & pp::CHSCALE)) fail("pp_flags", "REQUANT and CHSCALE are mutually exclusive");
  if ((pp_flags & pp::REQUANT) && !(std::isfinite(pp_scale) && pp_scale > 0))
    fail("pp_scale", std::to_string(pp_scale) + " must be finite and > 0");
  const GemmShape g = gemm();
  const std::uint64_t ob = static_cast<std::uint64_t>(fmt_o.storage_bits());
  // Each group's outputs start on a byte, except in an op conv whose whole output row is whole
  // bytes: the tiler then packs groups per tile so that every tile's columns do (Tile::gt;
  // a 4-bit depthwise layer runs two or more channels per tile), or refuses the layer.
  if (g.groups > 1 && (g.n * ob) % 8 != 0 && (op != LayerOp::conv || (g.groups * g.n * ob) % 8 != 0))
    fail("n", "group width " + num(g.n) + " x " + num(ob) + " bits is not a whole number of bytes");
}

GemmShape LayerDescriptor::gemm() const {
  if (op == LayerOp::gemm) return {m, k, n, groups};  // groups independent M x K x N products
  return {std::uint64_t{images()} * out_h() * out_w(), std::uint64_t{c / groups} * r * s, n / groups, groups};
}

std::uint32_t LayerDescriptor::images() const {
  if (op != LayerOp::conv || m == 0) return 1;
  return static_cast<std::uint32_t>(m / (std::uint64_t{out_h()} * out_w()));
}

namespace {

// A member's value as its register(s) carry it, and back (docs/memory-and-control.md).
std::uint64_t to_reg(std::uint32_t v) { return v; }
std::uint64_t to_reg(std::uint64_t v) { return v; }
std::uint64_t to_reg(LayerOp v) { return static_cast<std::uint32_t>(v); }
std::uint64_t to_reg(Dataflow v) { return static_cast<std::uint32_t>(v); }
std::uint64_t to_reg(const OperandFormat& v) { return v.encode(); }
std::uint64_t to_reg(float v) {  // IEEE-754 binary32 bits
  std::uint32_t bits = 0;
  std::memcpy(&bits, &v, 4);
  return bits;
}
void from_reg(std::uint64_t r, std::uint32_t& v) { v = static_cast<std::uint32_t>(r); }
void from_reg(std::uint64_t r, std::uint64_t& v) { v = r; }
void from_reg(std::uint64_t r, LayerOp& v) { v = static_cast<LayerOp>(static_cast<std::uint32_t>(r)); }
void from_reg(std::uint64_t r, Dataflow& v) { v = static_cast<Dataflow>(static_cast<std::uint32_t>(r)); }
void from_reg(std::uint64_t r, OperandFormat& v) { v = OperandFormat::decode(static_cast<std::uint32_t>(r)); }
void from_reg(std::uint64_t r, float& v) {
  const std::uint32_t bits = static_cast<std::uint32_t>(r);
  std::memcpy(&v, &bits, 4);
}

// One field of the descriptor block: its register offset, its width in 32-bit registers (a
// 64-bit address is two: LO at `offset`, HI at `offset` + 4) and the member it holds.
struct Field {
  std::uint32_t offset;
  unsigned words;
  std::uint64_t (*get)(const LayerDescriptor&);
  void (*set)(LayerDescriptor&, std::uint64_t);
};

template <auto Member>
constexpr Field field(std::uint32_t offset) {
  using T = std::remove_reference_t<decltype(std::declval<LayerDescriptor&>().*Member)>;
  return {offset, std::is_same_v<T, std::uint64_t> ? 2u : 1u,
          [](const LayerDescriptor& d) { return to_reg(d.*Member); },
          [](LayerDescriptor& d, std::uint64_t r) { from_reg(r, d.*Member); }};
}

// The register map of the descriptor block (hw/ctrl/ctrl_regs.hpp), walked by encode(),
// decode() and is_desc_reg(); the one offset it leaves out, 0x8C, is the hole.
constexpr Field kFields[] = {
    field<&LayerDescriptor::op>(regs::OP),
    field<&LayerDescriptor::m>(regs::SHAPE_M),
    field<&LayerDescriptor::n>(regs::SHAPE_N),
    field<&LayerDescriptor::k>(regs::SHAPE_K),
    field<&LayerDescriptor::h>(regs::CONV_H),
    field<&LayerDescriptor::w>(regs::CONV_W),
    field<&LayerDescriptor::c>(regs::CONV_C),
    field<&LayerDescriptor::r>(regs::CONV_R),
    field<&LayerDescriptor::s>(regs::CONV_S),
    field<&LayerDescriptor::stride>(regs::CONV_STRIDE),
    field<&LayerDescriptor::pad>(regs::CONV_PAD),
    field<&LayerDescriptor::groups>(regs::CONV_GROUPS),
    field<&LayerDescriptor::fmt_w>(regs::FMT_W),
    field<&LayerDescriptor::fmt_a>(regs::FMT_A),
    field<&LayerDescriptor::fmt_o>(regs::FMT_O),
    field<&LayerDescriptor::mode>(regs::MODE),
    field<&LayerDescriptor::dataflow>(regs::DATAFLOW),
    field<&LayerDescriptor::pp_flags>(regs::PP_FLAGS),
    field<&LayerDescriptor::pp_scale>(regs::PP_SCALE),
    field<&LayerDescriptor::w_addr>(regs::W_ADDR_LO),
    field<&LayerDescriptor::i_addr>(regs::I_ADDR_LO),
    field<&LayerDescriptor::o_addr>(regs::O_ADDR_LO),
    field<&LayerDescriptor::b_addr>(regs::B_ADDR_LO),
    field<&LayerDescriptor::r_addr>(regs::R_ADDR_LO),
};

constexpr std::size_t table_words() {
  std::size_t n = 0;
  for (const Field& f : kFields) n += f.words;
  return n;
}
static_assert(table_words() == LayerDescriptor::kWords - 1, "every descriptor register but the hole");

std::size_t word_index(std::uint32_t offset) { return (offset - regs::DESC_BASE) / 4; }

}  // namespace

LayerDescriptor::Image LayerDescriptor::encode() const {
  Image img{};
  for (const Field& f : kFields) {
    const std::uint64_t v = f.get(*this);
    for (unsigned i = 0; i < f.words; ++i) img[word_index(f.offset) + i] = static_cast<std::uint32_t>(v >> (32 * i));
  }
  return img;
}

LayerDescriptor LayerDescriptor::decode(const Image& img) {
  LayerDescriptor d;
  for (const Field& f : kFields) {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < f.words; ++i) v |= std::uint64_t{img[word_index(f.offset) + i]} << (32 * i);
    f.set(d, v);
  }
  return d;
}

bool LayerDescriptor::is_desc_reg(std::uint32_t offset) {
  if (offset % 4 != 0) return false;
  for (const Field& f : kFields)
    if (offset >= f.offset && offset < f.offset + 4 * f.words) return true;
  return false;
}

}  // namespace lpsim::hw
