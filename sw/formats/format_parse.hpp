// Parses the textual format names used on command lines, in workload files and in reports.
#pragma once

#include <cstddef>
#include <string>

#include "number_format.hpp"

namespace lpsim::fmt {

// Accepted forms (whitespace-free, case-sensitive):
//   lp:N,ES,RS,SF   lp<N,ES,RS,SF>            Logarithmic Posit
//   posit:N,ES      posit<N,ES>               posit
//   fp8:e4m3 fp8:e5m2  fp8_e4m3 fp8_e5m2      OCP FP8
//   int:N[,SCALE]   intN                      symmetric INT; no SCALE: fitted to `calib`, else 1
//   af:N,E[,EXPMIN] af<N,E[,EXPMIN]>          AdaptivFloat; no EXPMIN: fitted to `calib`,
//                                             else the IEEE-like 1 - 2^(E-1)
// Throws FormatError naming the text and the bad part.
FormatPtr parse_format(const std::string& text, const float* calib = nullptr,
                       std::size_t calib_count = 0);

}  // namespace lpsim::fmt
