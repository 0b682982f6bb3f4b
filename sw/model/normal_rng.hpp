// Portable seeded normal generator: std::mt19937_64 (fully specified by the standard) and our
// own Box-Muller, because std::normal_distribution differs between standard libraries.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>

namespace lpsim::model {

// 64-bit FNV-1a: a portable string hash (std::hash is implementation-defined).
inline uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

// splitmix64 finaliser: decorrelates nearby seeds.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

class NormalRng {
 public:
  explicit NormalRng(uint64_t seed) : m_engine(seed) {}
  // A stream per (seed, name): a layer's weights do not depend on construction order.
  NormalRng(uint64_t seed, const std::string& name) : m_engine(mix64(seed ^ fnv1a64(name))) {}

  // Uniform in (0, 1]: 53 random bits, never 0 (log(0) in Box-Muller).
  double uniform() { return static_cast<double>((m_engine() >> 11) + 1) * 0x1.0p-53; }

  // Standard normal (Box-Muller, both values of a pair used).
  double normal() {
    if (m_has_spare) {
      m_has_spare = false;
      return m_spare;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double t = 6.283185307179586476925 * uniform();
    m_spare = r * std::sin(t);
    m_has_spare = true;
    return r * std::cos(t);
  }

 private:
  std::mt19937_64 m_engine;
  double m_spare = 0;
  bool m_has_spare = false;
};

}  // namespace lpsim::model
