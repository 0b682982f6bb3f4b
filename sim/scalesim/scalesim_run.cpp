// `lpsim scalesim` driver: parse, model, report.
#include "sim/scalesim/scalesim_run.hpp"

#include <cinttypes>
#include <cstdio>
#include <ostream>

#include "sim/scalesim/report_writer.hpp"
#include "sw/common/error.hpp"

namespace lpsim::scalesim {

RunResult run_scalesim(const RunOptions& opt, std::ostream* log) {
  RunResult res;
  res.config = read_config(opt.config_path);
  res.topology = read_topology(opt.topology_path, opt.kind);
  res.layers.reserve(res.topology.layers.size());
  for (const Layer& l : res.topology.layers) {
    try {
      res.layers.push_back(model_layer(res.config, l, opt.timing));
    } catch (const UserError& e) {  // native timing: a layer lpsim cannot run
      throw file_error(res.topology.path, l.line, e.what());
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
