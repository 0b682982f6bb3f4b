// Python repr() of a double, so SCALE-Sim's CSV reports can be reproduced byte for byte.
#pragma once

#include <string>

namespace lpsim::scalesim {

// The shortest string that round-trips, laid out as CPython's float repr: fixed notation with
// at least one fractional digit ("4.0", "-66.0", "0.0001") when the decimal exponent is in
// [-4, 16), otherwise scientific with a two-digit minimum exponent ("1e+16", "1.5e-05").
std::string py_float_repr(double v);

}  // namespace lpsim::scalesim
