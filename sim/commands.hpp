// Subcommands of the lpsim program; each lives in its own cmd_<name>.cpp.
#pragma once

namespace CLI {
class App;
}

namespace lpsim::cli {

// Each adds its subcommand to `app`; the subcommand's callback does the work and throws
// lpsim::UserError (or fmt::FormatError) for bad input.
void add_lp_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_scalesim_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_lpq_command(CLI::App& app);
void add_compare_command(CLI::App& app);

}  // namespace lpsim::cli
