// Fuzz target: SCALE-Sim .cfg files (sim/scalesim/scalesim_config).
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/scalesim/scalesim_config.hpp"
#include "sw/common/error.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lpsim;
  const std::string path = fuzz::write_file("run.cfg", data, size);
  fuzz::expect_clean<UserError>([&] {
    const scalesim::ScaleSimConfig c = scalesim::read_config(path);
    if (c.array_height < 1 || c.array_width < 1 || c.bandwidth.empty())
      fuzz::finding("config accepted without an array or a bandwidth");
  });
  return 0;
}
