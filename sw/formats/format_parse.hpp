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
//   int:N,channel   int<N,channel>            INT weights with per-output-channel scales (the
//                                             compiler's); here the per-tensor fit
//   af:N,E[,EXPMIN] af<N,E[,EXPMIN]>          AdaptivFloat; no EXPMIN: fitted to `calib`,
//                                             else the IEEE-like 1 - 2^(E-1)
//   flint:N[,SCALE] flintN flint<N,SCALE>     flint (ANT's float-int, flint_format.hpp), N 3..8;
//                                             no SCALE: fitted to `calib`, else 1
//   ant:N   antN                              ANT's per-tensor type choice, N 4 or 8: int or
//                                             flint with power-of-two scales, whichever has the
//                                             lower squared error on `calib` (int<N,1> without)
// Throws FormatError naming the text and the bad part.
FormatPtr parse_format(const std::string& text, const float* calib = nullptr,
                       std::size_t calib_count = 0);

// The `ant:N` choice on a calibration tensor (an IntFormat or a FlintFormat).
FormatPtr select_ant_type(int n, const float* calib, std::size_t calib_count);

}  // namespace lpsim::fmt
