// Baseline PE types' cost entries (docs/energy.md, "Baseline PE types"): the documented
// defaults, their derivation from the building blocks, MAC kinds and PE kinds by name.
#include <gtest/gtest.h>

#include <stdexcept>

#include "sw/energy/cost_tables.hpp"

namespace lpsim::energy {
namespace {

TEST(BaselineCosts, DocumentedDefaults) {
  const EnergyTable e;
  EXPECT_NEAR(e.value("mac_posit8"), 0.33125, 1e-9);
  EXPECT_NEAR(e.value("mac_posit4"), 0.150417, 1e-6);
  EXPECT_NEAR(e.value("mac_posit2"), 0.100625, 1e-9);
  EXPECT_NEAR(e.value("mac_af8"), 0.289375, 1e-9);
  EXPECT_NEAR(e.value("mac_af4"), 0.146667, 1e-6);
  EXPECT_NEAR(e.value("mac_fp8"), 0.26875, 1e-9);
  EXPECT_NEAR(e.value("mac_ant8"), 0.415, 1e-9);
  EXPECT_NEAR(e.value("mac_ant4"), 0.191667, 1e-6);
  const AreaTable a;
  EXPECT_NEAR(a.value("pe_ant"), 0.0051e6 / 45, 0.005);  // the chart point, rounded to 0.01
  EXPECT_DOUBLE_EQ(a.value("pe_adaptivfloat"), a.value("pe_fp"));
  EXPECT_DOUBLE_EQ(a.value("pe_fp8"), a.value("pe_fp"));
  EXPECT_NEAR(a.value("pe_posit"), a.value("pe_fp") * 2.8 / 3.2, 1e-9);
  for (const char* k : {"mac_posit8", "mac_af8", "mac_fp8", "mac_ant8"}) {
    EXPECT_TRUE(e.entry(k).derived) << k;
    EXPECT_NE(e.entry(k).source.find("derived"), std::string::npos) << k;
  }
  EXPECT_NE(a.entry("pe_ant").source.find("ANT 0.0051 mm2 at 45 GOPS"), std::string::npos);
}

TEST(BaselineCosts, FollowTheBuildingBlocksUnlessSetThemselves) {
  EnergyTable e;
  const double fp8 = e.value("mac_fp8"), ant8 = e.value("mac_ant8");
  e.set("int_mult_8b", 0.4);  // the multiply part of both doubles
  EXPECT_NEAR(e.value("mac_fp8"), fp8 + 0.2 * 16.0 / 64.0, 1e-12);
  EXPECT_NEAR(e.value("mac_ant8"), ant8 + 0.2, 1e-12);
  e.set("mac_fp8", 1.0);
  e.set("int_add_32b", 0.2);
  EXPECT_DOUBLE_EQ(e.value("mac_fp8"), 1.0);
  AreaTable a;
  a.set("pe_fp", 400);
  EXPECT_DOUBLE_EQ(a.value("pe_adaptivfloat"), 400);
  EXPECT_DOUBLE_EQ(a.value("pe_posit"), 350);
}

TEST(BaselineCosts, KindsByName) {
  EXPECT_EQ(mac_kind("posit", 2), MacKind::posit2);
  EXPECT_EQ(mac_kind("adaptivfloat", 8), MacKind::af8);
  EXPECT_EQ(mac_kind("fp8", 8), MacKind::fp8);
  EXPECT_EQ(mac_kind("ant", 4), MacKind::ant4);
  EXPECT_THROW(mac_kind("fp8", 4), std::invalid_argument);
  EXPECT_THROW(mac_kind("ant", 2), std::invalid_argument);
  EXPECT_STREQ(mac_kind_name(MacKind::ant8), "ant8");
  for (std::size_t k = 0; k < kMacKinds; ++k)
    EXPECT_TRUE(EnergyTable().has(std::string("mac_") + mac_kind_name(MacKind(k))));
  EXPECT_EQ(pe_kind_from_name("adaptivfloat"), PeKind::adaptivfloat);
  EXPECT_EQ(pe_kind_from_name("int"), PeKind::int_);
  EXPECT_THROW(pe_kind_from_name("bogus"), std::invalid_argument);
  const AreaTable a;
  for (PeKind k : {PeKind::posit, PeKind::adaptivfloat, PeKind::fp8, PeKind::ant})
    EXPECT_GT(a.pe_um2(k), 0);
}

}  // namespace
}  // namespace lpsim::energy
