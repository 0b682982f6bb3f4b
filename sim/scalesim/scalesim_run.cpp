// `lpsim scalesim` driver: parse, model, report.
#include "sim/scalesim/scalesim_run.hpp"

#include <cinttypes>
#include <cstdio>
#include <exception>
#include <ostream>

#include "sim/scalesim/report_writer.hpp"
#include "sw/common/error.hpp"
#include "sw/common/parallel.hpp"

namespace lpsim::scalesim {

RunResult run_scalesim(const RunOptions& opt, std::ostream* log) {
  RunResult res;
  res.config = read_config(opt.config_path);
  res.topology = read_topology(opt.topology_path, opt.kind);
  // Layers are independent: modelled on every core, each result in its own slot; an error
  // is reported for the first failing layer in file order, whatever the thread count.
  if (opt.threads < 0 || opt.threads > 1024) throw UserError("--threads: must be 0 (every core) to 1024");
  set_threads(opt.threads);
  const std::vector<Layer>& layers = res.topology.layers;
  res.layers.resize(layers.size());
  std::vector<std::exception_ptr> errors(layers.size());
  parallel_for(static_cast<std::int64_t>(layers.size()), 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) {
      const auto k = static_cast<std::size_t>(i);
      try {
        res.layers[k] = model_layer(res.config, layers[k], opt.timing);
      } catch (...) {
        errors[k] = std::current_exception();
      }
    }
  });
  for (std::size_t k = 0; k < layers.size(); ++k) {
    if (!errors[k]) continue;
    try {
      std::rethrow_exception(errors[k]);
    } catch (const UserError& e) {  // native timing: a layer lpsim cannot run
      throw file_error(res.topology.path, layers[k].line, e.what());
    }
  }
  res.run_dir = write_reports(opt.outdir, res.config.run_name, res.layers);
  if (log) {
    const ScaleSimConfig& c = res.config;
    std::int64_t total = 0;
    for (const auto& r : res.layers) total += r.total_cycles;
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "scalesim: %s on %" PRId64 "x%" PRId64
                  " %s, %zu layers (%s), timing %s: "
                  "%" PRId64 " cycles in total\n",
                  res.topology.name.c_str(), c.array_height, c.array_width, to_string(c.dataflow),
                  res.layers.size(), res.topology.gemm ? "GEMM" : "conv",
                  opt.timing == Timing::scalesim ? "scalesim" : "native", total);
    *log << buf;
    if (opt.timing == Timing::native)
      *log << "scalesim: note: native timing is lpsim's layer schedule: tiler on the cfg SRAM "
              "sizes, array gemm_cycles, PPU, DMA at Bandwidth "
           << c.bandwidth.front() << " bytes/cycle, latency 0 (docs/scalesim.md)\n";
    *log << "scalesim: reports in " << res.run_dir << "/\n";
  }
  return res;
}

}  // namespace lpsim::scalesim
