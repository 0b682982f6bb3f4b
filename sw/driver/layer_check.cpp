// The per-layer bit-exact check (see layer_check.hpp).
#include "sw/driver/layer_check.hpp"

#include <memory>
#include <sstream>

namespace lpsim::driver {
namespace {

std::string hex(std::uint32_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

}  // namespace

std::vector<fmt::Code> expected_codes(const CheckJob& j) {
  const std::int64_t cols = j.G * j.N;
  std::vector<ref::AccValue> acc(static_cast<std::size_t>(j.M * cols));
  if (j.conv_direct) {
    // The reference's own lowering (sw/ref's im2col, not the compiler's) and GEMM.
    const std::unique_ptr<const ref::RefDatapath> dp =
        j.base_act ? nullptr : std::make_unique<const ref::RefDatapath>(j.spec);
    const std::unique_ptr<const ref::RefBaselineDatapath> bdp =
        j.base_act ? std::make_unique<const ref::RefBaselineDatapath>(j.base_act, j.base_wgt) : nullptr;
    j.conv.validate();  // before out_h() and ng() divide by its stride and groups
    const std::int64_t HW = static_cast<std::int64_t>(j.conv.out_h()) * j.conv.out_w(), F = j.conv.out_c,
                       Ng = j.conv.ng();
    for (int b = 0; b < j.conv.batch; ++b)
      for (int g = 0; g < j.conv.groups; ++g) {
        const auto a = ref::im2col_codes(j.conv, j.in_nchw.data(), b, g);
        const auto w = ref::conv_weight_gemm(j.conv, j.w_oihw.data(), g);
        const auto part = bdp ? bdp->gemm(a.data(), w.data(), static_cast<int>(HW), j.conv.kg(), static_cast<int>(Ng))
                              : dp->gemm(a.data(), w.data(), static_cast<int>(HW), j.conv.kg(), static_cast<int>(Ng));
        for (std::int64_t p = 0; p < HW; ++p)
          for (std::int64_t n = 0; n < Ng; ++n)
            acc[static_cast<std::size_t>((b * HW + p) * F + g * Ng + n)] = part[static_cast<std::size_t>(p * Ng + n)];
      }
  } else {
    const std::unique_ptr<const ref::RefBaselineDatapath> bdp =
        j.base_act ? std::make_unique<const ref::RefBaselineDatapath>(j.base_act, j.base_wgt) : nullptr;
    for (std::int64_t g = 0; g < j.G; ++g) {
      const std::uint32_t *ga = j.a.data() + g * j.M * j.K, *gw = j.w.data() + g * j.K * j.N;
      const int M = static_cast<int>(j.M), K = static_cast<int>(j.K), N = static_cast<int>(j.N);
      const auto part = bdp ? bdp->gemm(ga, gw, M, K, N) : ref::ref_gemm(j.spec, ga, gw, M, K, N);
      for (std::int64_t m = 0; m < j.M; ++m)
        for (std::int64_t n = 0; n < j.N; ++n)
          acc[static_cast<std::size_t>(m * cols + g * j.N + n)] = part[static_cast<std::size_t>(m * j.N + n)];
    }
  }
  return ref::post_process(j.ops, acc, static_cast<int>(j.M), static_cast<int>(cols),
                           j.bias.empty() ? nullptr : j.bias.data(),
                           j.residual.empty() ? nullptr : j.residual.data(),
                           j.scales.empty() ? nullptr : j.scales.data(), *j.out);
}

std::string check_layer(const CheckJob& j) {
  const std::int64_t cols = j.G * j.N;
  const std::vector<fmt::Code> want = expected_codes(j);
  if (want.size() != j.got.size())
    return "output size " + std::to_string(j.got.size()) + ", expected " + std::to_string(want.size());
  for (std::size_t i = 0; i < want.size(); ++i)
    if (want[i] != j.got[i])
      return "output mismatch at index " + std::to_string(i) + " (row " + std::to_string(i / cols) +
             ", column " + std::to_string(i % cols) + "): expected " + hex(want[i]) + ", got " +
             hex(j.got[i]);
  return "";
}

}  // namespace lpsim::driver
