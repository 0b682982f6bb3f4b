// parse_format: every accepted form of format_parse.hpp, the calibration fits, and the errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sw/formats/adaptivfloat_format.hpp"
#include "sw/formats/format_parse.hpp"
#include "sw/formats/fp8_format.hpp"
#include "sw/formats/int_format.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/formats/posit_format.hpp"

namespace {

using lpsim::fmt::AdaptivFloatFormat;
using lpsim::fmt::FormatError;
using lpsim::fmt::FormatPtr;
using lpsim::fmt::Fp8Format;
using lpsim::fmt::Fp8Kind;
using lpsim::fmt::IntFormat;
using lpsim::fmt::LpFormat;
using lpsim::fmt::parse_format;
using lpsim::fmt::PositFormat;

template <class T>
const T& as(const FormatPtr& f) {
  const T* p = dynamic_cast<const T*>(f.get());
  if (!p) throw std::runtime_error("parsed " + f->name() + " has the wrong type");
  return *p;
}

// The message of the FormatError parse_format throws for `text`, or "" when it parses.
std::string error_of(const std::string& text) {
  try {
    parse_format(text);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(FormatParse, LpBothForms) {
  for (const char* text : {"lp:8,2,3,0", "lp<8,2,3,0>"}) {
    const auto f = parse_format(text);
    EXPECT_EQ(f->name(), "lp<8,2,3,0>");
    EXPECT_TRUE(as<LpFormat>(f).params() == (lpsim::fmt::LpParams{8, 2, 3, 0}));
  }
  EXPECT_EQ(parse_format("lp:16,4,15,-64")->name(), "lp<16,4,15,-64>");
}

TEST(FormatParse, PositBothForms) {
  for (const char* text : {"posit:8,2", "posit<8,2>"}) {
    const auto f = parse_format(text);
    EXPECT_EQ(f->name(), "posit<8,2>");
    EXPECT_EQ(as<PositFormat>(f).params().es, 2);
  }
  EXPECT_EQ(parse_format("posit<16,0>")->bits(), 16);
}

TEST(FormatParse, Fp8AllFourSpellings) {
  EXPECT_EQ(as<Fp8Format>(parse_format("fp8:e4m3")).kind(), Fp8Kind::E4M3);
  EXPECT_EQ(as<Fp8Format>(parse_format("fp8_e4m3")).kind(), Fp8Kind::E4M3);
  EXPECT_EQ(as<Fp8Format>(parse_format("fp8:e5m2")).kind(), Fp8Kind::E5M2);
  EXPECT_EQ(as<Fp8Format>(parse_format("fp8_e5m2")).kind(), Fp8Kind::E5M2);
  EXPECT_EQ(parse_format("fp8:e5m2")->name(), "fp8_e5m2");
}

TEST(FormatParse, IntFormsAndScaleFitting) {
  const std::vector<float> calib = {0.25f, -6.35f, 1.0f};
  EXPECT_EQ(as<IntFormat>(parse_format("int:8")).params().scale, 1.0);  // no calib: 1
  EXPECT_EQ(as<IntFormat>(parse_format("int8")).params().scale, 1.0);
  EXPECT_EQ(as<IntFormat>(parse_format("int:4")).params().n, 4);
  EXPECT_EQ(as<IntFormat>(parse_format("int16")).params().n, 16);
  const FormatPtr explicit_fmt = parse_format("int:8,0.5");  // outlives the reference below
  const auto& explicit_scale = as<IntFormat>(explicit_fmt);
  EXPECT_EQ(explicit_scale.params().scale, 0.5);
  EXPECT_EQ(explicit_scale.name(), "int<8,0.5>");
  EXPECT_EQ(as<IntFormat>(parse_format("int:8,1e-3")).params().scale, 1e-3);
  const double fitted = static_cast<double>(6.35f) / 127;
  EXPECT_EQ(as<IntFormat>(parse_format("int:8", calib.data(), calib.size())).params().scale,
            fitted);
  EXPECT_EQ(as<IntFormat>(parse_format("int8", calib.data(), calib.size())).params().scale, fitted);
  // An explicit scale wins over the calibration data.
  EXPECT_EQ(as<IntFormat>(parse_format("int:8,0.5", calib.data(), calib.size())).params().scale,
            0.5);
}

TEST(FormatParse, AdaptivFloatFormsAndBiasFitting) {
  const std::vector<float> calib = {0.25f, -6.35f, 1.0f};  // exp_max = 2
  for (const char* text : {"af:8,3", "af<8,3>"})
    EXPECT_EQ(as<AdaptivFloatFormat>(parse_format(text)).params().exp_min, -3) << text;  // 1-2^2
  EXPECT_EQ(as<AdaptivFloatFormat>(parse_format("af:6,1")).params().exp_min, 0);
  for (const char* text : {"af:8,3,-7", "af<8,3,-7>"}) {
    const auto f = parse_format(text);
    EXPECT_EQ(f->name(), "af<8,3,-7>");
  }
  EXPECT_EQ(
      as<AdaptivFloatFormat>(parse_format("af:8,3", calib.data(), calib.size())).params().exp_min,
      2 - 8 + 1);
  EXPECT_EQ(
      as<AdaptivFloatFormat>(parse_format("af<8,2>", calib.data(), calib.size())).params().exp_min,
      2 - 4 + 1);
  EXPECT_EQ(as<AdaptivFloatFormat>(parse_format("af:8,3,-7", calib.data(), calib.size()))
                .params()
                .exp_min,
            -7);
}

TEST(FormatParse, NamesRoundTripThroughTheParserWhereTheyAreParseable) {
  for (const char* text : {"lp<8,2,3,0>", "posit<8,2>", "fp8_e4m3", "fp8_e5m2", "af<8,3,-7>"})
    EXPECT_EQ(parse_format(parse_format(text)->name())->name(), text);
}

TEST(FormatParse, UnknownFamily) {
  for (const char* text : {"foo:1", "bf16", "", "Posit:8,2", "fp16", "LP<8,2,3,0>"}) {
    const std::string m = error_of(text);
    EXPECT_NE(m.find("unknown format family"), std::string::npos) << text << ": " << m;
    EXPECT_NE(m.find(std::string("format '") + text + "'"), std::string::npos) << m;
  }
}

TEST(FormatParse, WrongArgumentCount) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"lp:8,2,3", "lp:N,ES,RS,SF"},
      {"lp<8,2,3,0,1>", "lp:N,ES,RS,SF"},
      {"lp", "lp:N,ES,RS,SF"},
      {"posit:8", "posit:N,ES"},
      {"posit<8,2,1>", "posit:N,ES"},
      {"posit", "posit:N,ES"},
      {"af:8", "af:N,E[,EXPMIN]"},
      {"af:8,3,1,2", "af:N,E[,EXPMIN]"},
      {"int:8,1,2", "int:N[,SCALE]"},
      {"int", "int:N[,SCALE]"},
      {"int8:3", "intN or int:N[,SCALE]"},
      {"fp8", "fp8:e4m3 or fp8:e5m2"},
      {"fp8:e4m3,1", "fp8:e4m3 or fp8:e5m2"},
      {"fp8:e3m4", "fp8:e4m3 or fp8:e5m2"},
      {"fp8_e4m3:x", "takes no parameters"},
      {"fp8_e5m2<>", "takes no parameters"},
      {"posit<8,2", "missing closing '>'"},
  };
  for (const auto& [text, want] : cases) {
    const std::string m = error_of(text);
    EXPECT_NE(m.find(want), std::string::npos) << text << ": '" << m << "'";
  }
}

