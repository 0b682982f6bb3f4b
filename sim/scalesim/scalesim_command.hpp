// Declares the `lpsim scalesim` subcommand (defined in sim/cmd_scalesim.cpp) for main.cpp.
#pragma once

namespace CLI {
class App;
}

namespace lpsim::cli {

// Adds `scalesim -t TOPOLOGY.csv -c CONFIG.cfg [-p OUTDIR] [--timing scalesim|native]
// [-i auto|conv|gemm]`; its callback throws lpsim::UserError for bad input.
void add_scalesim_command(CLI::App& app);

}  // namespace lpsim::cli
