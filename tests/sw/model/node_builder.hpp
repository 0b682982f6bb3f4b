// Builds a graph node for the model tests: op, name, inputs, and one output named after it.
#pragma once

#include <string>
#include <vector>

#include "sw/model/graph.hpp"

namespace lpsim::model::test {

inline Node make(OpKind op, const std::string& name, std::vector<std::string> in) {
  Node n;
  n.name = name;
  n.op = op;
  n.inputs = std::move(in);
  n.outputs = {name};
  return n;
}

}  // namespace lpsim::model::test
