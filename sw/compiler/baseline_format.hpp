// The baseline PE types' formats as the compiler sees them (docs/datapath.md, "Baseline PE
// types"): which PE type a format text selects, and the register view of posit, AdaptivFloat,
// FP8 and ANT (int/flint) operands.
#pragma once

#include <string>

#include "sw/compiler/layer_code.hpp"

namespace lpsim::compiler {

// True for the register families of the baseline PE types (posit, af, fp8_*, flint, ant_int).
inline bool is_baseline_family(hw::FormatFamily f) {
  return f != hw::FormatFamily::lp && f != hw::FormatFamily::int_;
}

// The PE type a format text selects: "lp", "int" (the INT / BitFusion-style PE), "posit",
// "adaptivfloat", "fp8" or "ant" (ant:N, antN, flint...). Throws fmt::FormatError for a text
// parse_format rejects.
std::string pe_of_format(const std::string& text);

// When h.format (parsed from h.text) is a baseline PE type's format, fills h.op (flint scales
// rounded up to a power of two, the register's 2^-sf) and returns true; false otherwise.
// Throws lpsim::UserError for a parameter the registers cannot carry.
bool baseline_hw_format(HwFormat& h);

// A baseline operand of width h.op.n in a layer running at MODE `mode` > h.op.n: posit
// widens exactly (posit<n,es> pattern p is posit<mode,es> pattern p*2^(mode-n)); the others
// throw lpsim::UserError. Returns false when h is not a baseline format.
bool widen_baseline(HwFormat& h, int mode);

}  // namespace lpsim::compiler
