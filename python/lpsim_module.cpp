// The extension module lpsim._lpsim: the error type and the bindings of formats_binding.cpp and
// run_binding.cpp. The Python package (python/lpsim/) builds the public API on top of it.
#include <pybind11/pybind11.h>

#include <cstdio>
#include <cstdlib>

#include "python/bindings.hpp"
#include "sw/common/error.hpp"

namespace py = pybind11;

// libsystemc.so, which the run API links, refers to sc_main; a program defines it. The module
// never starts SystemC in the interpreter's process (simulate() runs every simulation in a
// forked worker), so it is never called; it exists for the dynamic loader.
extern "C" __attribute__((visibility("default"))) int sc_main(int, char**) {
  std::fputs("lpsim: internal error: sc_main called inside the Python module\n", stderr);
  return 1;
}

PYBIND11_MODULE(_lpsim, m) {
  m.doc() = "lpsim's C++ core: number formats and the run API (use the lpsim package)";
  // The kernel's banner would land on the interpreter's stdout when a worker elaborates.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  // Bad input (a format text, a workload key, a file): lpsim::UserError and every error below
  // it, with the message the CLI prints after "lpsim: error: ".
  py::register_exception<lpsim::UserError>(m, "Error", PyExc_ValueError);
  lpsim::python::bind_formats(m);
  lpsim::python::bind_run(m);
}
