// Reference 2-D convolution by direct loops, its im2col lowering, and an FP32 convolution.
#include "sw/ref/ref_conv.hpp"

#include <string>

namespace lpsim::ref {

namespace {

std::size_t idx4(int a, int b, int c, int d, int nb, int nc, int nd) {
  return ((static_cast<std::size_t>(a) * nb + b) * nc + c) * nd + d;
}

// Calls f(k, input index or -1 for padding, weight index) for every term of output
// (b, o, y, x) in k order.
template <typename F>
void for_terms(const ConvShape& s, int b, int o, int y, int x, F&& f) {
  const int g = o / s.ng();
  int k = 0;
  for (int c = 0; c < s.cg(); ++c)
    for (int r = 0; r < s.kh; ++r)
      for (int q = 0; q < s.kw; ++q, ++k) {
        const int iy = y * s.stride - s.pad + r;
        const int ix = x * s.stride - s.pad + q;
        const bool inside = iy >= 0 && iy < s.in_h && ix >= 0 && ix < s.in_w;
        const long long ii =
            inside ? static_cast<long long>(idx4(b, g * s.cg() + c, iy, ix, s.in_c, s.in_h, s.in_w))
                   : -1;
        f(k, ii, idx4(o, c, r, q, s.cg(), s.kh, s.kw));
      }
}

}  // namespace

void ConvShape::validate() const {
  auto pos = [](int v, const char* name) {
    if (v < 1)
      throw RefError(std::string("ref: conv ") + name + " = " + std::to_string(v) +
                     " must be >= 1");
  };
  pos(batch, "batch");
  pos(in_c, "in_c");
  pos(in_h, "in_h");
  pos(in_w, "in_w");
  pos(out_c, "out_c");
  pos(kh, "kh");
  pos(kw, "kw");
  pos(stride, "stride");
  pos(groups, "groups");
  if (pad < 0) throw RefError("ref: conv pad = " + std::to_string(pad) + " must be >= 0");
  if (in_c % groups != 0 || out_c % groups != 0)
    throw RefError("ref: conv groups = " + std::to_string(groups) + " must divide in_c and out_c");
  // In 64 bits: the padded extents must fit int, like every index below.
  const long long ph = in_h + 2LL * pad, pw = in_w + 2LL * pad;
  if (ph > 2147483647 || pw > 2147483647)
    throw RefError("ref: conv padded input " + std::to_string(ph) + " x " + std::to_string(pw) +
                   " too large");
  if (ph < kh || pw < kw) throw RefError("ref: conv kernel larger than the padded input");
}

std::vector<std::uint32_t> im2col_codes(const ConvShape& s, const std::uint32_t* in, int b, int g) {
  s.validate();
  const int oh = s.out_h(), ow = s.out_w(), kg = s.kg();
  std::vector<std::uint32_t> a(static_cast<std::size_t>(oh) * ow * kg);
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x)
      for_terms(s, b, g * s.ng(), y, x, [&](int k, long long ii, std::size_t) {
        a[(static_cast<std::size_t>(y) * ow + x) * kg + k] = ii < 0 ? 0u : in[ii];
      });
  return a;
}

std::vector<std::uint32_t> conv_weight_gemm(const ConvShape& s, const std::uint32_t* wgt, int g) {
  s.validate();
  const int kg = s.kg(), ng = s.ng();
  std::vector<std::uint32_t> w(static_cast<std::size_t>(kg) * ng);
  for (int o = 0; o < ng; ++o)
    for (int k = 0; k < kg; ++k)
      w[static_cast<std::size_t>(k) * ng + o] = wgt[static_cast<std::size_t>(g * ng + o) * kg + k];
  return w;
}

std::vector<AccValue> ref_conv2d(const RefDatapath& dp, const ConvShape& s, const std::uint32_t* in,
                                 const std::uint32_t* wgt) {
  s.validate();
  const int oh = s.out_h(), ow = s.out_w();
  const std::uint32_t limit = 1u << dp.spec().mode;
  const std::size_t nin = static_cast<std::size_t>(s.batch) * s.in_c * s.in_h * s.in_w;
  const std::size_t nw = static_cast<std::size_t>(s.out_c) * s.kg();
  for (std::size_t i = 0; i < nin; ++i)
    if (in[i] >= limit)
      throw RefError("ref: conv input code " + std::to_string(in[i]) + " out of range");
  for (std::size_t i = 0; i < nw; ++i)
    if (wgt[i] >= limit)
      throw RefError("ref: conv weight code " + std::to_string(wgt[i]) + " out of range");
  std::vector<AccValue> out(static_cast<std::size_t>(s.batch) * s.out_c * oh * ow);
  RefDatapath::Dot dot(dp);
  for (int b = 0; b < s.batch; ++b)
    for (int o = 0; o < s.out_c; ++o)
      for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x) {
          // Padding still occupies a k slot (a zero lane), as in the im2col rows.
          for_terms(s, b, o, y, x, [&](int, long long ii, std::size_t wi) {
            dot.add(ii < 0 ? 0u : in[ii], wgt[wi]);
          });
          out[idx4(b, o, y, x, s.out_c, oh, ow)] = dot.finish();
        }
  return out;
}

std::vector<AccValue> ref_conv2d(const DatapathSpec& spec, const ConvShape& s,
                                 const std::uint32_t* in, const std::uint32_t* wgt) {
  const RefDatapath dp(spec);
  return ref_conv2d(dp, s, in, wgt);
}

std::vector<float> fp32_conv2d(const ConvShape& s, const float* in, const float* wgt) {
  s.validate();
  const int oh = s.out_h(), ow = s.out_w();
  std::vector<float> out(static_cast<std::size_t>(s.batch) * s.out_c * oh * ow);
  for (int b = 0; b < s.batch; ++b)
    for (int o = 0; o < s.out_c; ++o)
      for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x) {
          double acc = 0.0;
          for_terms(s, b, o, y, x, [&](int, long long ii, std::size_t wi) {
            if (ii >= 0) acc += static_cast<double>(in[ii]) * static_cast<double>(wgt[wi]);
          });
          out[idx4(b, o, y, x, s.out_c, oh, ow)] = static_cast<float>(acc);
        }
  return out;
}

}  // namespace lpsim::ref
