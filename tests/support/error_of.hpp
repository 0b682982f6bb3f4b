// Runs a callable and returns the message of the exception of type E it throws, for tests that
// assert on error texts; "<nothing thrown>" when it returns normally (other types propagate).
#pragma once

#include <string>

namespace lpsim::test {

template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<nothing thrown>";
}

}  // namespace lpsim::test
