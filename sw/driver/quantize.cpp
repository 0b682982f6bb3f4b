// Host quantization with a per-name cache of table quantizers (see quantize.hpp).
#include "sw/driver/quantize.hpp"

#include <map>
#include <mutex>
#include <string>

#include "sw/common/parallel.hpp"
#include "sw/formats/fast_quantizer.hpp"

namespace lpsim::driver {
namespace {

// Building a table costs about as much as encoding this many values one by one.
constexpr std::size_t kTableWorth = std::size_t{1} << 16;
// At most this many formats keep their tables (about 0.5 MB each) for the process.
constexpr std::size_t kMaxCached = 32;

// The format whose table quantizer serves `format`'s name, or null when calling encode() is
// cheaper for n values. The first object of each name is kept (its table lives in it).
fmt::FormatPtr table_owner(const fmt::FormatPtr& format, std::size_t n) {
  static std::mutex mu;
  static std::map<std::string, fmt::FormatPtr> cache;
  const std::string name = format->name();
  const std::lock_guard<std::mutex> lock(mu);
  const auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  if (n < kTableWorth) return nullptr;
  if (cache.size() < kMaxCached) cache.emplace(name, format);
  return format;
}

}  // namespace

void encode_floats(const fmt::FormatPtr& format, const float* in, std::uint32_t* codes,
                   std::size_t n) {
  const fmt::FormatPtr owner = table_owner(format, n);
  // Element by element, on every core (each code depends on its value only).
  if (owner) {
    const fmt::FastQuantizer& q = owner->fast();  // built once per owner, thread-safe
    parallel_for(static_cast<std::int64_t>(n), 1 << 16, [&](std::int64_t i0, std::int64_t i1) {
      for (std::int64_t i = i0; i < i1; ++i)
        codes[static_cast<std::size_t>(i)] = q.encode(in[static_cast<std::size_t>(i)]);
    });
  } else {
    parallel_for(static_cast<std::int64_t>(n), 1 << 14, [&](std::int64_t i0, std::int64_t i1) {
      for (std::int64_t i = i0; i < i1; ++i)
        codes[static_cast<std::size_t>(i)] = format->encode(in[static_cast<std::size_t>(i)]);
    });
  }
}

}  // namespace lpsim::driver
