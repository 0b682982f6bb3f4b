// lpsim: command-line entry point (sc_main). Turns every bad-input error into one line and exit
// code 2.
#include <CLI/CLI.hpp>

#include <systemc>  // declares sc_main extern "C"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include "sim/commands.hpp"
#include "sim/output/output_dir.hpp"
#include "sw/common/text.hpp"
#include "sw/common/error.hpp"

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
    // A command with both subcommands and positional arguments (`lpsim sweep FILE` and
    // `lpsim sweep merge`): a word that is not a subcommand is its argument.
    const bool takes_args =
        !node->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty();
    CLI::App* next = nullptr;
    std::string names;
    for (CLI::App* s : subs) {
      if (s->check_name(word)) next = s;
      names += (names.empty() ? "" : ", ") + s->get_name();
    }
    if (!next && takes_args) return;
    if (!next) {
      const std::string where = node == &app ? "lpsim" : "lpsim " + node->get_name();
      throw lpsim::UserError("unknown subcommand '" + word + "' of '" + where + "' (expected " +
                             names + ")");
    }
    node = next;
  }
}

int fail(const char* prefix, const char* what, int code) {
  std::fflush(stdout);
  std::cerr << prefix << lpsim::one_line(what) << "\n";
  return code;
}

}  // namespace

// The program's own main: the kernel's banner would otherwise land on stdout, which the
// subcommands' output owns; then the usual SystemC start-up, which calls sc_main.
int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  // A file-size limit (ulimit -f) makes writes fail with EFBIG, reported as an error, instead
  // of killing the process half-way through its outputs.
  std::signal(SIGXFSZ, SIG_IGN);
  return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char** argv) {
  lpsim::sim::set_invocation(argc, argv);
  CLI::App app{"lpsim: simulator of the Logarithmic-Posit Accelerator (LPA)", "lpsim"};
  app.require_subcommand(1);
  lpsim::cli::add_run_command(app);
  lpsim::cli::add_lp_command(app);
  lpsim::cli::add_demo_command(app);
  lpsim::cli::add_scalesim_command(app);
  lpsim::cli::add_sweep_command(app);
  lpsim::cli::add_lpq_command(app);
  lpsim::cli::add_compare_command(app);
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
    return fail("lpsim: error: ", e.what(), 2);
  } catch (const lpsim::UserError& e) {
    return fail("lpsim: error: ", e.what(), 2);
  } catch (const std::exception& e) {
    return fail("lpsim: internal error: ", e.what(), 1);
  }
  return 0;
}
