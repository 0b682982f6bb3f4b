// A deliberate violation: the check must reject it (tests/repo/CMakeLists.txt).
#include "sim/run/pipeline.hpp"
