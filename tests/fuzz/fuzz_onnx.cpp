// Fuzz target: ONNX model files (sw/model/onnx_import), imported into a model graph with shape
// inference (what `lpsim run` does with an `onnx:` workload before anything is simulated).
// In the libFuzzer build a structure-aware mutator (proto_mutator.hpp) changes the model's
// fields; libFuzzer's byte mutations still cover broken protobuf.
#include <google/protobuf/stubs/logging.h>
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "sw/common/error.hpp"
#include "sw/model/onnx_import.hpp"
#include "tests/fuzz/fuzz_common.hpp"
#ifdef LPSIM_LIBFUZZER
#include "tests/fuzz/proto_mutator.hpp"

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
  return lpsim::fuzz::mutate_proto<onnx::ModelProto>(data, size, max_size, seed);
}
#endif

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
