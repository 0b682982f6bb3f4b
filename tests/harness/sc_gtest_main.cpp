// GoogleTest inside sc_main: SystemC warnings and errors become test failures.
#include <gtest/gtest.h>

#include <systemc>

namespace {

// Every SystemC report of severity warning or above fails the running test; errors and fatals
// also stop the simulation, as they would in a real run. Info messages pass through.
void report_to_gtest(const sc_core::sc_report& rep, const sc_core::sc_actions& actions) {
  using namespace sc_core;
  if (rep.get_severity() >= SC_WARNING) {
    ADD_FAILURE() << "SystemC " << (rep.get_severity() == SC_WARNING ? "warning" : "error")
                  << " [" << rep.get_msg_type() << "] " << rep.get_msg() << " at "
                  << rep.get_file_name() << ":" << rep.get_line_number();
    if (rep.get_severity() >= SC_ERROR && sc_is_running()) sc_stop();
    return;
  }
  sc_report_handler::default_handler(rep, actions & ~(SC_THROW | SC_ABORT | SC_STOP));
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  sc_core::sc_report_handler::set_handler(report_to_gtest);
  // Deprecation chatter from the kernel itself is not a model defect.
  sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
