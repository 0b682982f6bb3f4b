// SystemC shell of the array: cycle and tile fidelity finish at the same time with the same bits.
#include <gtest/gtest.h>

#include <random>
#include <systemc>
#include <vector>

#include "hw/array/array_module.hpp"

namespace {

using namespace lpsim::hw;
using sc_core::sc_time;
using sc_core::SC_NS;

// One elaboration per process (harness): both modules live in this single test.
TEST(ArrayModule, CycleAndTileFidelityAgreeInTimeAndValues) {
  ArrayConfig cfg;
  cfg.rows = 8;
  cfg.cols = 4;
  cfg.pe.mode = 4;
  cfg.pe.act = cfg.pe.wgt = lpsim::fmt::LpParams{4, 1, 3, 0};
  const sc_time period(2, SC_NS);  // 500 MHz
  ArrayModule cyc("i_array_cycle", cfg, Fidelity::cycle, period);
  ArrayModule tile("i_array_tile", cfg, Fidelity::tile, period);

  std::mt19937 rng(3);
  const int M = 13, K = 30, N = 9, kw = words_for(K, 4);
  std::vector<std::uint8_t> a(static_cast<std::size_t>(M) * kw), w(static_cast<std::size_t>(kw) * N);
  for (auto& x : a) x = static_cast<std::uint8_t>(rng() & 0x77);  // no NaR lanes
  for (auto& x : w) x = static_cast<std::uint8_t>(rng() & 0x77);
  std::vector<i128> oc(static_cast<std::size_t>(M) * N), ot(oc.size());
  cyc.submit(GemmJob{a.data(), w.data(), oc.data(), M, kw, N});
  tile.submit(GemmJob{a.data(), w.data(), ot.data(), M, kw, N});
  cyc.submit(GemmJob{a.data(), w.data(), oc.data(), M, kw, N});  // back to back
  tile.submit(GemmJob{a.data(), w.data(), ot.data(), M, kw, N});

  sc_time t_cycle, t_tile;
  struct Watch : sc_core::sc_module {
    SC_HAS_PROCESS(Watch);
    ArrayModule& m;
    sc_time& t;
    Watch(const sc_core::sc_module_name& n, ArrayModule& mod, sc_time& out) : sc_module(n), m(mod), t(out) {
      SC_THREAD(run);
    }
    void run() {
      while (m.completed() < 2) wait(m.done_event());
      t = sc_core::sc_time_stamp();
    }
  };
  Watch wc("i_watch_cycle", cyc, t_cycle), wt("i_watch_tile", tile, t_tile);
  // An observer turns on the full register view (every PE register every clock).
  std::uint64_t steps = 0;
  EXPECT_FALSE(cyc.core().full_registers());
  cyc.set_step_observer([&](const SystolicArray&) { ++steps; });
  EXPECT_TRUE(cyc.core().full_registers());
  sc_core::sc_start(1, sc_core::SC_MS);

  const std::uint64_t cycles = SystolicArray::gemm_cycles(cfg, M, kw, N);
  EXPECT_EQ(t_cycle, period * static_cast<double>(2 * cycles));
  EXPECT_EQ(t_tile, t_cycle);
  EXPECT_EQ(cyc.core().stats().cycles, 2 * cycles);
  EXPECT_EQ(tile.core().stats().cycles, 2 * cycles);
  EXPECT_TRUE(oc == ot);
  EXPECT_EQ(cyc.completed(), 2u);
  EXPECT_EQ(steps, 2 * cycles);
  // Counted from the valid bits (cycle) == closed forms (tile).
  const ArrayStats &sc = cyc.core().stats(), &st = tile.core().stats();
  EXPECT_EQ(sc.word_macs, st.word_macs);
  EXPECT_EQ(sc.idle_pe_cycles, st.idle_pe_cycles);
  EXPECT_EQ(sc.streamed_words, st.streamed_words);
  EXPECT_EQ(sc.stationary_words, st.stationary_words);
  EXPECT_EQ(sc.outputs, st.outputs);
  EXPECT_EQ(sc.tiles, st.tiles);
  cyc.set_step_observer(nullptr);
  EXPECT_FALSE(cyc.core().full_registers());
  cyc.set_step_observer([](const SystolicArray&) {});
  ArrayConfig os = cfg;
  os.dataflow = Dataflow::os;
  cyc.reconfigure(os);  // a new core keeps the view
  EXPECT_TRUE(cyc.core().full_registers());
}

}  // namespace
