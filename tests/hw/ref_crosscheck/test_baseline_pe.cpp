// Baseline PE types (issue 13): the PE decoders (hw/pe/scalar_pe) against the formats' codecs,
// the reference (sw/ref/ref_baseline) on tiny known values, and the systolic array (tile and
// cycle fidelity, every dataflow and MODE) against the reference bit for bit on random GEMMs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "hw/array/systolic_array.hpp"
#include "hw/common/config_error.hpp"
#include "hw/pe/scalar_pe.hpp"
#include "hw/pe/wide_acc.hpp"
#include "sw/formats/adaptivfloat_format.hpp"
#include "sw/formats/flint_format.hpp"
#include "sw/formats/fp8_format.hpp"
#include "sw/formats/int_format.hpp"
#include "sw/formats/posit_format.hpp"
#include "sw/ref/ref_baseline.hpp"

namespace {

namespace hw = lpsim::hw;
namespace ref = lpsim::ref;
namespace fmt = lpsim::fmt;
using hw::ScalarFamily;
using hw::ScalarOperand;

// The sw codec of a register operand (what the host quantizes with and the reference reads).
fmt::FormatPtr codec(const ScalarOperand& f) {
  switch (f.family) {
    case ScalarFamily::posit:
      return std::make_shared<fmt::PositFormat>(fmt::PositParams{f.n, f.es});
    case ScalarFamily::af:
      return std::make_shared<fmt::AdaptivFloatFormat>(fmt::AdaptivFloatParams{f.n, f.es, f.sf});
    case ScalarFamily::fp8_e4m3:
      return std::make_shared<fmt::Fp8Format>(fmt::Fp8Kind::E4M3);
    case ScalarFamily::fp8_e5m2:
      return std::make_shared<fmt::Fp8Format>(fmt::Fp8Kind::E5M2);
    case ScalarFamily::int_:
      return std::make_shared<fmt::IntFormat>(fmt::IntParams{f.n, std::ldexp(1.0, -f.sf)});
    case ScalarFamily::flint:
      return std::make_shared<fmt::FlintFormat>(fmt::FlintParams{f.n, std::ldexp(1.0, -f.sf)});
  }
  return nullptr;
}

struct Case {
  hw::PeType type;
  int mode;
  ScalarOperand act, wgt;
};

const Case kCases[] = {
    {hw::PeType::posit, 8, {ScalarFamily::posit, 8, 1, 0}, {ScalarFamily::posit, 8, 1, 0}},
    {hw::PeType::posit, 8, {ScalarFamily::posit, 8, 0, 0}, {ScalarFamily::posit, 8, 2, 0}},
    {hw::PeType::posit, 4, {ScalarFamily::posit, 4, 1, 0}, {ScalarFamily::posit, 4, 0, 0}},
    {hw::PeType::posit, 2, {ScalarFamily::posit, 2, 0, 0}, {ScalarFamily::posit, 2, 1, 0}},
    {hw::PeType::adaptivfloat, 8, {ScalarFamily::af, 8, 3, -7}, {ScalarFamily::af, 8, 3, -12}},
    {hw::PeType::adaptivfloat, 8, {ScalarFamily::af, 8, 4, 3}, {ScalarFamily::af, 8, 2, -5}},
    {hw::PeType::adaptivfloat, 4, {ScalarFamily::af, 4, 2, -2}, {ScalarFamily::af, 4, 1, 0}},
    {hw::PeType::fp8, 8, {ScalarFamily::fp8_e4m3, 8, 0, 0}, {ScalarFamily::fp8_e4m3, 8, 0, 0}},
    {hw::PeType::fp8, 8, {ScalarFamily::fp8_e5m2, 8, 0, 0}, {ScalarFamily::fp8_e4m3, 8, 0, 0}},
    {hw::PeType::fp8, 8, {ScalarFamily::fp8_e5m2, 8, 0, 0}, {ScalarFamily::fp8_e5m2, 8, 0, 0}},
    {hw::PeType::ant, 8, {ScalarFamily::int_, 8, 0, 4}, {ScalarFamily::flint, 8, 0, 9}},
    {hw::PeType::ant, 8, {ScalarFamily::flint, 8, 0, -2}, {ScalarFamily::flint, 8, 0, 3}},
    {hw::PeType::ant, 4, {ScalarFamily::flint, 4, 0, 1}, {ScalarFamily::int_, 4, 0, 2}},
    {hw::PeType::ant, 4, {ScalarFamily::int_, 4, 0, 0}, {ScalarFamily::int_, 4, 0, -1}},
};

std::string describe(const Case& c) {
  return hw::to_string(c.type) + " mode " + std::to_string(c.mode) + " " + hw::to_string(c.act) +
         " x " + hw::to_string(c.wgt);
}

hw::PeConfig pe_of(const Case& c) {
  hw::PeConfig p;
  p.type = c.type;
  p.mode = c.mode;
  p.act_s = c.act;
  p.wgt_s = c.wgt;
  return p;
}

TEST(BaselinePe, DecodersEqualTheFormatCodecsOnEveryCode) {
  for (const Case& c : kCases)
    for (const ScalarOperand* f : {&c.act, &c.wgt}) {
      const fmt::FormatPtr sw = codec(*f);
      for (std::uint32_t code = 0; code < (1u << f->n); ++code) {
        const hw::ScalarDecoded d = hw::decode_scalar(*f, code);
        const double v = sw->decode(code);
        if (std::isnan(v) || std::isinf(v)) {
          EXPECT_TRUE(d.nar) << hw::to_string(*f) << " code " << code;
        } else if (v == 0) {
          EXPECT_TRUE(d.zero && !d.nar) << hw::to_string(*f) << " code " << code;
        } else {
          ASSERT_FALSE(d.zero || d.nar) << hw::to_string(*f) << " code " << code;
          EXPECT_EQ(std::ldexp(d.neg ? -double(d.sig) : double(d.sig), d.exp), v)
              << hw::to_string(*f) << " code " << code;
        }
      }
    }
}

TEST(BaselinePe, ReferenceOnTinyKnownValues) {
  // posit<8,1>: 0x40 = 1, 0x50 = 2, 0x60 = 4, two's complement negatives; 0x80 NaR.
  const auto p8 = std::make_shared<fmt::PositFormat>(fmt::PositParams{8, 1});
  const ref::RefBaselineDatapath pp(p8, p8);
  const std::uint32_t a[3] = {0x40, 0x50, 0x60}, w[3] = {0x50, 0xC0, 0x40};  // 0xC0 = -1
  EXPECT_EQ(pp.dot(a, w, 3).to_double(), 1.0 * 2 + 2.0 * -1 + 4.0 * 1);
  const std::uint32_t nar[1] = {0x80}, one[1] = {0x40};
  EXPECT_TRUE(pp.dot(nar, one, 1).nar);
  EXPECT_TRUE(std::isnan(pp.dot(one, nar, 1).to_double()));
  // FP8: E4M3 0x38 = 1, 0x40 = 2, 0x01 = 2^-9 (subnormal); E5M2 0x7c = inf -> NaR.
  const auto e4 = std::make_shared<fmt::Fp8Format>(fmt::Fp8Kind::E4M3);
  const auto e5 = std::make_shared<fmt::Fp8Format>(fmt::Fp8Kind::E5M2);
  const ref::RefBaselineDatapath f8(e4, e4);
  const std::uint32_t fa[2] = {0x40, 0x01}, fw[2] = {0x38, 0x01};
  EXPECT_EQ(f8.dot(fa, fw, 2).to_double(), 2.0 + std::ldexp(1.0, -18));
  EXPECT_EQ(f8.lsb_exp(), -18);
  const ref::RefBaselineDatapath f85(e5, e4);
  const std::uint32_t inf[1] = {0x7c}, zero_e4[1] = {0x00};
  EXPECT_TRUE(f85.dot(inf, zero_e4, 1).nar);  // inf * 0: NaR, not 0
  // flint<4, 1>: magnitudes 0 1 2 3 4 6 8 16; 0b0101 = 6, 0b1111 = -16 (sign-magnitude).
  const auto fl = std::make_shared<fmt::FlintFormat>(fmt::FlintParams{4, 1.0});
  const auto i4 = std::make_shared<fmt::IntFormat>(fmt::IntParams{4, 0.5});
  const ref::RefBaselineDatapath ant(fl, i4);
  const std::uint32_t la[2] = {0x5, 0xF}, lw[2] = {0x3, 0xF};  // int4 0x3 = 1.5, 0xF = -0.5
  EXPECT_EQ(ant.dot(la, lw, 2).to_double(), 6 * 1.5 + (-16) * (-0.5));
  // AdaptivFloat<8,3,-7>: code 0x01 = (16+1) * 2^(-7-4); the smallest LSB: 2^-11.
  const auto af = std::make_shared<fmt::AdaptivFloatFormat>(fmt::AdaptivFloatParams{8, 3, -7});
  const ref::RefBaselineDatapath afr(af, af);
  const std::uint32_t c1[1] = {0x01};
  EXPECT_EQ(afr.dot(c1, c1, 1).to_double(), std::ldexp(17.0 * 17.0, -22));
  EXPECT_EQ(afr.lsb_exp(), -22);
}

TEST(BaselinePe, ReferenceAndPeTakeGridsBeyond127BitsOnTheWidePath) {
  // posit<8,4> x posit<8,4> needs 402 bits (max_k = 65536): the wide path on both sides, the
  // same values; beyond kRefMaxExactBits the reference refuses.
  const auto p = std::make_shared<fmt::PositFormat>(fmt::PositParams{8, 4});
  const ref::RefBaselineDatapath pr(p, p);
  EXPECT_THROW(ref::RefBaselineDatapath(p, p, std::int64_t{1} << 62), ref::RefError);
  hw::PeConfig c;
  c.type = hw::PeType::posit;
  c.act_s = c.wgt_s = {ScalarFamily::posit, 8, 4, 0};
  EXPECT_NO_THROW(c.validate());
  {
    const hw::ScalarPeArith pe(c);
    ASSERT_TRUE(pe.wide());
    EXPECT_EQ(pe.acc().lsb_exp(), pr.lsb_exp());
    // maxpos^2 + minpos^2 - maxpos^2 = minpos^2 exactly; minpos^2 + maxpos^2 to double.
    const std::uint32_t a1[3] = {0x7F, 0x01, 0x81}, w1[3] = {0x7F, 0x01, 0x7F};
    EXPECT_EQ(pr.dot(a1, w1, 3).to_double(), std::ldexp(1.0, -192));
    EXPECT_EQ(pr.dot(a1, w1, 2).to_double(), std::ldexp(1.0, 192));
    hw::WideAcc s = 0;
    for (int i = 0; i < 3; ++i) s += pe.word_product_wide(static_cast<std::uint8_t>(a1[i]), static_cast<std::uint8_t>(w1[i]));
    EXPECT_EQ(hw::wide_to_double(s, pe.acc().lsb_exp()), std::ldexp(1.0, -192));
    // Every code pair: the same value through both.
    for (std::uint32_t a = 0; a < 256; ++a)
      for (std::uint32_t w = 0; w < 256; ++w) {
        const ref::AccValue r = pr.dot(&a, &w, 1);
        const hw::WideAcc h = pe.word_product_wide(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(w));
        ASSERT_EQ(r.nar, hw::is_wide_nar(h));
        if (!r.nar) {
          ASSERT_EQ(r.to_double(), hw::wide_to_double(h, pe.acc().lsb_exp())) << a << " " << w;
        }
      }
  }
  c.act_s = c.wgt_s = {ScalarFamily::posit, 8, 1, 0};
  EXPECT_NO_THROW(c.validate());
  c.acc_mode = hw::AccMode::small_float;  // baseline PEs: exact accumulator only
  EXPECT_THROW(c.validate(), hw::ConfigError);
  c.acc_mode = hw::AccMode::exact;
  c.act_s = {ScalarFamily::af, 8, 3, 0};  // an af operand on the posit PE
  EXPECT_THROW(c.validate(), hw::ConfigError);
  c.act_s = {ScalarFamily::posit, 4, 1, 0};  // width != MODE
  EXPECT_THROW(c.validate(), hw::ConfigError);
}

std::vector<std::uint32_t> random_codes(std::mt19937& rng, std::size_t n, int bits) {
  std::uniform_int_distribution<std::uint32_t> d(0, (1u << bits) - 1);
  std::vector<std::uint32_t> v(n);
  for (auto& c : v) c = d(rng);
  return v;
}

TEST(BaselinePe, ArrayEqualsReferenceInTileAndCycleFidelity) {
  std::mt19937 rng(1234);
  int nar = 0, nonzero = 0;
  for (const Case& c : kCases)
    for (hw::Dataflow df : {hw::Dataflow::ws, hw::Dataflow::os, hw::Dataflow::is})
      for (int rep = 0; rep < 3; ++rep) {
        std::uniform_int_distribution<int> dim(1, 13);
        const int m = dim(rng), k = dim(rng) * (rep + 1), n = dim(rng);
        hw::ArrayConfig cfg;
        cfg.rows = 1 + rep * 3;
        cfg.cols = 2 + rep * 2;
        cfg.dataflow = df;
        cfg.pe = pe_of(c);
        hw::SystolicArray arr(cfg);
        const ref::RefBaselineDatapath dp(codec(c.act), codec(c.wgt));
        ASSERT_EQ(arr.lsb_exp(), dp.lsb_exp()) << describe(c);
        const auto a = random_codes(rng, static_cast<std::size_t>(m) * k, c.mode);
        const auto w = random_codes(rng, static_cast<std::size_t>(k) * n, c.mode);
        const auto pa = hw::pack_act(a, m, k, c.mode);
        const auto pw = hw::pack_wgt(w, k, n, c.mode);
        const int kw = hw::words_for(k, c.mode);
        std::vector<hw::i128> tile(static_cast<std::size_t>(m) * n, 7), cyc(tile.size(), 7);
        arr.run_tile(hw::GemmJob{pa.data(), pw.data(), tile.data(), m, kw, n});
        arr.run_cycle(hw::GemmJob{pa.data(), pw.data(), cyc.data(), m, kw, n});
        const auto r = dp.gemm(a.data(), w.data(), m, k, n);
        for (std::size_t i = 0; i < r.size(); ++i) {
          nar += r[i].nar;
          nonzero += !r[i].nar && r[i].units != 0;
          ASSERT_EQ(tile[i], r[i].hw_units())
              << describe(c) << " " << hw::to_string(df) << " tile out " << i;
          ASSERT_EQ(cyc[i], r[i].hw_units())
              << describe(c) << " " << hw::to_string(df) << " cycle out " << i;
        }
      }
  EXPECT_GT(nar, 0);
  EXPECT_GT(nonzero, 100);
}

}  // namespace
