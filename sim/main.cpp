// lpsim: command-line entry point (sc_main). Turns every bad-input error into one line and exit code 2.
#include <CLI/CLI.hpp>

#include <systemc>  // declares sc_main extern "C"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <iostream>

#include "sim/commands.hpp"
#include "sim/user_error.hpp"
#include "sw/formats/number_format.hpp"

namespace {

// CLI11 reports an unknown subcommand word only as "A subcommand is required"; name it instead.
// Walks the leading words of the command line down the subcommand tree.
void check_subcommand_words(CLI::App& app, int argc, char** argv) {
  CLI::App* node = &app;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') return;
    const auto subs = node->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) return;
    CLI::App* next = nullptr;
    std::string names;
    for (CLI::App* s : subs) {
      if (s->check_name(word)) next = s;
      names += (names.empty() ? "" : ", ") + s->get_name();
    }
    if (!next) {
      const std::string where = node == &app ? "lpsim" : "lpsim " + node->get_name();
      throw lpsim::UserError("unknown subcommand '" + word + "' of '" + where + "' (expected " +
                             names + ")");
    }
    node = next;
  }
}

}  // namespace

// The program's own main: the kernel's banner would otherwise land on stdout, which the
// subcommands' output owns; then the usual SystemC start-up, which calls sc_main.
int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char** argv) {
  CLI::App app{"lpsim: simulator of the Logarithmic-Posit Accelerator (LPA)", "lpsim"};
  app.require_subcommand(1);
  lpsim::cli::add_run_command(app);
  lpsim::cli::add_lp_command(app);
  lpsim::cli::add_demo_command(app);
  lpsim::cli::add_scalesim_command(app);
  try {
    check_subcommand_words(app, argc, argv);
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // the subcommand already said why
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
