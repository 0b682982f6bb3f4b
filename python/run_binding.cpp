// Runs and sweeps from Python: the run API (sim/run/pipeline.hpp) and its reporters, as `lpsim
// run` composes them (sim/cmd_run.cpp), and the sweep library (sim/sweep/sweep.hpp) as `lpsim
// sweep` does. Simulations run in forked worker processes, so SystemC never starts in the
// interpreter's process and any number of runs can follow one another. The GIL is released for
// the whole call. The package (python/lpsim/_runs.py) turns the texts into result objects.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "python/bindings.hpp"
#include "sim/output/output_dir.hpp"
#include "sim/run/pipeline.hpp"
#include "sim/run/reporters.hpp"
#include "sim/sweep/sweep.hpp"
#include "sim/workload/workload.hpp"
#include "sw/energy/cost_tables.hpp"

namespace lpsim::python {

namespace py = pybind11;

void bind_run(py::module_& m) {
  m.def(
      "_run",
      [](const std::string& path, const std::vector<std::string>& overrides, bool check,
         const std::string& energy_file, const std::string& out_dir) {
        std::string summary, layers, console, mismatch;
        bool verified = false;
        {
          py::gil_scoped_release nogil;
          const sim::Workload w = sim::load_workload(path, overrides);
          const energy::CostTables tables =
              energy_file.empty() ? energy::CostTables{} : energy::load_cost_tables(energy_file);
          // As `lpsim run --out`: the directory is checked before anything runs.
          std::optional<sim::OutputDir> output;
          if (!out_dir.empty()) output.emplace(out_dir, "run");
          const sim::Prepared prepared = sim::prepare(w, tables, energy_file);
          sim::SimulateOptions so;
          so.check = check;
          so.in_process = false;  // a worker process: never SystemC in the interpreter
          const sim::RunResult r = sim::simulate(prepared, so);
          summary = sim::summary_json(r);
          layers = sim::layers_csv(r);
          console = sim::console_text(r);
          verified = r.verified;
          mismatch = r.first_mismatch;
          if (output) {
            sim::write_run_files(*output, r, false);
            output->commit();
          }
        }
        py::dict d;
        d["summary_json"] = summary;
        d["layers_csv"] = layers;
        d["console"] = console;
        d["verified"] = verified;
        d["first_mismatch"] = mismatch;
        return d;
      },
      py::arg("path"), py::arg("overrides"), py::arg("check"), py::arg("energy"), py::arg("out"));

  // A sweep into the directory `out` (sim/sweep/sweep.hpp, as `lpsim sweep FILE --out DIR`):
  // worker processes forked with the GIL released. Returns the summary's counts; the package
  // reads results.csv.
  m.def(
      "_sweep",
      [](const std::string& path, const std::string& out, unsigned jobs) {
        sim::sweep::SweepSummary s;
        std::string name;
        {
          py::gil_scoped_release nogil;
          const sim::sweep::SweepSpec spec = sim::sweep::load_sweep(path);
          name = spec.name;
          sim::sweep::SweepOptions so;
          so.out = out;
          so.jobs = jobs;
          so.progress = false;
          s = sim::sweep::run_sweep(spec, so);
        }
        py::dict d;
        d["name"] = name;
        d["points"] = s.points;
        d["already"] = s.already;
        d["ran"] = s.ran;
        d["failed"] = s.failed;
        d["unverified"] = s.unverified;
        d["seconds"] = s.seconds;
        d["jobs"] = s.jobs;
        return d;
      },
      py::arg("path"), py::arg("out"), py::arg("jobs"));

  // What output markers record as the command (lpsim-run.json "command").
  m.def("_set_invocation", [](std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    sim::set_invocation(static_cast<int>(argv.size()), argv.data());
  });
}

}  // namespace lpsim::python
