// A deliberate violation.
#include "traces/vcd_writer.hpp"