TEST(FormatParse, NonIntegerAndNonNumericParametersAreNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"posit:8,x", "es='x' is not an integer"},
      {"posit:8.5,2", "n='8.5' is not an integer"},
      {"posit:8,", "es='' is not an integer"},
      {"posit:,2", "n='' is not an integer"},
      {"lp:8,2,3,a", "sf='a' is not an integer"},
      {"lp:8,2,r,0", "rs='r' is not an integer"},
      {"lp:8, 2,3,0", "es=' 2' is not an integer"},
      {"af:8,3,1.5", "exp_min='1.5' is not an integer"},
      {"af:8,e", "e='e' is not an integer"},
      {"af<x,3>", "n='x' is not an integer"},
      {"int:8,abc", "scale='abc' is not a number"},
      {"int:8,", "scale='' is not a number"},
      {"int:q", "n='q' is not an integer"},
      {"intx", "unknown format family 'intx'"},
      {"int8.5", "unknown format family 'int8.5'"},
      {"integer:8", "unknown format family 'integer'"},
  };
  for (const auto& [text, want] : cases) {
    const std::string m = error_of(text);
    EXPECT_NE(m.find(want), std::string::npos) << text << ": '" << m << "'";
    EXPECT_EQ(m.rfind("format '" + text + "': ", 0), 0u) << m;
  }
}

