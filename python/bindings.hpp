// The parts of the extension module lpsim._lpsim (python/lpsim_module.cpp).
#pragma once

#include <pybind11/pybind11.h>

namespace lpsim::python {

void bind_formats(pybind11::module_& m);  // formats_binding.cpp
void bind_run(pybind11::module_& m);      // run_binding.cpp

}  // namespace lpsim::python
