// lpsim: command-line entry point. Turns every bad-input error into one line and exit code 2.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <iostream>

#include "sim/commands.hpp"
#include "sim/user_error.hpp"
#include "sw/formats/number_format.hpp"

int main(int argc, char** argv) {
  CLI::App app{"lpsim: simulator of the Logarithmic-Posit Accelerator (LPA)", "lpsim"};
  app.require_subcommand(1);
  lpsim::cli::add_lp_command(app);
  lpsim::cli::add_demo_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fflush(stdout);
    std::cerr << "lpsim: error: " << e.what() << "\n";
    return 2;
  } catch (const lpsim::UserError& e) {
    std::fflush(stdout);
    std::cerr << "lpsim: error: " << e.what() << "\n";
    return 2;
  } catch (const lpsim::fmt::FormatError& e) {
    std::fflush(stdout);
    std::cerr << "lpsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::cerr << "lpsim: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
