// SCALE-Sim v2 .cfg (INI) file: the architecture and run presets of one run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lpsim::scalesim {

enum class Dataflow { os, ws, is };
const char* to_string(Dataflow df);

// Every key of SCALE-Sim's [general], [architecture_presets] and [run_presets] sections
// (docs/scalesim.md, "Inputs"; the scale/google/eyeriss/tiny_* cfgs in tests/data/scalesim
// use exactly these).
struct ScaleSimConfig {
  std::string path;
  std::string run_name;
  std::int64_t array_height = 0, array_width = 0;  // AR, AC
  std::int64_t ifmap_sram_kb = 0, filter_sram_kb = 0, ofmap_sram_kb = 0;
  std::int64_t ifmap_offset = 0, filter_offset = 0, ofmap_offset = 0;
  std::vector<std::int64_t> bandwidth;  // words/cycle; SCALE-Sim accepts a comma list
  Dataflow dataflow = Dataflow::os;
  std::int64_t memory_banks = 1;
  bool user_bandwidth = false;  // InterfaceBandwidth USER (true) or CALC (false)
};

// Parses a cfg the way Python's configparser does for SCALE-Sim (key = value or key: value,
// option names case-insensitive, '#'/';' comment lines), but strictly: every key is required,
// unknown sections/keys, duplicates, bad numbers and a Dataflow other than os|ws|is throw
// lpsim::UserError "FILE:LINE: what".
ScaleSimConfig read_config(const std::string& path);

}  // namespace lpsim::scalesim
