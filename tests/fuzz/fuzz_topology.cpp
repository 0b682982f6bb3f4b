// Fuzz target: SCALE-Sim topology CSVs (sim/scalesim/topology). The first byte picks the
// topology kind (automatic, conv, GEMM); the rest is the file. Every layer's derived sizes
// (output size, MACs, footprints) are computed as the timing models do.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/scalesim/topology.hpp"
#include "sw/common/error.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lpsim;
  if (size < 1) return 0;
  const auto kind = static_cast<scalesim::TopologyKind>(data[0] % 3);
  const std::string path = fuzz::write_file("topo.csv", data + 1, size - 1);
  fuzz::expect_clean<UserError>([&] {
    const scalesim::Topology t = scalesim::read_topology(path, kind);
    std::int64_t sum = 0;
    for (const auto& l : t.layers) {
      if (l.ofmap_h() < 1 || l.ofmap_w() < 1 || l.macs() < 1)
        fuzz::finding("layer '" + l.name + "' accepted with an empty output");
      sum ^= l.ifmap_footprint() ^ l.filter_footprint() ^ l.macs();
    }
    (void)sum;
  });
  return 0;
}
