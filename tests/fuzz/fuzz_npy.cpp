// Fuzz target: .npy workload inputs (sim/run/npy).
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/run/npy.hpp"
#include "sw/common/error.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lpsim;
  const std::string path = fuzz::write_file("input.npy", data, size);
  fuzz::expect_clean<UserError>([&] {
    const sim::NpyArray a = sim::read_npy(path);
    std::size_t count = 1;
    for (auto d : a.shape) {
      if (d < 0) fuzz::finding("negative dimension accepted");
      count *= static_cast<std::size_t>(d);
    }
    if (count != a.data.size()) fuzz::finding("shape does not match the element count");
  });
  return 0;
}
