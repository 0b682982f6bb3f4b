// Post-processing unit core.
#include "hw/ppu/ppu.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "hw/ctrl/layer_descriptor.hpp"
#include "hw/common/config_error.hpp"

namespace lpsim::hw {

void PpuConfig::validate() const {
  if (lanes == 0) throw ConfigError("ppu: lanes must be >= 1");
  if (!(relu6_cap > 0) || !std::isfinite(relu6_cap))
    throw ConfigError("ppu: relu6_cap = " + std::to_string(relu6_cap) + " must be finite and > 0");
}

PpuOps PpuOps::from_flags(std::uint32_t f, float scale) {
  if (f & ~pp::ALL) throw ConfigError("ppu: pp_flags has unknown bits");
  if ((f & pp::RELU) && (f & pp::RELU6)) throw ConfigError("ppu: pp_flags: RELU and RELU6 are mutually exclusive");
  if ((f & pp::REQUANT) && (f & pp::CHSCALE))
    throw ConfigError("ppu: pp_flags: REQUANT and CHSCALE are mutually exclusive");
  PpuOps o;
  o.bias = f & pp::BIAS;
  o.residual = f & pp::RESIDUAL;
  o.act = (f & pp::RELU) ? Activation::relu : (f & pp::RELU6) ? Activation::relu6 : Activation::none;
  o.requant = f & pp::REQUANT;
  o.channel_scale = f & pp::CHSCALE;
  if (o.requant) {
    if (!(std::isfinite(scale) && scale > 0))
      throw ConfigError("ppu: pp_scale = " + std::to_string(scale) + " must be finite and > 0");
    o.scale = scale;
  }
  return o;
}

OutputEncoder::OutputEncoder(fmt::FormatPtr codec, const fmt::LpParams* lp)
    : m_codec(std::move(codec)) {
  if (lp && (lp->n == 2 || lp->n == 4 || lp->n == 8)) m_lp = std::make_shared<const LpEncoder>(*lp);
  if (!m_lp && !m_codec) throw ConfigError("ppu: output encoder without a format");
}

Ppu::Ppu(PpuConfig cfg) : m_cfg(cfg) { m_cfg.validate(); }

double Ppu::apply(const PpuOps& ops, double acc, double bias, double residual,
                  double ch_scale) const {
  double y = acc;
  if (ops.channel_scale) y *= ch_scale;
  if (ops.bias) y += bias;
  // REQUANT before the residual and the activation: both work on real values (the residual is
  // decoded from the output format; ReLU6's cap is a real 6), as a real INT PPU requantizes and
  // then clamps in the output's units.
  if (ops.requant) y *= ops.scale;
  if (ops.residual) y += residual;
  // std::max/min would turn NaN into 0 or the cap depending on argument order; keep NaN.
  if (ops.act != Activation::none && y < 0) y = 0;
  if (ops.act == Activation::relu6 && y > m_cfg.relu6_cap) y = m_cfg.relu6_cap;
  return y;
}

template <typename Encode>
void Ppu::run(const PpuOps& ops, const double* acc, std::size_t n, const double* bias,
              const double* residual, const double* ch_scale, bool encode, const Encode& enc,
              double* values, fmt::Code* codes) {
  if (ops.channel_scale && !ch_scale) throw ConfigError("ppu: CHSCALE without per-channel scales");
  for (std::size_t i = 0; i < n; ++i) {
    const double y = apply(ops, acc[i], bias ? bias[i] : 0.0, residual ? residual[i] : 0.0,
                           ch_scale ? ch_scale[i] : 1.0);
    if (values) values[i] = y;
    if (encode) codes[i] = enc(y);
  }
  const PpuStats s = row_stats(m_cfg, ops, n, encode);
  m_stats.elements += s.elements;
  m_stats.bias_adds += s.bias_adds;
  m_stats.residual_adds += s.residual_adds;
  m_stats.activations += s.activations;
  m_stats.scale_muls += s.scale_muls;
  m_stats.encodes += s.encodes;
  m_stats.cycles += s.cycles;
}

void Ppu::process(const PpuOps& ops, const double* acc, std::size_t n, const double* bias,
                  const double* residual, const fmt::NumberFormat* out_fmt, double* values,
                  fmt::Code* codes) {
  run(
      ops, acc, n, bias, residual, nullptr, codes && out_fmt,
      [out_fmt](double y) { return out_fmt->encode(y); }, values, codes);
}

void Ppu::process(const PpuOps& ops, const double* acc, std::size_t n, const double* bias,
                  const double* residual, const OutputEncoder* enc, double* values,
                  fmt::Code* codes) {
  process(ops, acc, n, bias, residual, nullptr, enc, values, codes);
}

void Ppu::process(const PpuOps& ops, const double* acc, std::size_t n, const double* bias,
                  const double* residual, const double* ch_scale, const OutputEncoder* enc,
                  double* values, fmt::Code* codes) {
  run(
      ops, acc, n, bias, residual, ch_scale, codes && enc && !enc->empty(),
      [enc](double y) { return enc->encode(y); }, values, codes);
}

PpuStats Ppu::row_stats(const PpuConfig& cfg, const PpuOps& ops, std::size_t n, bool encode) {
  PpuStats s;
  s.elements = n;
  if (ops.bias) s.bias_adds = n;
  if (ops.residual) s.residual_adds = n;
  if (ops.act != Activation::none) s.activations = n;
  if (ops.requant || ops.channel_scale) s.scale_muls = n;
  if (encode) s.encodes = n;
  s.cycles = (n + cfg.lanes - 1) / cfg.lanes;
  return s;
}

}  // namespace lpsim::hw
