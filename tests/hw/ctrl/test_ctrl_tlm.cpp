// SystemC tests of the controller: CPU -> registers, start -> DMA + backend -> done IRQ -> W1C.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <vector>

#include <systemc>
#include <tlm>

#include "hw/ctrl/controller.hpp"
#include "hw/mem/dram.hpp"
#include "hw/mem/router.hpp"
#include "tests/support/tlm_probe.hpp"

namespace lpsim::hw {
namespace {

using namespace sc_core;

constexpr std::uint64_t kRegBase = 0x4000'0000;

// The host CPU: register reads/writes through the router, body runs in a thread.
struct Cpu : test::TlmHost<Cpu> {
  using TlmHost::TlmHost;
  tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint64_t addr, std::uint32_t& v, unsigned len = 4) {
    return TlmProbe::access(cmd, addr, reinterpret_cast<unsigned char*>(&v), len);
  }
  tlm::tlm_response_status wr(std::uint32_t off, std::uint32_t v) { return access(tlm::TLM_WRITE_COMMAND, kRegBase + off, v); }
  std::uint32_t rd(std::uint32_t off) {
    std::uint32_t v = 0xdeadbeef;
    EXPECT_EQ(access(tlm::TLM_READ_COMMAND, kRegBase + off, v), tlm::TLM_OK_RESPONSE) << off;
    return v;
  }
  void write_descriptor(const LayerDescriptor& d) {
    const auto img = d.encode();
    for (std::uint32_t i = 0; i < img.size(); ++i) {
      const std::uint32_t off = regs::DESC_BASE + 4 * i;
      if (LayerDescriptor::is_desc_reg(off)) {
        EXPECT_EQ(wr(off, img[i]), tlm::TLM_OK_RESPONSE) << off;
      }
    }
  }
};

// Test backend: exact integer GEMM on int8 operands, int32 accumulators in the OB, int16
// outputs (the output format's encode, i.e. a stand-in for array + PPU + encoder).
// Cycles per tile = mt + kt + nt (any deterministic number works for the timing check).
struct IntGemmBackend : ComputeBackend {
  fmt::FormatPtr out_fmt;
  std::uint64_t tiles = 0, cycles = 0;
  std::vector<std::uint64_t> tile_cycles;
  bool fail_at_tile_3 = false;
  void begin_layer(const LayerDescriptor& l) override { out_fmt = l.fmt_o.make(); }
  TileResult run_tile(const TileJob& j) override {
    const Tile& t = *j.tile;
    if (fail_at_tile_3 && j.index == 3) return {0, false, "injected fault"};
    std::vector<std::int8_t> w(t.kt * t.nt), a(t.mt * t.kt);
    j.wb->read(j.wb_half, 0, reinterpret_cast<std::uint8_t*>(w.data()), w.size());
    j.ib->read(j.ib_half, 0, reinterpret_cast<std::uint8_t*>(a.data()), a.size());
    std::vector<std::int32_t> acc(t.mt * t.nt, 0);
    if (!t.first_k) j.ob->read(j.ob_half, 0, reinterpret_cast<std::uint8_t*>(acc.data()), acc.size() * 4);
    for (std::uint64_t m = 0; m < t.mt; ++m)
      for (std::uint64_t n = 0; n < t.nt; ++n)
        for (std::uint64_t k = 0; k < t.kt; ++k) acc[m * t.nt + n] += a[m * t.kt + k] * w[k * t.nt + n];
    j.ob->write(j.ob_half, 0, reinterpret_cast<const std::uint8_t*>(acc.data()), acc.size() * 4);
    if (t.last_k) {
      std::vector<std::uint16_t> out(acc.size());
      for (std::size_t i = 0; i < acc.size(); ++i) out[i] = static_cast<std::uint16_t>(out_fmt->encode(acc[i]));
      j.ob->write(j.ob_half, t.outputs.local_offset, reinterpret_cast<const std::uint8_t*>(out.data()), out.size() * 2);
    }
    ++tiles;
    const std::uint64_t c = t.mt + t.kt + t.nt;
    cycles += c;
    tile_cycles.push_back(c);
    return {c, true, {}};
  }
};

ControllerConfig ctrl_cfg() {
  ControllerConfig c;
  c.clock_period_ns = 2.0;
  c.tiler.array_rows = 8;
  c.tiler.array_cols = 8;
  c.tiler.wb = {"wb", 512, 2, 4, 1, true};   // forces K tiles of 32 and N tiles of 8
  c.tiler.ib = {"ib", 1024, 2, 4, 1, true};
  c.tiler.ob = {"ob", 2048, 2, 4, 1, true};
  c.dma.burst_bytes = 16;
  return c;
}

DramConfig dram_cfg() {
  DramConfig c;
  c.capacity_bytes = 1 << 20;
  c.latency_cycles = 5;
  c.bytes_per_cycle = 8;
  c.clock_period_ns = 1.0;
  return c;
}

constexpr std::uint32_t M = 20, K = 40, N = 24;

LayerDescriptor layer() {
  LayerDescriptor d;
  d.m = M; d.k = K; d.n = N;
  d.fmt_w = {FormatFamily::int_, 8, 0, 0, 0};  // int8, scale 1
  d.fmt_a = d.fmt_w;
  d.fmt_o = {FormatFamily::int_, 16, 0, 0, 0};
  d.mode = 8;
  d.w_addr = 0x1000;
  d.i_addr = 0x4000;
  d.o_addr = 0x8000;
  return d;
}

struct Bench {
  sc_signal<bool> irq{"irq"};
  Router router{"router", RouterConfig{{{kRegBase, regs::kWindowBytes, 0, "ctrl"}}}};
  Controller ctrl;
  Dram dram{"dram", dram_cfg()};
  IntGemmBackend backend;
  std::vector<std::int8_t> a, w;
  explicit Bench(const ControllerConfig& cfg = ctrl_cfg()) : ctrl("ctrl", cfg) {
    router.isock.bind(ctrl.tsock);
    ctrl.i_dma.isock.bind(dram.tsock);
    ctrl.irq_o(irq);
    ctrl.set_backend(&backend);
    a.resize(M * K);
    w.resize(K * N);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::int8_t>(static_cast<int>(i * 7 % 23) - 11);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<std::int8_t>(static_cast<int>(i * 5 % 19) - 9);
    dram.core().debug_write(0x4000, reinterpret_cast<std::uint8_t*>(a.data()), a.size());
    dram.core().debug_write(0x1000, reinterpret_cast<std::uint8_t*>(w.data()), w.size());
  }
  void bind_cpu(Cpu& cpu) {
    cpu.isock.bind(router.tsock);
    cpu.irq_i(irq);
  }
};

// DRAM cycles of one DMA job: bursts issued back to back stream through the single channel,
// the latency is paid once (hw/mem/dram.hpp).
std::uint64_t job_cycles(const DmaJob& j, const ControllerConfig& c, const DramCore& dram) {
  std::uint64_t transfer = 0;
  for (const auto& b : plan_bursts(j, c.dma.burst_bytes))
    transfer += dram.access_cycles(b.len) - dram.config().latency_cycles;
  return dram.config().latency_cycles + transfer;
}

// Fully serial time: every DMA job and every tile's compute one after another.
sc_time serial_time(const TilePlan& p, const ControllerConfig& c, const DramCore& dram, std::uint64_t compute_cycles) {
  std::uint64_t dram_cycles = 0;
  for (const Tile& t : p.tiles) {
    if (t.load_weights) dram_cycles += job_cycles(t.weights, c, dram);
    if (t.load_inputs) dram_cycles += job_cycles(t.inputs, c, dram);
    if (t.last_k) dram_cycles += job_cycles(t.outputs, c, dram);
  }
  return sc_time(dram.config().clock_period_ns * static_cast<double>(dram_cycles), SC_NS) +
         sc_time(c.clock_period_ns * static_cast<double>(compute_cycles), SC_NS);
}

// The layer schedule of docs/architecture.md, written out again: one DMA engine in issue
// order; at the start of tile i's turn (when tile i-1 finished) the store of tile i-1 and the
// loads of tile i+1 are issued; tile i computes once its loads are in and, when it opens an
// output tile, once the OB half it writes has been stored. Times in ns.
double pipelined_ns(const TilePlan& p, const ControllerConfig& c, const DramCore& dram,
                    const std::vector<std::uint64_t>& tile_cycles) {
  const double dp = dram.config().clock_period_ns, cp = c.clock_period_ns;
  double dma_free = 0, compute_free = 0, ob_free[2] = {0, 0};
  const std::size_t n = p.tiles.size();
  std::vector<double> load_end(n, 0), compute_end(n, 0);
  std::vector<unsigned> ohalf(n);
  unsigned o = 1;
  for (std::size_t i = 0; i < n; ++i) ohalf[i] = p.tiles[i].first_k ? (o ^= 1u) : o;
  auto run = [&](const DmaJob& j, double not_before) {
    const double s = std::max(dma_free, not_before);
    dma_free = s + dp * static_cast<double>(job_cycles(j, c, dram));
    return dma_free;
  };
  auto loads = [&](std::size_t j, double not_before) {
    load_end[j] = not_before;
    if (p.tiles[j].load_weights) load_end[j] = run(p.tiles[j].weights, not_before);
    if (p.tiles[j].load_inputs) load_end[j] = run(p.tiles[j].inputs, not_before);
  };
  auto store = [&](std::size_t j) { ob_free[ohalf[j]] = run(p.tiles[j].outputs, compute_end[j]); };
  loads(0, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && p.tiles[i - 1].last_k) store(i - 1);
    if (i + 1 < n) loads(i + 1, compute_free);
    double begin = std::max(load_end[i], compute_free);
    if (p.tiles[i].first_k) begin = std::max(begin, ob_free[ohalf[i]]);
    compute_end[i] = compute_free = begin + cp * static_cast<double>(tile_cycles[i]);
  }
  if (p.tiles.back().last_k) store(n - 1);
  return std::max(compute_free, dma_free);
}