TEST(FormatParse, OutOfRangeParametersAreNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"lp:1,0,1,0", "n=1"},
      {"lp:8,5,3,0", "es=5"},
      {"lp:8,2,8,0", "rs=8"},
      {"lp<8,2,3,65>", "sf=65"},
      {"posit:17,2", "n=17"},
      {"posit<8,-1>", "es=-1"},
      {"posit:8,5", "es=5"},
      {"int:1", "n=1"},
      {"int17", "n=17"},
      {"int:8,-1", "scale=-1"},
      {"int:8,0", "scale=0"},
      {"int:8,inf", "scale=inf"},
      {"af:2,1", "n=2"},
      {"af:8,7", "e=7"},
      {"af<8,0>", "e=0"},
      {"af:8,3,300", "exp_min=300"},
      {"af:8,3,-257", "exp_min=-257"},
      {"af:17,3", "n=17"},
  };
  for (const auto& [text, want] : cases) {
    const std::string m = error_of(text);
    EXPECT_NE(m.find(want), std::string::npos) << text << ": '" << m << "'";
    EXPECT_EQ(m.rfind("format '" + text + "': ", 0), 0u) << m;
  }
  // Errors are also raised with calibration data present (the fit comes after validation).
  const std::vector<float> calib = {1.0f};
  EXPECT_THROW(parse_format("int:1", calib.data(), calib.size()), FormatError);
  EXPECT_THROW(parse_format("af:8,9", calib.data(), calib.size()), FormatError);
}

}  // namespace

// Row packing of codes (sw/formats/packing.hpp): lane 0 in the low bits, whole-byte padding.
#include "sw/formats/packing.hpp"

TEST(Packing, TwoAndFourBitElementsSitLowBitsFirst) {
  using namespace lpsim::fmt;
  const std::uint32_t c4[3] = {0x1, 0xa, 0xf};
  std::uint8_t row[2] = {0xff, 0xff};
  pack_codes(c4, 3, 4, row);
  EXPECT_EQ(row[0], 0xa1);
  EXPECT_EQ(row[1], 0x0f);
  const std::uint32_t c2[5] = {1, 2, 3, 0, 2};
  std::uint8_t row2[2];
  pack_codes(c2, 5, 2, row2);
  EXPECT_EQ(row2[0], 0b00111001);
  EXPECT_EQ(row2[1], 0b10);
  std::uint32_t back[5];
  unpack_codes(row2, 5, 2, back);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(back[i], c2[i]);
  const std::uint32_t c16[2] = {0xbeef, 0x1234};
  std::uint8_t row16[4];
  pack_codes(c16, 2, 16, row16);
  EXPECT_EQ(row16[0], 0xef);
  EXPECT_EQ(row16[3], 0x12);
  EXPECT_EQ(packed_bytes(5, 2), 2u);
  EXPECT_EQ(storage_bits(3), 4);
  EXPECT_EQ(storage_bits(5), 8);
  EXPECT_THROW(storage_bits(17), FormatError);
}
