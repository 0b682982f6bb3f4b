// Fuzz target: energy/area cost files (--energy FILE, sw/energy/cost_file.cpp). An accepted
// file's effective dump (energy.yaml beside a run) must parse back to the same tables.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "sw/common/error.hpp"
#include "sw/energy/cost_tables.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lpsim;
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::expect_clean<UserError>([&] {
    const energy::CostTables t = energy::parse_cost_tables(text, "energy.yaml");
    const std::string dump = energy::to_yaml(t);
    energy::CostTables again;
    try {
      again = energy::parse_cost_tables(dump, "dump.yaml");
    } catch (const UserError& e) {
      fuzz::finding(std::string("the dump does not parse back: ") + e.what() + "\n" + dump);
    }
    // The dump prints 9 significant digits: equal values within that, equal sources.
    auto same = [&](const energy::CostTable& a, const energy::CostTable& b) {
      for (const auto& e : a.entries()) {
        const energy::CostEntry& f = b.entry(e.key);
        if (std::abs(e.value - f.value) > 1e-8 * std::abs(e.value) || e.source != f.source)
          fuzz::finding("entry " + e.key + " does not read back from the dump:\n" + dump);
      }
    };
    same(t.energy, again.energy);
    same(t.area, again.area);
  });
  return 0;
}
