// End to end through TLM: a host loads a layer into DRAM, programs the controller, waits for
// the interrupt and reads the result; checked bit-exactly against sw/ref, tile == cycle fidelity,
// and against the closed-form schedule (always, through the kernel-free LayerSchedule; by hand
// when memory is not the bottleneck).
#include <gtest/gtest.h>

#include <cstring>
#include <algorithm>
#include <functional>
#include <set>
#include <random>
#include <vector>

#include <systemc>

#include "hw/ctrl/ctrl_regs.hpp"
#include "hw/ctrl/layer_schedule.hpp"
#include "hw/top/accelerator.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/formats/packing.hpp"
#include "sw/ref/ref_conv.hpp"
#include "sw/ref/ref_datapath.hpp"
#include "sw/ref/ref_post.hpp"
#include "tests/support/tlm_probe.hpp"

namespace {

using namespace lpsim::hw;
using namespace sc_core;
using lpsim::fmt::LpParams;

// A host CPU: TLM accesses to DRAM and controller registers, and the interrupt line.
struct Host : lpsim::test::TlmHost<Host> {
  using TlmHost::TlmHost;

  // An access that must succeed; the host waits for the annotated delay.
  void access(tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data, unsigned len) {
    sc_time d = SC_ZERO_TIME;
    ASSERT_EQ(TlmProbe::access(cmd, addr, data, len, d), tlm::TLM_OK_RESPONSE) << "host access at 0x" << std::hex << addr;
    wait(d);
  }
  void write(std::uint64_t addr, const std::vector<std::uint8_t>& bytes) {
    for (std::size_t o = 0; o < bytes.size(); o += 4096) {
      std::vector<std::uint8_t> chunk(bytes.begin() + o, bytes.begin() + std::min(bytes.size(), o + 4096));
      access(tlm::TLM_WRITE_COMMAND, addr + o, chunk.data(), static_cast<unsigned>(chunk.size()));
    }
  }
  std::vector<std::uint8_t> read(std::uint64_t addr, std::size_t n) {
    std::vector<std::uint8_t> out(n);
    for (std::size_t o = 0; o < n; o += 4096)
      access(tlm::TLM_READ_COMMAND, addr + o, out.data() + o, static_cast<unsigned>(std::min<std::size_t>(4096, n - o)));
    return out;
  }
  void wr32(std::uint32_t off, std::uint32_t v) {
    access(tlm::TLM_WRITE_COMMAND, kCtrlBase + off, reinterpret_cast<std::uint8_t*>(&v), 4);
  }
  std::uint32_t rd32(std::uint32_t off) {
    std::uint32_t v = 0;
    access(tlm::TLM_READ_COMMAND, kCtrlBase + off, reinterpret_cast<std::uint8_t*>(&v), 4);
    return v;
  }
};

// A random GEMM layer with bias, ReLU and requantization into an LP output format.
struct Layer {
  LayerDescriptor d;
  std::vector<std::uint32_t> a, w;  // M x K, K x N codes
  std::vector<float> bias;
  std::vector<lpsim::fmt::Code> expected;  // M x N output codes from sw/ref
};

LpParams lp(const OperandFormat& f) { return {f.n, f.es, f.rs, f.sf}; }

Layer make_layer(std::uint32_t M, std::uint32_t K, std::uint32_t N, int mode, Dataflow df, unsigned seed) {
  Layer L;
  LayerDescriptor& d = L.d;
  d.op = LayerOp::gemm;
  d.m = M;
  d.k = K;
  d.n = N;
  d.mode = static_cast<std::uint32_t>(mode);
  d.dataflow = df;
  const int es = mode == 2 ? 0 : 1;
  d.fmt_a = OperandFormat{FormatFamily::lp, mode, es, mode - 1, 0};
  d.fmt_w = OperandFormat{FormatFamily::lp, mode, es, std::min(3, mode - 1), 2};
  d.fmt_o = OperandFormat{FormatFamily::lp, 8, 2, 3, 0};
  d.pp_flags = pp::BIAS | pp::RELU | pp::REQUANT;
  d.pp_scale = 0.375f;
  const std::uint64_t a_row = lpsim::fmt::packed_bytes(K, lpsim::fmt::storage_bits(mode));
  const std::uint64_t w_row = lpsim::fmt::packed_bytes(N, lpsim::fmt::storage_bits(mode));
  d.w_addr = 0x10000;
  d.i_addr = d.w_addr + K * w_row + 0x1000;
  d.b_addr = d.i_addr + M * a_row + 0x1000;
  d.o_addr = d.b_addr + N * 4 + 0x1000;
  std::mt19937 rng(seed);
  const std::uint32_t nar = 1u << (mode - 1);
  auto code = [&] {
    std::uint32_t c = rng() & ((1u << mode) - 1);
    return c == nar ? 0u : c;  // no NaR operands here (tested in the array and ref suites)
  };
  L.a.resize(std::size_t{M} * K);
  L.w.resize(std::size_t{K} * N);
  for (auto& c : L.a) c = code();
  for (auto& c : L.w) c = code();
  std::normal_distribution<float> nd(0.f, 0.5f);
  L.bias.resize(N);
  for (auto& b : L.bias) b = nd(rng);

  lpsim::ref::DatapathSpec spec;
  spec.mode = mode;
  spec.act = lp(d.fmt_a);
  spec.wgt = lp(d.fmt_w);
  const auto acc = lpsim::ref::ref_gemm(spec, L.a.data(), L.w.data(), static_cast<int>(M), static_cast<int>(K), static_cast<int>(N));
  lpsim::ref::PostOps ops;
  ops.bias = true;
  ops.act = lpsim::ref::PostAct::relu;
  ops.requant = true;
  ops.scale = static_cast<double>(d.pp_scale);
  const std::vector<double> bias_d(L.bias.begin(), L.bias.end());
  const lpsim::fmt::LpFormat out(lp(d.fmt_o));
  L.expected = lpsim::ref::post_process(ops, acc, static_cast<int>(M), static_cast<int>(N), bias_d.data(), nullptr, out);
  return L;
}

std::vector<std::uint8_t> pack_rows(const std::vector<std::uint32_t>& codes, std::size_t rows, std::size_t cols, int bits) {
  const std::size_t rb = lpsim::fmt::packed_bytes(cols, bits);
  std::vector<std::uint8_t> out(rows * rb);
  for (std::size_t r = 0; r < rows; ++r) lpsim::fmt::pack_codes(codes.data() + r * cols, cols, bits, out.data() + r * rb);
  return out;
}

struct RunResult {
  std::vector<std::uint32_t> out;
  sc_time irq_at;
  std::uint64_t cycles = 0;
  std::uint32_t status = 0, error = 0;
};

// Loads the layer, starts it, waits for the interrupt, reads the outputs back. GEMM inputs are
// M x K rows; conv inputs one NHWC image (rows of c codes), weights [groups][Kg][Ng].
void drive(Host& h, const Layer& L, RunResult& r) {
  const LayerDescriptor& d = L.d;
  const GemmShape g = d.gemm();
  const int bits = lpsim::fmt::storage_bits(static_cast<int>(d.mode));
  h.write(d.w_addr, pack_rows(L.w, g.groups * g.k, g.n, bits));
  if (d.op == LayerOp::conv)
    h.write(d.i_addr, pack_rows(L.a, std::size_t{d.h} * d.w, d.c, bits));
  else
    h.write(d.i_addr, pack_rows(L.a, d.m, d.k, bits));
  std::vector<std::uint8_t> b(L.bias.size() * 4);
  std::memcpy(b.data(), L.bias.data(), b.size());
  h.write(d.b_addr, b);
  const LayerDescriptor::Image img = d.encode();
  for (std::size_t i = 0; i < img.size(); ++i)
    if (LayerDescriptor::is_desc_reg(static_cast<std::uint32_t>(regs::DESC_BASE + 4 * i)))
      h.wr32(static_cast<std::uint32_t>(regs::DESC_BASE + 4 * i), img[i]);
  h.wr32(regs::IRQ_ENABLE, regs::IRQ_DONE | regs::IRQ_ERROR);
  h.wr32(regs::CTRL, regs::CTRL_START);
  wait(h.irq_i.posedge_event());
  r.irq_at = sc_time_stamp();
  r.status = h.rd32(regs::STATUS);
  r.error = h.rd32(regs::ERROR_CODE);
  r.cycles = h.rd32(regs::CYCLES_LO) | (std::uint64_t{h.rd32(regs::CYCLES_HI)} << 32);
  const std::size_t cols = g.n * g.groups, o_row = lpsim::fmt::packed_bytes(cols, 8);
  const auto bytes = h.read(d.o_addr, g.m * o_row);
  r.out.resize(g.m * cols);
  for (std::uint64_t m = 0; m < g.m; ++m) lpsim::fmt::unpack_codes(bytes.data() + m * o_row, cols, 8, r.out.data() + m * cols);
}

AcceleratorConfig small_config(Fidelity f) {
  AcceleratorConfig c;
  c.rows = 4;
  c.cols = 3;
  c.fidelity = f;
  c.weight_kb = 1;  // small buffers: many tiles, K tiling, prefetch and stalls
  c.input_kb = 1;
  c.output_kb = 1;
  c.dram_bytes_per_cycle = 8;
  c.dram_latency_cycles = 20;
  c.dram_bytes = 1 << 22;
  c.dma_burst_bytes = 32;
  return c;
}

struct Case {
  Dataflow df;
  int mode;
};

class TopLevel : public ::testing::TestWithParam<Case> {};

// One layer on a tile-fidelity and a cycle-fidelity accelerator, each driven by its own host,
// simulated together.
struct DualRun {
  Accelerator tile_acc, cycle_acc;
  RunResult rt, rc;
  Host ht, hc;
  explicit DualRun(const Layer& L)
      : tile_acc("tile_acc", small_config(Fidelity::tile)),
        cycle_acc("cycle_acc", small_config(Fidelity::cycle)),
        ht("ht", [this, &L](Host& h) { drive(h, L, rt); }),
        hc("hc", [this, &L](Host& h) { drive(h, L, rc); }) {
    ht.isock.bind(tile_acc.i_bus.tsock);
    hc.isock.bind(cycle_acc.i_bus.tsock);
    ht.irq_i(tile_acc.s_irq);
    hc.irq_i(cycle_acc.s_irq);
    sc_start();
  }
};

// The same layer on a tile-fidelity and a cycle-fidelity accelerator: identical output bits,
// equal to the independent reference, and identical cycle counts and interrupt times.
TEST_P(TopLevel, TileAndCycleFidelityAgreeWithTheReferenceAndEachOther) {
  const Case c = GetParam();
  const Layer L = make_layer(23, 150, 13, c.mode, c.df, 11u + static_cast<unsigned>(c.mode));
  DualRun run(L);
  const Accelerator &tile_acc = run.tile_acc, &cycle_acc = run.cycle_acc;
  const RunResult &rt = run.rt, &rc = run.rc;
  ASSERT_EQ(rt.error, 0u) << tile_acc.i_ctrl.last_error();
  ASSERT_EQ(rc.error, 0u) << cycle_acc.i_ctrl.last_error();
  EXPECT_EQ(rt.status, regs::STATUS_DONE);
  ASSERT_EQ(rt.out.size(), L.expected.size());
  for (std::size_t i = 0; i < rt.out.size(); ++i) ASSERT_EQ(rt.out[i], L.expected[i]) << "tile fidelity, output " << i;
  EXPECT_EQ(rc.out, rt.out);
  // Not a vacuous match: ReLU leaves about half the outputs, and they take many codes.
  std::set<std::uint32_t> distinct(rt.out.begin(), rt.out.end());
  EXPECT_GT(std::count_if(rt.out.begin(), rt.out.end(), [](std::uint32_t v) { return v != 0; }),
            static_cast<long>(rt.out.size() / 4));
  EXPECT_GT(distinct.size(), 10u);
  EXPECT_EQ(rc.cycles, rt.cycles);
  EXPECT_EQ(rc.irq_at, rt.irq_at);
  // The small buffers force tiling: at least three tiles exercise prefetch and OB-half reuse.
  EXPECT_GE(tile_acc.i_ctrl.last_plan().tiles.size(), 3u);
  EXPECT_EQ(tile_acc.backend().stats().array.word_macs, cycle_acc.backend().stats().array.word_macs);
}

INSTANTIATE_TEST_SUITE_P(DataflowsAndModes, TopLevel,
                         ::testing::Values(Case{Dataflow::ws, 8}, Case{Dataflow::os, 8}, Case{Dataflow::is, 8},
                                           Case{Dataflow::ws, 4}, Case{Dataflow::os, 4}, Case{Dataflow::is, 2},
                                           Case{Dataflow::ws, 2}),
                         [](const ::testing::TestParamInfo<Case>& pinfo) {
                           return to_string(pinfo.param.df) + "_mode" + std::to_string(pinfo.param.mode);
                         });

// One accelerator driven by one host through one layer; checks the run ended without error
// and its outputs equal the reference.
struct SingleRun {
  Accelerator acc;
  RunResult r;
  Host h;
  SingleRun(const AcceleratorConfig& cfg, const Layer& L)
      : acc("acc", cfg), h("h", [this, &L](Host& host) { drive(host, L, r); }) {
    h.isock.bind(acc.i_bus.tsock);
    h.irq_i(acc.s_irq);
    sc_start();
    EXPECT_EQ(r.error, 0u) << acc.i_ctrl.last_error();
    EXPECT_EQ(r.out, std::vector<std::uint32_t>(L.expected.begin(), L.expected.end()));
  }
};

// With DRAM far faster than compute, the layer takes exactly: the bias and first loads, the
// sum of every tile's array cycles (closed form) and exposed PPU cycles, and the last store.
TEST(TopLevelTiming, LayerCyclesEqualTheClosedFormWhenMemoryIsNotTheBottleneck) {
  AcceleratorConfig cfg = small_config(Fidelity::tile);
  cfg.dram_bytes_per_cycle = 4096;
  cfg.dram_latency_cycles = 0;
  cfg.dma_burst_bytes = 4096;
  const Layer L = make_layer(40, 96, 9, 8, Dataflow::ws, 5);
  SingleRun run(cfg, L);
  const Accelerator& acc = run.acc;
  const RunResult& r = run.r;

  const TilePlan& p = acc.i_ctrl.last_plan();
  ArrayConfig ac = ArrayBackend::array_config(acc.i_array.core().config(), L.d, cfg.datapath);
  auto rows = [](const DmaJob& j) { return j.rows; };  // one burst of one cycle per row
  std::uint64_t head = 1;  // the bias: one burst of one cycle
  if (p.tiles.front().load_weights) head += rows(p.tiles.front().weights);
  if (p.tiles.front().load_inputs) head += rows(p.tiles.front().inputs);
  std::uint64_t body = 0;
  for (const Tile& t : p.tiles) {
    body += SystolicArray::gemm_cycles(ac, static_cast<int>(t.mt), words_for(static_cast<int>(t.kt), 8),
                                       static_cast<int>(t.nt));
    if (t.last_k) body += t.mt * ((t.nt + static_cast<unsigned>(cfg.cols) - 1) / static_cast<unsigned>(cfg.cols));
  }
  const std::uint64_t tail = rows(p.tiles.back().outputs);
  EXPECT_GT(p.tiles.size(), 4u);
  EXPECT_EQ(r.cycles, head + body + tail);
  EXPECT_EQ(acc.i_ctrl.stats().compute_cycles, body);
  EXPECT_EQ(acc.i_ctrl.stats().stall_cycles, head);  // only the first tile waits
}

// Slow DRAM: the array waits for operands; the wait shows up as stall cycles and the layer
// takes longer than its compute.
TEST(TopLevelTiming, SlowDramStallsTheArray) {
  AcceleratorConfig cfg = small_config(Fidelity::tile);
  cfg.dram_bytes_per_cycle = 1;
  cfg.dram_latency_cycles = 200;
  const Layer L = make_layer(16, 64, 6, 8, Dataflow::ws, 9);
  SingleRun run(cfg, L);
  const auto& s = run.acc.i_ctrl.stats();
  EXPECT_GT(s.stall_cycles, 0u);
  EXPECT_GT(run.r.cycles, s.compute_cycles + s.stall_cycles);  // + first loads' latency and last store
}

// ---- TLM-2.0 protocol checks ----------------------------------------------------------------

// A whole layer (host loads, register programming, DMA bursts, interrupt, result read-back)
// through a protocol checker on every link, in any build: every link carries traffic and no
// rule is broken (a violation would also fail the test through the SystemC harness).
TEST(TopLevelTlm, LayerTrafficPassesTheProtocolCheckersWithoutAReport) {
  AcceleratorConfig cfg = small_config(Fidelity::tile);
  cfg.tlm_check = TlmCheck::on;
  const Layer L = make_layer(23, 150, 13, 8, Dataflow::ws, 3);
  SingleRun run(cfg, L);
  ASSERT_EQ(run.acc.tlm_checkers().size(), 4u);
  for (const auto& c : run.acc.tlm_checkers()) {
    EXPECT_GT(c->stats().b_transport, 0u) << c->name();
    EXPECT_EQ(c->stats().total_violations(), 0u) << c->name();
  }
  EXPECT_GT(run.acc.i_ctrl.i_dma.stats().bursts, 0u);
}

// Off (Release's default): the sockets are bound directly, nothing is added to the path.
TEST(TopLevelTlm, ChecksOffBindTheSocketsDirectly) {
  AcceleratorConfig cfg = small_config(Fidelity::tile);
  cfg.tlm_check = TlmCheck::off;
  const Layer L = make_layer(8, 16, 3, 8, Dataflow::ws, 4);
  SingleRun run(cfg, L);
  EXPECT_TRUE(run.acc.tlm_checkers().empty());
}

// ---- On-chip im2col: op conv with an NHWC input ------------------------------------------

// A random convolution (one image) with bias, ReLU and requantization; expected outputs from
// sw/ref's direct convolution (ref_conv2d), independent of the tiler and the address generator.
Layer make_conv(const lpsim::ref::ConvShape& cs, int mode, Dataflow df, unsigned seed) {
  Layer L = make_layer(1, 1, 1, mode, df, seed);  // formats, PPU flags
  LayerDescriptor& d = L.d;
  d.op = LayerOp::conv;
  d.m = d.k = 0;
  d.h = static_cast<std::uint32_t>(cs.in_h);
  d.w = static_cast<std::uint32_t>(cs.in_w);
  d.c = static_cast<std::uint32_t>(cs.in_c);
  d.r = static_cast<std::uint32_t>(cs.kh);
  d.s = static_cast<std::uint32_t>(cs.kw);
  d.stride = static_cast<std::uint32_t>(cs.stride);
  d.pad = static_cast<std::uint32_t>(cs.pad);
  d.groups = static_cast<std::uint32_t>(cs.groups);
  d.n = static_cast<std::uint32_t>(cs.out_c);
  const int bits = lpsim::fmt::storage_bits(mode);
  const std::size_t hw = static_cast<std::size_t>(cs.in_h) * cs.in_w, M = static_cast<std::size_t>(cs.out_h()) * cs.out_w();
  d.w_addr = 0x10000;
  d.i_addr = d.w_addr + std::size_t(cs.groups) * cs.kg() * lpsim::fmt::packed_bytes(cs.ng(), bits) + 0x1000;
  d.b_addr = d.i_addr + hw * lpsim::fmt::packed_bytes(cs.in_c, bits) + 0x1000;
  d.o_addr = d.b_addr + std::size_t(cs.out_c) * 4 + 0x1000;
  std::mt19937 rng(seed);
  const std::uint32_t nar = 1u << (mode - 1);
  auto code = [&] {
    const std::uint32_t c = rng() & ((1u << mode) - 1);
    return c == nar ? 0u : c;
  };
  std::vector<std::uint32_t> in_nchw(hw * cs.in_c), w_oihw(static_cast<std::size_t>(cs.out_c) * cs.kg());
  for (auto& c : in_nchw) c = code();
  for (auto& c : w_oihw) c = code();
  L.a.resize(in_nchw.size());
  for (std::size_t c = 0; c < static_cast<std::size_t>(cs.in_c); ++c)
    for (std::size_t p = 0; p < hw; ++p) L.a[p * cs.in_c + c] = in_nchw[c * hw + p];
  L.w.clear();
  for (int g = 0; g < cs.groups; ++g) {
    const auto wg = lpsim::ref::conv_weight_gemm(cs, w_oihw.data(), g);
    L.w.insert(L.w.end(), wg.begin(), wg.end());
  }
  std::normal_distribution<float> nd(0.f, 0.5f);
  L.bias.resize(static_cast<std::size_t>(cs.out_c));
  for (auto& b : L.bias) b = nd(rng);

  lpsim::ref::DatapathSpec spec;
  spec.mode = mode;
  spec.act = lp(d.fmt_a);
  spec.wgt = lp(d.fmt_w);
  const auto acc = lpsim::ref::ref_conv2d(spec, cs, in_nchw.data(), w_oihw.data());  // [out_c][M]
  std::vector<lpsim::ref::AccValue> acc_mn(acc.size());
  for (std::size_t o = 0; o < static_cast<std::size_t>(cs.out_c); ++o)
    for (std::size_t m = 0; m < M; ++m) acc_mn[m * cs.out_c + o] = acc[o * M + m];
  lpsim::ref::PostOps ops;
  ops.bias = true;
  ops.act = lpsim::ref::PostAct::relu;
  ops.requant = true;
  ops.scale = static_cast<double>(d.pp_scale);
  const std::vector<double> bias_d(L.bias.begin(), L.bias.end());
  const lpsim::fmt::LpFormat out(lp(d.fmt_o));
  L.expected = lpsim::ref::post_process(ops, acc_mn, static_cast<int>(M), cs.out_c, bias_d.data(), nullptr, out);
  return L;
}

struct ConvCase {
  const char* name;
  lpsim::ref::ConvShape shape;  // batch 1
  int mode;
  Dataflow df;
};

lpsim::ref::ConvShape conv_shape(int c, int h, int w, int out_c, int k, int stride, int pad, int groups) {
  lpsim::ref::ConvShape s;
  s.in_c = c;
  s.in_h = h;
  s.in_w = w;
  s.out_c = out_c;
  s.kh = s.kw = k;
  s.stride = stride;
  s.pad = pad;
  s.groups = groups;
  return s;
}

class TopLevelConv : public ::testing::TestWithParam<ConvCase> {};

// The accelerator builds the im2col rows on chip from the NHWC band: tile and cycle fidelity
// give the reference's output bits and equal cycles; the small buffers split the layer into
// several output-row bands and channel ranges; the DMA reads fewer input bytes than the
// im2col-expanded rows would take.
TEST_P(TopLevelConv, OnChipIm2colMatchesTheDirectConvolutionInBothFidelities) {
  const ConvCase c = GetParam();
  const Layer L = make_conv(c.shape, c.mode, c.df, 31u + static_cast<unsigned>(c.mode));
  DualRun run(L);
  const Accelerator &tile_acc = run.tile_acc, &cycle_acc = run.cycle_acc;
  const RunResult &rt = run.rt, &rc = run.rc;
  ASSERT_EQ(rt.error, 0u) << tile_acc.i_ctrl.last_error();
  ASSERT_EQ(rc.error, 0u) << cycle_acc.i_ctrl.last_error();
  ASSERT_EQ(rt.out.size(), L.expected.size());
  for (std::size_t i = 0; i < rt.out.size(); ++i) ASSERT_EQ(rt.out[i], L.expected[i]) << "tile fidelity, output " << i;
  EXPECT_EQ(rc.out, rt.out);
  EXPECT_GT(std::count_if(rt.out.begin(), rt.out.end(), [](std::uint32_t v) { return v != 0; }),
            static_cast<long>(rt.out.size() / 5));
  EXPECT_EQ(rc.cycles, rt.cycles);
  EXPECT_EQ(rc.irq_at, rt.irq_at);
  const TilePlan& p = tile_acc.i_ctrl.last_plan();
  EXPECT_GT(p.tiles.size(), 1u);
  // Input bytes the DMA fetched vs the im2col rows [groups][M][Kg] the GEMM path would fetch.
  const GemmShape g = L.d.gemm();
  std::uint64_t in_bytes = 0;
  for (const Tile& t : p.tiles)
    if (t.load_inputs) in_bytes += t.inputs.total_bytes();
  const std::uint64_t im2col_bytes = g.groups * g.m * lpsim::fmt::packed_bytes(g.k, lpsim::fmt::storage_bits(c.mode));
  // (With a stride larger than the kernel the band holds pixels no window uses: the host keeps
  // such convolutions on the GEMM path, sw/driver conv_on_chip.)
  if (c.shape.stride <= c.shape.kh) {
    EXPECT_LT(in_bytes, im2col_bytes);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, TopLevelConv,
    ::testing::Values(
        // 3x3, pad 1, stride 1; channel ranges of 4 + 2 (K tiles) and bands of output rows
        ConvCase{"pad1_mode8_ws", conv_shape(6, 9, 7, 10, 3, 1, 1, 1), 8, Dataflow::ws},
        // stride 2, ragged output rows and width, 4-bit lanes, os
        ConvCase{"stride2_ragged_mode4_os", conv_shape(10, 21, 17, 7, 3, 2, 1, 1), 4, Dataflow::os},
        // depthwise: one 4-bit channel per group, so group channels start inside a byte
        ConvCase{"depthwise_mode4_ws", conv_shape(9, 8, 6, 9, 3, 1, 1, 9), 4, Dataflow::ws},
        // grouped 5x5, pad 2, stride 2, 2-bit lanes, is
        ConvCase{"grouped5x5_mode2_is", conv_shape(8, 10, 10, 8, 5, 2, 2, 2), 2, Dataflow::is},
        // 1x1, stride 2, no padding (a ResNet downsample)
        ConvCase{"pointwise_stride2_mode8_ws", conv_shape(12, 7, 7, 6, 1, 2, 0, 1), 8, Dataflow::ws}),
    [](const ::testing::TestParamInfo<ConvCase>& pinfo) { return std::string(pinfo.param.name); });

// ---- The layer schedule in closed form (what an analytic fidelity computes) ----------------

// One layer on a tile-fidelity accelerator; the layer observer gives its start and end.
struct ObservedRun {
  Accelerator acc;
  RunResult r;
  Host h;
  sc_time start, end;
  ObservedRun(const AcceleratorConfig& cfg, const Layer& L)
      : acc("acc", cfg), h("h", [this, &L](Host& host) { drive(host, L, r); }) {
    h.isock.bind(acc.i_bus.tsock);
    h.irq_i(acc.s_irq);
    acc.i_ctrl.set_layer_observer([this](const LayerEnd& e) {
      start = e.start;
      end = e.end;
    });
    sc_start();
    EXPECT_EQ(r.error, 0u) << acc.i_ctrl.last_error();
    EXPECT_EQ(r.out, std::vector<std::uint32_t>(L.expected.begin(), L.expected.end()));
  }
};

struct ScheduleCase {
  const char* name;
  bool conv;
  Dataflow df;
  int mode;
  bool residual;
  unsigned dram_bytes_per_cycle, dram_latency;
  std::uint32_t m, k, n;  // gemm shape; conv: channels, height/width, output channels (3x3, pad 1)
};

class TopLevelSchedule : public ::testing::TestWithParam<ScheduleCase> {};

// The kernel-free LayerSchedule driven by closed forms - the DRAM's D(job) = latency +
// sum of ceil(burst / B), the array's gemm_cycles and the PPU's mt * ceil(nt / lanes) - gives
// the controller's per-tile timeline (loads, compute, PPU tail, stores), stall cycles and
// CYCLES exactly, without simulating a value.
TEST_P(TopLevelSchedule, ClosedFormScheduleEqualsTheSimulatedTimeline) {
  const ScheduleCase c = GetParam();
  AcceleratorConfig cfg = small_config(Fidelity::tile);
  cfg.dram_bytes_per_cycle = c.dram_bytes_per_cycle;
  cfg.dram_latency_cycles = c.dram_latency;
  Layer L = c.conv ? make_conv(conv_shape(static_cast<int>(c.m), static_cast<int>(c.k), static_cast<int>(c.k),
                                          static_cast<int>(c.n), 3, 1, 1, 1),
                               c.mode, c.df, 41)
                   : make_layer(c.m, c.k, c.n, c.mode, c.df, 43);
  if (c.residual) {  // an unwritten residual reads 0: the outputs stay the reference's
    L.d.pp_flags |= pp::RESIDUAL;
    L.d.r_addr = 0x200000;
  }
  ObservedRun run(cfg, L);
  const Accelerator& acc = run.acc;
  const TilePlan& p = acc.i_ctrl.last_plan();
  ASSERT_GE(p.tiles.size(), 4u);

  const ArrayConfig ac = ArrayBackend::array_config(acc.i_array.core().config(), L.d, cfg.datapath);
  const std::uint64_t lanes = static_cast<std::uint64_t>(cfg.ppu_lanes ? cfg.ppu_lanes : cfg.cols);
  const DramTiming dram{cfg.dram_bytes_per_cycle, cfg.dram_latency_cycles, cfg.dma_burst_bytes};
  ScheduleCosts costs;
  costs.dma = [&](const SchedStep& s) { return dram_job_cycles(s.rows, s.row_bytes, dram); };
  costs.compute = [&](const Tile& t, std::size_t) {
    const SchedTime ppu = t.last_k ? t.mt * ((t.nt + lanes - 1) / lanes) : 0;
    const SchedTime a = SystolicArray::gemm_cycles(ac, static_cast<int>(t.mt), words_for(static_cast<int>(t.kt), c.mode),
                                                   static_cast<int>(t.nt));
    return TileCost{a + ppu, ppu};
  };
  const LayerTimeline tl = schedule_layer(p.tiles, schedule_options(L.d, p, cfg.controller().tiler), costs);

  const sc_time P = acc.clock_period();
  auto cyc = [&](const sc_time& t) { return static_cast<SchedTime>((t - run.start) / P + 0.5); };
  const std::vector<TileTiming>& sim = acc.i_ctrl.last_timeline();
  ASSERT_EQ(sim.size(), tl.tiles.size());
  bool stalled = false;
  for (std::size_t i = 0; i < sim.size(); ++i) {
    const TileTiming& s = sim[i];
    const TileSchedule& e = tl.tiles[i];
    EXPECT_EQ(cyc(s.load_start), e.load_start) << "tile " << i;
    EXPECT_EQ(cyc(s.load_end), e.load_end) << "tile " << i;
    EXPECT_EQ(cyc(s.compute_start), e.compute_start) << "tile " << i;
    EXPECT_EQ(cyc(s.post_start), e.post_start) << "tile " << i;
    EXPECT_EQ(cyc(s.compute_end), e.compute_end) << "tile " << i;
    if (p.tiles[i].last_k) {
      EXPECT_EQ(cyc(s.store_start), e.store_start) << "tile " << i;
      EXPECT_EQ(cyc(s.store_end), e.store_end) << "tile " << i;
    }
    stalled = stalled || (i > 0 && e.stall > 0);
  }
  EXPECT_EQ(cyc(run.end), tl.end);
  EXPECT_EQ(run.r.cycles, tl.end);
  EXPECT_EQ(acc.i_ctrl.stats().stall_cycles, tl.stall);
  if (c.dram_bytes_per_cycle == 1) {
    EXPECT_TRUE(stalled);  // memory-bound: tiles after the first wait too
  }
}

INSTANTIATE_TEST_SUITE_P(
    Layers, TopLevelSchedule,
    ::testing::Values(ScheduleCase{"gemm_ws_mode8", false, Dataflow::ws, 8, false, 8, 20, 40, 96, 9},
                      ScheduleCase{"gemm_os_mode4_residual", false, Dataflow::os, 4, true, 8, 20, 40, 300, 21},
                      ScheduleCase{"gemm_is_mode2_slow_dram", false, Dataflow::is, 2, true, 1, 200, 40, 600, 21},
                      ScheduleCase{"conv_ws_mode8_residual", true, Dataflow::ws, 8, true, 8, 20, 6, 9, 10},
                      ScheduleCase{"conv_os_mode4_slow_dram", true, Dataflow::os, 4, false, 1, 150, 24, 10, 12}),
    [](const ::testing::TestParamInfo<ScheduleCase>& pinfo) { return std::string(pinfo.param.name); });

}  // namespace
