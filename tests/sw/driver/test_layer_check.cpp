// The run's per-layer check: it reports a single wrong code with its position, and the
// compiler's lowering (im2col, weight layout, output layout) agrees with the reference's.
#include <gtest/gtest.h>

#include <random>

#include "sw/compiler/lowering.hpp"
#include "sw/driver/layer_check.hpp"
#include "sw/formats/lp_format.hpp"

namespace {

using lpsim::driver::CheckJob;
using lpsim::driver::check_layer;
using lpsim::driver::expected_codes;

// A grouped, strided, padded convolution as both check paths see it.
struct ConvCase {
  lpsim::model::Node node;
  lpsim::model::Shape in_shape{2, 6, 7, 5};
  lpsim::model::GemmView view;
  std::vector<std::uint32_t> in, w;
};

ConvCase make_case() {
  ConvCase c;
  c.node.name = "conv";
  c.node.op = lpsim::model::OpKind::Conv;
  c.node.weight_shape = {4, 3, 3, 2};  // F=4, C/groups=3, KH=3, KW=2
  c.node.attrs.groups = 2;
  c.node.attrs.stride = {2, 2};
  c.node.attrs.pads = {1, 1, 1, 1};
  const int64_t OH = (7 + 2 - 3) / 2 + 1, OW = (5 + 2 - 2) / 2 + 1;
  c.view.groups = 2;
  c.view.m = 2 * OH * OW;
  c.view.k = 3 * 3 * 2;
  c.view.n = 2;
  std::mt19937 rng(3);
  auto code = [&] { std::uint32_t v = rng() & 0xff; return v == 0x80 ? 0u : v; };
  c.in.resize(2 * 6 * 7 * 5);
  c.w.resize(4 * 3 * 3 * 2);
  for (auto& v : c.in) v = code();
  for (auto& v : c.w) v = code();
  return c;
}

CheckJob base_job(const ConvCase& c) {
  CheckJob j;
  j.spec.mode = 8;
  j.G = c.view.groups;
  j.M = c.view.m;
  j.K = c.view.k;
  j.N = c.view.n;
  j.ops.act = lpsim::ref::PostAct::relu;
  j.out = std::make_shared<lpsim::fmt::LpFormat>(lpsim::fmt::LpParams{8, 2, 3, 0});
  return j;
}

// The job as the run builds it for a convolution: the reference lowers it itself.
CheckJob direct_job(const ConvCase& c) {
  CheckJob j = base_job(c);
  j.conv_direct = true;
  j.conv = {2, 6, 7, 5, 4, 3, 2, 2, 1, 2};
  j.in_nchw = c.in;
  j.w_oihw = c.w;
  return j;
}

TEST(LayerCheck, CompilerLoweringAgreesWithTheReferenceConvolution) {
  const ConvCase c = make_case();
  const CheckJob direct = direct_job(c);
  CheckJob lowered = base_job(c);
  lowered.a = lpsim::compiler::im2col(c.node, c.in_shape, c.in, c.view);
  lowered.w = lpsim::compiler::weights_to_gemm(c.node, c.w, c.view);
  const auto want = expected_codes(direct);
  EXPECT_EQ(expected_codes(lowered), want);
  EXPECT_GT(std::count_if(want.begin(), want.end(), [](auto v) { return v != 0; }), 10);
  // Output layout round trip (NCHW <-> [M][groups*N]).
  const lpsim::model::Shape out_shape{2, 4, 4, 3};
  std::vector<std::uint32_t> gemm_out(want.begin(), want.end());
  EXPECT_EQ(lpsim::compiler::output_to_gemm(c.node, out_shape,
                                            lpsim::compiler::output_from_gemm(c.node, out_shape, gemm_out, c.view),
                                            c.view),
            gemm_out);
}

TEST(LayerCheck, OneWrongCodeIsReportedWithItsPosition) {
  CheckJob j = direct_job(make_case());
  const auto want = expected_codes(j);
  j.got.assign(want.begin(), want.end());
  EXPECT_EQ(check_layer(j), "");
  j.got[13] ^= 1u;
  char expect[160];
  std::snprintf(expect, sizeof expect, "output mismatch at index 13 (row %d, column %d): expected 0x%x, got 0x%x",
                static_cast<int>(13 / (j.G * j.N)), static_cast<int>(13 % (j.G * j.N)), want[13], j.got[13]);
  EXPECT_EQ(check_layer(j), expect);
  j.got.pop_back();
  EXPECT_NE(check_layer(j).find("output size"), std::string::npos);
}

}  // namespace
