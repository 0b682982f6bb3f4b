// SCALE-Sim v2 report files, byte-compatible, written through a temporary directory.
#include "sim/scalesim/report_writer.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/output/output_dir.hpp"
#include "sim/scalesim/py_float.hpp"
#include "sw/common/error.hpp"

namespace lpsim::scalesim {

namespace fs = std::filesystem;

namespace {

const char* const kFiles[3] = {"COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv",
                               "DETAILED_ACCESS_REPORT.csv"};

std::string f(double v) {
  return py_float_repr(v);
}
std::string i(std::int64_t v) {
  return std::to_string(v);
}

}  // namespace

std::string compute_report_csv(const std::vector<LayerReport>& layers) {
  std::ostringstream os;
  os << "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute "
        "Util %,\n";
  for (std::size_t id = 0; id < layers.size(); ++id) {
    const LayerReport& r = layers[id];
    os << id << ", " << i(r.total_cycles) << ", " << i(r.stall_cycles) << ", " << f(r.overall_util)
       << ", " << f(r.mapping_eff) << ", " << f(r.compute_util) << ",\n";
  }
  return os.str();
}

std::string bandwidth_report_csv(const std::vector<LayerReport>& layers) {
  std::ostringstream os;
  os << "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, "
        "Avg FILTER DRAM BW, Avg OFMAP DRAM BW,\n";
  for (std::size_t id = 0; id < layers.size(); ++id) {
    const LayerReport& r = layers[id];
    os << id << ", " << f(r.avg_ifmap_sram_bw) << ", " << f(r.avg_filter_sram_bw) << ", "
       << f(r.avg_ofmap_sram_bw) << ", " << f(r.avg_ifmap_dram_bw) << ", "
       << f(r.avg_filter_dram_bw) << ", " << f(r.avg_ofmap_dram_bw) << ",\n";
  }
  return os.str();
}

std::string detailed_access_report_csv(const std::vector<LayerReport>& layers) {
  std::ostringstream os;
  os << "LayerID, SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads, SRAM Filter "
        "Start Cycle, SRAM Filter Stop Cycle, SRAM Filter Reads, SRAM OFMAP Start Cycle, SRAM "
        "OFMAP Stop Cycle, SRAM OFMAP Writes, DRAM IFMAP Start Cycle, DRAM IFMAP Stop Cycle, "
        "DRAM IFMAP Reads, DRAM Filter Start Cycle, DRAM Filter Stop Cycle, DRAM Filter Reads, "
        "DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, DRAM OFMAP Writes,\n";
  for (std::size_t id = 0; id < layers.size(); ++id) {
    const LayerReport& r = layers[id];
    os << id << ", " << f(r.ifmap_sram_start) << ", " << f(r.ifmap_sram_stop) << ", "
       << i(r.ifmap_sram_reads) << ", " << f(r.filter_sram_start) << ", " << f(r.filter_sram_stop)
       << ", " << i(r.filter_sram_reads) << ", " << f(r.ofmap_sram_start) << ", "
       << f(r.ofmap_sram_stop) << ", " << i(r.ofmap_sram_writes) << ", " << f(r.ifmap_dram_start)
       << ", " << f(r.ifmap_dram_stop) << ", " << i(r.ifmap_dram_reads) << ", "
       << f(r.filter_dram_start) << ", " << f(r.filter_dram_stop) << ", " << i(r.filter_dram_reads)
       << ", " << f(r.ofmap_dram_start) << ", " << f(r.ofmap_dram_stop) << ", "
       << i(r.ofmap_dram_writes) << ",\n";
  }
  return os.str();
}

std::string write_reports(const std::string& outdir, const std::string& run_name,
                          const std::vector<LayerReport>& layers) {
  const std::string texts[3] = {compute_report_csv(layers), bandwidth_report_csv(layers),
                                detailed_access_report_csv(layers)};
  const fs::path out = outdir.empty() ? fs::path(".") : fs::path(outdir);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out))
    throw file_error(outdir, 0, "cannot create output directory" + (ec ? ": " + ec.message() : std::string()));
  const fs::path final_dir = out / run_name;
  // Only the three reports (and lpsim's marker) are written; nothing else in the directory is
  // touched, and a report file is replaced only when lpsim wrote it.
  sim::publish_files(final_dir,
                     {{kFiles[0], texts[0]}, {kFiles[1], texts[1]}, {kFiles[2], texts[2]}}, "scalesim");
  return final_dir.string();
}

}  // namespace lpsim::scalesim
