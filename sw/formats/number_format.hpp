// The common interface of every number format (LP, posit, INT, AdaptivFloat, FP8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "sw/common/error.hpp"
#include <string>

namespace lpsim::fmt {

// A bit pattern of a format, right-aligned (formats are at most 16 bits wide).
using Code = std::uint32_t;

// Thrown for a format parameter outside its legal range or an unparsable format text.
// The message names the parameter and the offending value; callers turn it into exit code 2.
class FormatError : public lpsim::UserError {
 public:
  using lpsim::UserError::UserError;
};

class FastQuantizer;

// A number format of at most 16 bits. Implementations are immutable after construction and
// safe to share between threads.
//
// encode() is the exact, reference-quality quantizer for a double. quantize() is the fast
// array path for floats; for formats of <= 8 bits it is table-driven and returns exactly what
// encode() returns for the same (float-valued) input.
class NumberFormat {
 public:
  virtual ~NumberFormat();

  // Canonical text, e.g. "lp<8,2,3,0>", "posit<8,2>", "fp8_e4m3", "int8(scale=0.01)".
  virtual std::string name() const = 0;
  virtual int bits() const = 0;
  std::size_t num_codes() const { return std::size_t{1} << bits(); }

  // Quantize x to a code. NaN/inf map to the format's NaR/NaN/inf code as documented per format.
  // Contract relied on by the fast path: encode is monotone in |x| and symmetric,
  // encode(-x) == negate(encode(x)) for every x, including -0.0 and a NaN with its sign bit set.
  virtual Code encode(double x) const = 0;
  // The value of a code; NaN for NaR/NaN codes.
  virtual double decode(Code c) const = 0;
  // True for the codes that are not real numbers (posit NaR, FP8 NaN; not inf).
  virtual bool is_nan_code(Code c) const = 0;
  // The code of -decode(c) (two's complement or sign flip, per format).
  virtual Code negate(Code c) const = 0;
  // True when the format encodes negatives as the two's complement of the positive pattern
  // (LP, posit, INT); false for sign-magnitude formats (FP8, AdaptivFloat).
  virtual bool twos_complement() const = 0;

  // Fast array paths. `codes` and `out` may each be null when not wanted.
  void quantize(const float* in, std::uint16_t* codes, float* out, std::size_t n) const;
  void dequantize(const std::uint16_t* codes, float* out, std::size_t n) const;

  // Shared table for the fast paths; built on first use, thread-safe.
  const FastQuantizer& fast() const;

 protected:
  NumberFormat() = default;
  NumberFormat(const NumberFormat&) = delete;
  NumberFormat& operator=(const NumberFormat&) = delete;
  // Round a >= 0 to the nearest magnitude of a table whose midpoints between neighbouring
  // magnitudes are [first, last) (ascending; code = position in the table from `base`): the
  // first midpoint >= a, past the last one the largest magnitude, a tie to the even code;
  // then negated when `negative`.
  Code round_on_midpoints(const double* base, const double* first, const double* last, double a,
                          bool negative) const;

 private:
  mutable std::once_flag m_fast_once;
  mutable std::shared_ptr<const FastQuantizer> m_fast;  // shared_ptr: FastQuantizer is incomplete here
};

using FormatPtr = std::shared_ptr<const NumberFormat>;

// Largest |x| over the finite entries of x (NaN and inf carry no scale information); 0 when
// there are none.
double max_abs_finite(const float* x, std::size_t count);

}  // namespace lpsim::fmt
