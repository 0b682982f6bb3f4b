// Writes SCALE-Sim v2's COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv.
#pragma once

#include <string>
#include <vector>

#include "sim/scalesim/layer_model.hpp"

namespace lpsim::scalesim {

// The three files' exact text (header and one row per layer, SCALE-Sim's ", " separators,
// trailing ",", Python float repr for float columns).
std::string compute_report_csv(const std::vector<LayerReport>& layers);
std::string bandwidth_report_csv(const std::vector<LayerReport>& layers);
std::string detailed_access_report_csv(const std::vector<LayerReport>& layers);

// Writes the three reports to OUTDIR/RUN_NAME/ (created if needed) and nothing else there but
// lpsim's marker (lpsim-run.json): each file is written beside its final name and renamed into
// place, and an existing report is replaced only when the marker says lpsim wrote it (see
// sim/output/output_dir.hpp). Throws lpsim::UserError on any file-system failure, leaving no
// temporary files behind. Returns the run directory.
std::string write_reports(const std::string& outdir, const std::string& run_name,
                          const std::vector<LayerReport>& layers);

}  // namespace lpsim::scalesim
