// ActionCounts helpers: kind names and accumulation.
#include "sw/energy/action_counts.hpp"

#include <stdexcept>

namespace lpsim::energy {

const char* mac_kind_name(MacKind k) {
  switch (k) {
    case MacKind::lp8:
      return "lp8";
    case MacKind::lp4:
      return "lp4";
    case MacKind::lp2:
      return "lp2";
    case MacKind::int8:
      return "int8";
    case MacKind::int4:
      return "int4";
    case MacKind::int2:
      return "int2";
    case MacKind::fp16:
      return "fp16";
    case MacKind::fp32:
      return "fp32";
    case MacKind::posit8: return "posit8";
    case MacKind::posit4: return "posit4";
    case MacKind::posit2: return "posit2";
    case MacKind::af8: return "af8";
    case MacKind::af4: return "af4";
    case MacKind::fp8: return "fp8";
    case MacKind::ant8: return "ant8";
    case MacKind::ant4: return "ant4";
  }
  return "?";
}

MacKind mac_kind(const std::string& family, unsigned mode) {
  if (family == "lp" && mode == 8) return MacKind::lp8;
  if (family == "lp" && mode == 4) return MacKind::lp4;
  if (family == "lp" && mode == 2) return MacKind::lp2;
  if (family == "int" && mode == 8) return MacKind::int8;
  if (family == "int" && mode == 4) return MacKind::int4;
  if (family == "int" && mode == 2) return MacKind::int2;
  if (family == "fp" && mode == 16) return MacKind::fp16;
  if (family == "fp" && mode == 32) return MacKind::fp32;
  if (family == "posit" && mode == 8) return MacKind::posit8;
  if (family == "posit" && mode == 4) return MacKind::posit4;
  if (family == "posit" && mode == 2) return MacKind::posit2;
  if (family == "adaptivfloat" && mode == 8) return MacKind::af8;
  if (family == "adaptivfloat" && mode == 4) return MacKind::af4;
  if (family == "fp8" && mode == 8) return MacKind::fp8;
  if (family == "ant" && mode == 8) return MacKind::ant8;
  if (family == "ant" && mode == 4) return MacKind::ant4;
  throw std::invalid_argument("energy: no MAC kind for PE family '" + family + "' with MODE " +
                              std::to_string(mode));
}

const char* pe_kind_name(PeKind k) {
  switch (k) {
    case PeKind::lp:
      return "lp";
    case PeKind::int_:
      return "int";
    case PeKind::fp:
      return "fp";
    case PeKind::posit: return "posit";
    case PeKind::adaptivfloat: return "adaptivfloat";
    case PeKind::fp8: return "fp8";
    case PeKind::ant: return "ant";
  }
  return "?";
}

PeKind pe_kind_from_name(const std::string& name) {
  for (PeKind k : {PeKind::lp, PeKind::int_, PeKind::fp, PeKind::posit, PeKind::adaptivfloat,
                   PeKind::fp8, PeKind::ant})
    if (name == pe_kind_name(k)) return k;
  throw std::invalid_argument("energy: unknown PE type '" + name + "'");
}

std::uint64_t ActionCounts::total_macs() const {
  std::uint64_t s = 0;
  for (auto m : macs) s += m;
  return s;
}

namespace {
void add_buffer(BufferTraffic& a, const BufferTraffic& b, const char* name) {
  if (a.size_bytes != 0 && b.size_bytes != 0 && a.size_bytes != b.size_bytes)
    throw std::invalid_argument(std::string("energy: adding counts of different ") + name +
                                " sizes (" + std::to_string(a.size_bytes) + " and " +
                                std::to_string(b.size_bytes) + " bytes)");
  if (a.size_bytes == 0) a.size_bytes = b.size_bytes;
  a.read_bytes += b.read_bytes;
  a.write_bytes += b.write_bytes;
}
}  // namespace

ActionCounts& ActionCounts::operator+=(const ActionCounts& o) {
  for (std::size_t i = 0; i < kMacKinds; ++i) macs[i] += o.macs[i];
  decoder_words += o.decoder_words;
  encoder_words += o.encoder_words;
  pe_reg_write_bytes += o.pe_reg_write_bytes;
  add_buffer(wb, o.wb, "wb");
  add_buffer(ib, o.ib, "ib");
  add_buffer(ob, o.ob, "ob");
  dram_read_bytes += o.dram_read_bytes;
  dram_write_bytes += o.dram_write_bytes;
  ppu_adds += o.ppu_adds;
  ppu_mults += o.ppu_mults;
  ppu_activations += o.ppu_activations;
  ppu_encodes += o.ppu_encodes;
  leakage_pe_cycles += o.leakage_pe_cycles;
  return *this;
}

}  // namespace lpsim::energy
