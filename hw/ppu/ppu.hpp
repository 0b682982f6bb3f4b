// Post-processing unit core: bias, requantize, residual, ReLU/ReLU6, encode, with op counts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "hw/codec/lp_encoder.hpp"
#include "sw/formats/number_format.hpp"

namespace lpsim::hw {

struct PpuConfig {
  unsigned lanes = 32;       // elements processed per cycle (one output row of a 32-wide array)
  double relu6_cap = 6.0;    // upper clamp of ReLU6
  void validate() const;     // throws ConfigError naming the field
};

enum class Activation { none, relu, relu6 };

// What to apply; built from the layer descriptor's PP_FLAGS / PP_SCALE.
struct PpuOps {
  bool bias = false;
  bool residual = false;
  Activation act = Activation::none;
  bool requant = false;
  double scale = 1.0;  // used when requant
  bool channel_scale = false;  // pp::CHSCALE: each element times its column's scale, first
  // Throws ConfigError for RELU together with RELU6, REQUANT together with CHSCALE, unknown
  // bits, or a bad scale with REQUANT.
  static PpuOps from_flags(std::uint32_t pp_flags, float pp_scale);
};

struct PpuStats {
  std::uint64_t elements = 0;
  std::uint64_t bias_adds = 0;
  std::uint64_t residual_adds = 0;
  std::uint64_t activations = 0;  // ReLU / ReLU6 evaluations
  std::uint64_t scale_muls = 0;
  std::uint64_t encodes = 0;
  std::uint64_t cycles = 0;       // sum over process() calls of ceil(n / lanes)
};

// The PPU's output encoder, the one rounding step of the output path. An LP output format whose
// n is a MODE width (2, 4, 8) is encoded by hw::LpEncoder: the PPU's double is taken apart into
// an exact integer word by bit operations and rounded by the encoder's leading-one detector and
// midpoint comparators, with no floating-point operation and no call into sw/formats, so the
// reference's encoder (fmt::LpFormat::encode) is an independent check of it. Every other output
// format (INT, posit, FP8, AdaptivFloat, LP with n not 2/4/8) still uses its codec's encode().
class OutputEncoder {
 public:
  OutputEncoder() = default;
  // `codec` is the output format's codec; `lp` its LP parameters when it is an LP format.
  OutputEncoder(fmt::FormatPtr codec, const fmt::LpParams* lp);

  bool bit_level() const { return m_lp != nullptr; }
  bool empty() const { return !m_codec && !m_lp; }
  fmt::Code encode(double y) const { return m_lp ? m_lp->encode_double(y) : m_codec->encode(y); }

 private:
  fmt::FormatPtr m_codec;
  std::shared_ptr<const LpEncoder> m_lp;
};

// Order of operations (fixed, one rounding at the end): for every element
//   y = acc                      accumulator result, exact (double)
//   y = y * ch_scale[col]        if ops.channel_scale (per-output-channel INT scales: y becomes
//                                a real value, so bias and residual below are real values too)
//   y = y + bias[col]            if ops.bias (with REQUANT: in accumulator units, s_a * s_w)
//   y = y * scale                if ops.requant (per-tensor INT: accumulator units -> real
//                                units, before anything that compares or adds real values)
//   y = y + residual[i]          if ops.residual (the skip tensor's decoded value, real units)
//   y = act(y)                   ReLU: max(y, 0); ReLU6: min(max(y, 0), relu6_cap)
//   code = encode(y)             if an encoder is given (the only rounding step; OutputEncoder)
// The activation always sees real units: ReLU6's cap is 6.0, never 6 accumulator units.
// Residual is added before the activation (ResNet: relu(conv + bias + skip)).
class Ppu {
 public:
  explicit Ppu(PpuConfig cfg = {});  // validates

  const PpuConfig& config() const { return m_cfg; }
  const PpuStats& stats() const { return m_stats; }
  void reset_stats() { m_stats = {}; }

  // One element without counting (the reference for tests and the array's fast path).
  double apply(const PpuOps& ops, double acc, double bias, double residual) const {
    return apply(ops, acc, bias, residual, 1.0);
  }
  // The same with the element's per-channel scale (used when ops.channel_scale).
  double apply(const PpuOps& ops, double acc, double bias, double residual, double ch_scale) const;

  // n elements of one output row. bias[i] is the bias of element i's column (null when unused),
  // residual[i] likewise. values and codes may each be null; codes needs out_fmt.
  void process(const PpuOps& ops, const double* acc, std::size_t n, const double* bias, const double* residual,
               const fmt::NumberFormat* out_fmt, double* values, fmt::Code* codes);
  // The same with the hardware output path: codes from `enc` (null or empty: no codes).
  void process(const PpuOps& ops, const double* acc, std::size_t n, const double* bias,
               const double* residual, const OutputEncoder* enc, double* values, fmt::Code* codes);
  // The same with per-channel scales: ch_scale[i] is element i's column scale (needed when
  // ops.channel_scale; may be null otherwise).
  void process(const PpuOps& ops, const double* acc, std::size_t n, const double* bias,
               const double* residual, const double* ch_scale, const OutputEncoder* enc,
               double* values, fmt::Code* codes);

  // What process() of one row of n elements adds to stats() (`encode`: it encodes codes); the
  // one place these counts are written (process() and the analytic model use it).
  static PpuStats row_stats(const PpuConfig& cfg, const PpuOps& ops, std::size_t n, bool encode);

 private:
  template <typename Encode>
  void run(const PpuOps& ops, const double* acc, std::size_t n, const double* bias,
           const double* residual, const double* ch_scale, bool encode, const Encode& enc,
           double* values, fmt::Code* codes);

  PpuConfig m_cfg;
  PpuStats m_stats;
};

}  // namespace lpsim::hw
