// Issue 11: reduced torchvision classifiers exported by torch.onnx.export
// (tests/data/onnx/, made by scripts/export_test_models.py; no Python at test time). Each model
// runs through `lpsim run` on the default accelerator and buffers with torch's batch-2 input:
// the MAC count equals the one counted from the torch modules at export, the FP32 outputs are
// within 1e-4 (relative to the largest |output|) of torch's, and every accelerator layer is
// bit-exact against the reference (`verified: yes`).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "run_fixture.hpp"

namespace lpsim::test {
namespace {

namespace fs = std::filesystem;

const fs::path kOnnxDir = fs::path(LPSIM_TEST_DATA_DIR) / "onnx";

nlohmann::json manifest() { return nlohmann::json::parse(slurp(kOnnxDir / "manifest.json")); }

std::vector<std::string> model_files() {
  std::vector<std::string> files;
  const nlohmann::json man = manifest();  // (a temporary's member would dangle in the loop)
  for (const auto& m : man.at("models")) files.push_back(m.at("file").get<std::string>());
  return files;
}

// A little-endian float32 C-order .npy: its shape text (e.g. "2, 10") and values.
struct Npy {
  std::string shape;
  std::vector<float> v;
};
Npy read_npy(const fs::path& p) {
  const std::string bytes = slurp(p);
  EXPECT_GE(bytes.size(), 10u) << p;
  if (bytes.size() < 10) return {};
  const std::size_t hl = static_cast<unsigned char>(bytes[8]) |
                         static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8;
  const std::string header = bytes.substr(10, hl);
  EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos) << p << ": " << header;
  EXPECT_NE(header.find("'fortran_order': False"), std::string::npos) << p << ": " << header;
  Npy r;
  const auto a = header.find("'shape': (") + 10, b = header.find(')', a);
  r.shape = header.substr(a, b - a);
  r.shape.erase(std::remove(r.shape.begin(), r.shape.end(), ' '), r.shape.end());
  if (!r.shape.empty() && r.shape.back() == ',') r.shape.pop_back();
  r.v.resize((bytes.size() - 10 - hl) / 4);
  std::memcpy(r.v.data(), bytes.data() + 10 + hl, r.v.size() * 4);
  return r;
}

class Torchvision : public RunFixture, public ::testing::WithParamInterface<std::string> {};

TEST_P(Torchvision, RunsVerifiedWithTorchsMacsAndOutputs) {
  nlohmann::json entry;
  const nlohmann::json man = manifest();
  for (const auto& m : man.at("models"))
    if (m.at("file") == GetParam()) entry = m;
  ASSERT_FALSE(entry.is_null());
  const std::string wl = "onnx: " + (kOnnxDir / GetParam()).string() +
                         "\ninput: {npy: " + (kOnnxDir / "input.npy").string() + "}\n";
  const CommandResult r = run(wl, "--save-outputs");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("verified: yes"), std::string::npos) << r.out;
  const nlohmann::json s = summary();
  EXPECT_EQ(s.at("total_macs").get<std::int64_t>(), entry.at("macs").get<std::int64_t>());
  EXPECT_EQ(s.at("verified").dump(), "true");

  const Npy want = read_npy(kOnnxDir / entry.at("expected").get<std::string>());
  const Npy got = read_npy(m_dir / "out" / "outputs" / "logits.fp32.npy");
  const Npy acc = read_npy(m_dir / "out" / "outputs" / "logits.accelerator.npy");
  ASSERT_EQ(got.shape, want.shape);
  ASSERT_EQ(acc.shape, want.shape);
  ASSERT_EQ(got.v.size(), want.v.size());
  ASSERT_FALSE(want.v.empty());
  float scale = 0, err = 0;
  for (std::size_t i = 0; i < want.v.size(); ++i) {
    scale = std::max(scale, std::fabs(want.v[i]));
    err = std::max(err, std::fabs(got.v[i] - want.v[i]));
  }
  ASSERT_GT(scale, 0.0f);
  EXPECT_LE(err, 1e-4f * scale) << "max |lpsim FP32 - torch| " << err << ", max |torch| " << scale;
}

INSTANTIATE_TEST_SUITE_P(Onnx, Torchvision, ::testing::ValuesIn(model_files()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n = i.param.substr(0, i.param.rfind('.'));
                           std::replace(n.begin(), n.end(), '.', '_');
                           return n;
                         });

// The manifest names all eleven classifiers of issue 11 and opset 17 for vit_b_16.
TEST(TorchvisionManifest, HoldsTheElevenClassifiers) {
  std::vector<std::string> names;
  bool vit17 = false;
  const nlohmann::json man = manifest();
  for (const auto& m : man.at("models")) {
    names.push_back(m.at("name").get<std::string>());
    vit17 = vit17 || (m.at("name") == "vit_b_16" && m.at("opset") == 17);
    EXPECT_TRUE(fs::exists(kOnnxDir / m.at("file").get<std::string>())) << m.dump();
  }
  for (const char* n : {"resnet18", "resnet50", "mobilenet_v2", "vgg11", "squeezenet1_0",
                        "googlenet", "densenet121", "shufflenet_v2_x1_0", "efficientnet_b0",
                        "mnasnet0_5", "vit_b_16"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_TRUE(vit17);
}

}  // namespace
}  // namespace lpsim::test
