// Overflow-checked integer arithmetic for sizes that come from user input (shapes, element
// counts, window attributes): a product or sum that does not fit int64_t is a UserError naming
// what was being computed, never a wrapped value (signed overflow is undefined behaviour, and a
// count that wraps to a small number would size a buffer too small for the loops that fill it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sw/common/error.hpp"

namespace lpsim {

// a * b, or nullopt when the product does not fit int64_t.
inline std::optional<std::int64_t> mul_no_overflow(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// a + b, or nullopt when the sum does not fit int64_t.
inline std::optional<std::int64_t> add_no_overflow(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// a * b; throws UserError "<what>: A x B does not fit a 64-bit integer".
inline std::int64_t checked_mul(std::int64_t a, std::int64_t b, std::string_view what) {
  if (const auto r = mul_no_overflow(a, b)) return *r;
  throw UserError(std::string(what) + ": " + std::to_string(a) + " x " + std::to_string(b) +
                  " does not fit a 64-bit integer");
}

// a + b; throws UserError "<what>: A + B does not fit a 64-bit integer".
inline std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what) {
  if (const auto r = add_no_overflow(a, b)) return *r;
  throw UserError(std::string(what) + ": " + std::to_string(a) + " + " + std::to_string(b) +
                  " does not fit a 64-bit integer");
}

}  // namespace lpsim
