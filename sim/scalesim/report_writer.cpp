// SCALE-Sim v2 report files, byte-compatible, written through a temporary directory.
#include "sim/scalesim/report_writer.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "sim/scalesim/py_float.hpp"
#include "sim/user_error.hpp"

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
  std::error_code ec;
  const fs::path out = outdir.empty() ? fs::path(".") : fs::path(outdir);
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out))
    throw file_error(outdir, 0, "cannot create output directory: " + ec.message());
  const fs::path final_dir = out / run_name;
  if (fs::exists(final_dir, ec) && !fs::is_directory(final_dir, ec))
    throw file_error(final_dir.string(), 0, "exists and is not a directory");

  // A unique hidden sibling, so the final rename stays within one file system.
  std::random_device rd;
  fs::path tmp;
  for (int attempt = 0;; ++attempt) {
    tmp = out / ("." + run_name + ".tmp." + std::to_string(::getpid()) + "." +
                 std::to_string(rd() % 1000000));
    if (fs::create_directory(tmp, ec)) break;
    if (attempt > 20) throw file_error(tmp.string(), 0, "cannot create temporary directory");
  }
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code e;
      if (!p.empty()) fs::remove_all(p, e);
    }
  } cleanup{tmp};

  for (int k = 0; k < 3; ++k) {
    const fs::path p = tmp / kFiles[k];
    std::ofstream o(p, std::ios::binary);
    o << texts[k];
    o.close();
    if (!o) throw file_error(p.string(), 0, "cannot write report");
  }
  if (!fs::exists(final_dir, ec)) {
    fs::rename(tmp, final_dir, ec);
    if (ec)
      throw file_error(final_dir.string(), 0, "cannot move reports into place: " + ec.message());
    cleanup.p.clear();
  } else {
    for (const char* name : kFiles) {
      fs::rename(tmp / name, final_dir / name, ec);
      if (ec)
        throw file_error((final_dir / name).string(), 0,
                         "cannot move report into place: " + ec.message());
    }
  }
  return final_dir.string();
}

}  // namespace lpsim::scalesim