TEST(ControllerTlm, StartRunsLayerRaisesDoneIrqAndW1cClears) {
  Bench b;
  sc_time started, irq_at;
  bool irq_before_enable_clear = true;
  Cpu cpu("cpu", [&](Cpu& c) {
    EXPECT_EQ(c.rd(regs::ID), regs::kIdValue);
    EXPECT_EQ(c.rd(regs::VERSION), regs::kVersionValue);
    c.write_descriptor(layer());
    EXPECT_EQ(c.wr(regs::IRQ_ENABLE, regs::IRQ_DONE), tlm::TLM_OK_RESPONSE);
    started = sc_time_stamp();
    EXPECT_EQ(c.wr(regs::CTRL, regs::CTRL_START), tlm::TLM_OK_RESPONSE);
    wait(SC_ZERO_TIME);
    wait(SC_ZERO_TIME);
    EXPECT_EQ(c.rd(regs::STATUS), regs::STATUS_BUSY);
    EXPECT_FALSE(c.irq_i.read());
    wait(c.irq_i.posedge_event());
    irq_at = sc_time_stamp();
    EXPECT_EQ(c.rd(regs::STATUS), regs::STATUS_DONE);
    EXPECT_EQ(c.rd(regs::ERROR_CODE), 0u);
    EXPECT_EQ(c.rd(regs::IRQ_STATUS), regs::IRQ_DONE);
    EXPECT_EQ(c.rd(regs::TILES_DONE), 12u);
    EXPECT_EQ(c.wr(regs::IRQ_STATUS, regs::IRQ_DONE), tlm::TLM_OK_RESPONSE);  // W1C
    wait(SC_ZERO_TIME);
    wait(SC_ZERO_TIME);
    irq_before_enable_clear = c.irq_i.read();
    EXPECT_EQ(c.rd(regs::IRQ_STATUS), 0u);
    EXPECT_EQ(c.rd(regs::STATUS), regs::STATUS_DONE);  // DONE stays until the next START
  });
  b.bind_cpu(cpu);
  sc_start();

  EXPECT_FALSE(irq_before_enable_clear);
  const TilePlan& p = b.ctrl.last_plan();
  ASSERT_EQ(p.tiles.size(), 12u);  // 3 (N) x 2 (M) x 2 (K)
  EXPECT_EQ(p.kt, 32u);
  EXPECT_EQ(p.nt, 8u);
  EXPECT_EQ(p.mt, 16u);
  EXPECT_EQ(b.backend.tiles, 12u);
  // Results equal a reference GEMM.
  std::vector<std::int16_t> out(M * N);
  b.dram.core().debug_read(0x8000, reinterpret_cast<std::uint8_t*>(out.data()), out.size() * 2);
  for (std::uint32_t m = 0; m < M; ++m)
    for (std::uint32_t n = 0; n < N; ++n) {
      int ref = 0;
      for (std::uint32_t k = 0; k < K; ++k) ref += b.a[m * K + k] * b.w[k * N + n];
      ASSERT_EQ(out[m * N + n], ref) << m << "," << n;
    }
  // Exact time: the documented schedule, DMA (DRAM clock) overlapping compute (controller
  // clock); the IRQ rises at the end of the layer, one delta after START.
  const sc_time t(pipelined_ns(p, ctrl_cfg(), b.dram.core(), b.backend.tile_cycles), SC_NS);
  EXPECT_EQ(irq_at - started, t);
  EXPECT_LT(t, serial_time(p, ctrl_cfg(), b.dram.core(), b.backend.cycles));
  const auto& s = b.ctrl.stats();
  EXPECT_EQ(s.layers_done, 1u);
  EXPECT_EQ(s.tiles, 12u);
  EXPECT_EQ(s.compute_cycles, b.backend.cycles);
  EXPECT_EQ(s.dma_bytes, p.dram_read_bytes + p.dram_write_bytes);
  EXPECT_EQ(b.dram.stats().bytes_read, p.dram_read_bytes);
  EXPECT_EQ(b.dram.stats().bytes_written, std::uint64_t{M} * N * 2);
  std::uint32_t lo = 0;
  b.ctrl.registers().read(regs::CYCLES_LO, lo);
  EXPECT_EQ(lo, static_cast<std::uint32_t>(t / sc_time(2, SC_NS)));
}

