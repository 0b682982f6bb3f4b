// Fuzz target: ONNX model files (sw/model/onnx_import), imported into a model graph with shape
// inference (what `lpsim run` does with an `onnx:` workload before anything is simulated).
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/user_error.hpp"
#include "sw/model/onnx_import.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lpsim;
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);  // parse failures are expected, not news
    return true;
  }();
  (void)quiet;
  const std::string path = fuzz::write_file("model.onnx", data, size);
  fuzz::expect_clean<UserError>([&] { (void)model::import_onnx(path); });
  return 0;
}
