// The array dataflow, shared by the array core, the layer descriptor and the top level.
#pragma once

#include <cstdint>
#include <string>

#include "hw/common/config_error.hpp"

namespace lpsim::hw {

// ws: weights stationary (preloaded from the top), activations from the left, psums down.
// os: outputs stationary; activations from the left, weights from the top.
// is: activations (inputs) stationary, weights from the left, psums down.
// The values are the DATAFLOW register encoding (docs/memory-and-control.md).
enum class Dataflow : std::uint32_t { ws = 0, os = 1, is = 2 };

inline std::string to_string(Dataflow d) {
  return d == Dataflow::ws ? "ws" : d == Dataflow::os ? "os" : "is";
}

// "ws", "os", "is"; anything else throws ConfigError.
inline Dataflow dataflow_from_string(const std::string& s) {
  if (s == "ws") return Dataflow::ws;
  if (s == "os") return Dataflow::os;
  if (s == "is") return Dataflow::is;
  throw ConfigError("dataflow '" + s + "' is not one of ws, os, is");
}

}  // namespace lpsim::hw