TEST(ControllerTlm, RegisterBusErrors) {
  Bench b;
  Cpu cpu("cpu", [&](Cpu& c) {
    std::uint32_t v = 1;
    EXPECT_EQ(c.wr(regs::ID, 5), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(c.wr(regs::STATUS, 5), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(c.wr(regs::CYCLES_HI, 5), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(c.access(tlm::TLM_READ_COMMAND, kRegBase + 0x8C, v), tlm::TLM_ADDRESS_ERROR_RESPONSE);  // hole
    EXPECT_EQ(c.access(tlm::TLM_READ_COMMAND, kRegBase + 0x46, v), tlm::TLM_ADDRESS_ERROR_RESPONSE);  // unaligned
    EXPECT_EQ(c.access(tlm::TLM_WRITE_COMMAND, kRegBase + 0xF0, v), tlm::TLM_ADDRESS_ERROR_RESPONSE);  // unmapped in window
    EXPECT_EQ(c.access(tlm::TLM_READ_COMMAND, kRegBase + 0x100, v), tlm::TLM_ADDRESS_ERROR_RESPONSE);  // beyond router window
    EXPECT_EQ(c.access(tlm::TLM_READ_COMMAND, kRegBase + 0x40, v, 2), tlm::TLM_BURST_ERROR_RESPONSE);  // bad length
    EXPECT_EQ(c.rd(regs::ID), regs::kIdValue);
  });
  b.bind_cpu(cpu);
  sc_start();
  EXPECT_EQ(b.ctrl.stats().ro_write_errors, 3u);
  EXPECT_EQ(b.ctrl.stats().address_errors, 3u);
  EXPECT_EQ(b.router.stats().decode_errors, 1u);
}

// Runs one layer and returns (STATUS, ERROR_CODE, IRQ line after it ended).
struct Outcome {
  std::uint32_t status = 0, error = 0;
  bool irq = false;
};
Outcome run_failing(Bench& b, const LayerDescriptor& d) {
  Outcome o;
  Cpu cpu("cpu", [&](Cpu& c) {
    c.write_descriptor(d);
    c.wr(regs::IRQ_ENABLE, regs::IRQ_ERROR);
    c.wr(regs::CTRL, regs::CTRL_START);
    wait(c.irq_i.posedge_event());
    o.status = c.rd(regs::STATUS);
    o.error = c.rd(regs::ERROR_CODE);
    o.irq = c.irq_i.read();
  });
  b.bind_cpu(cpu);
  sc_start();
  return o;
}

TEST(ControllerTlm, InvalidDescriptorRaisesErrorIrq) {
  Bench b;
  auto d = layer();
  d.mode = 5;
  const Outcome o = run_failing(b, d);
  EXPECT_EQ(o.status, regs::STATUS_ERROR);
  EXPECT_EQ(o.error, static_cast<std::uint32_t>(ErrorCode::bad_descriptor));
  EXPECT_TRUE(o.irq);
  EXPECT_EQ(b.ctrl.last_error(), "layer: mode: 5 is not 8, 4 or 2");
  EXPECT_EQ(b.backend.tiles, 0u);
}

TEST(ControllerTlm, LayerThatCannotBeTiledIsNoFit) {
  auto cfg = ctrl_cfg();
  cfg.tiler.wb = {"wb", 32, 2, 4, 1, true};  // 16-byte halves: not even an 8 x 8 weight tile
  Bench b(cfg);
  const Outcome o = run_failing(b, layer());
  EXPECT_EQ(o.error, static_cast<std::uint32_t>(ErrorCode::no_fit));
  EXPECT_EQ(b.ctrl.last_error(),
            "tiler: minimum tile (M 1 x K 8 x N 8) does not fit: wb: tile of 64 bytes exceeds the 16-byte half "
            "of a 32-byte double buffer");
}

TEST(ControllerTlm, DmaBusErrorIsPropagated) {
  Bench b;
  auto d = layer();
  d.o_addr = (1 << 20) - 64;  // output rows run past the end of DRAM
  const Outcome o = run_failing(b, d);
  EXPECT_EQ(o.error, static_cast<std::uint32_t>(ErrorCode::bus_error));
  EXPECT_NE(b.ctrl.last_error().find("dma: store of ob"), std::string::npos) << b.ctrl.last_error();
  EXPECT_EQ(b.ctrl.i_dma.stats().errors, 1u);
}

TEST(ControllerTlm, BackendFailureStopsTheLayer) {
  Bench b;
  b.backend.fail_at_tile_3 = true;
  const Outcome o = run_failing(b, layer());
  EXPECT_EQ(o.error, static_cast<std::uint32_t>(ErrorCode::backend_error));
  EXPECT_EQ(b.ctrl.last_error(), "backend: injected fault");
  EXPECT_EQ(b.backend.tiles, 3u);
}

}  // namespace
}  // namespace lpsim::hw
