// Small helpers shared by the sweep sources (not part of the public API).
#pragma once

#include <cstdint>
#include <string>

#include "sw/common/text.hpp"  // one_line

namespace lpsim::sim::sweep {

std::string hex64(std::uint64_t v);
std::string hash_hex(const std::string& s);     // FNV-1a 64, 16 hex digits
std::string csv_field(const std::string& s);    // quoted when needed (RFC 4180)
std::string number_text(double v);              // shortest text that reads back exactly

}  // namespace lpsim::sim::sweep
