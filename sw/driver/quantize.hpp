// The host's quantization of float tensors to codes: the table-driven quantizer of a format
// (sw/formats/fast_quantizer.hpp, equal to the format's exact encode() for every float), its
// tables built once per format name and kept for the process.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sw/formats/number_format.hpp"

namespace lpsim::driver {

// codes[i] = format->encode(in[i]) for i < n, on every core. Formats are identified by name()
// (canonical: parse_format(name()) gives the same codec); a format's tables are built when
// the tensor is large enough to repay them or they exist already, else encode() is called.
void encode_floats(const fmt::FormatPtr& format, const float* in, std::uint32_t* codes,
                   std::size_t n);

}  // namespace lpsim::driver
