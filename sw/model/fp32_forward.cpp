// Reference FP32 forward pass: plain loops, im2col + a register-blocked GEMM for Conv/Gemm.
#include "sw/model/fp32_forward.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "sw/common/error.hpp"
#include "sw/common/parallel.hpp"

namespace lpsim::model {

namespace {

UserError eval_error(const Node& node, const std::string& what) {
  return UserError("node '" + node.name + "' (" + op_name(node.op) + "): " + what);
}

// Micro-kernel tile: MR x NR accumulators stay in registers (8 SSE registers at 4 x 8).
constexpr int64_t kMr = 4;
constexpr int64_t kNr = 8;

// Columns [0, n) of C (a multiple of kNr, or the tail columns included).
void gemm_f32_cols(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                   int64_t ldb, float* c, int64_t ldc) {
  std::vector<float> panel(static_cast<std::size_t>(k * kNr));
  int64_t n0 = 0;
  for (; n0 + kNr <= n; n0 += kNr) {
    for (int64_t kk = 0; kk < k; ++kk)
      std::memcpy(&panel[static_cast<std::size_t>(kk * kNr)], b + kk * ldb + n0,
                  sizeof(float) * kNr);
    int64_t m0 = 0;
    for (; m0 + kMr <= m; m0 += kMr) {
      float acc[kMr][kNr] = {};
      const float* a0 = a + m0 * lda;
      for (int64_t kk = 0; kk < k; ++kk) {
        const float* bp = &panel[static_cast<std::size_t>(kk * kNr)];
        for (int64_t i = 0; i < kMr; ++i) {
          const float av = a0[i * lda + kk];
          for (int64_t j = 0; j < kNr; ++j) acc[i][j] += av * bp[j];
        }
      }
      for (int64_t i = 0; i < kMr; ++i)
        for (int64_t j = 0; j < kNr; ++j) c[(m0 + i) * ldc + n0 + j] += acc[i][j];
    }
    for (; m0 < m; ++m0) {
      float acc[kNr] = {};
      for (int64_t kk = 0; kk < k; ++kk) {
        const float av = a[m0 * lda + kk];
        const float* bp = &panel[static_cast<std::size_t>(kk * kNr)];
        for (int64_t j = 0; j < kNr; ++j) acc[j] += av * bp[j];
      }
      for (int64_t j = 0; j < kNr; ++j) c[m0 * ldc + n0 + j] += acc[j];
    }
  }
  if (n0 == n) return;
  for (int64_t i = 0; i < m; ++i) {
    float* crow = c + i * ldc;
    for (int64_t kk = 0; kk < k; ++kk) {
      const float av = a[i * lda + kk];
      const float* brow = b + kk * ldb;
      for (int64_t j = n0; j < n; ++j) crow[j] += av * brow[j];
    }
  }
}

}  // namespace

// Column panels in parallel: every element of C is computed by the same code in the same order
// as in one pass (chunks are whole kNr panels; the last chunk takes the tail columns too).
void gemm_f32(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
              int64_t ldb, float* c, int64_t ldc) {
  const int64_t panels = n / kNr;
  const int64_t panel_work = std::max<int64_t>(1, m * k * kNr);
  if (panels < 2) {
    gemm_f32_cols(m, n, k, a, lda, b, ldb, c, ldc);
    return;
  }
  parallel_for(panels, std::max<int64_t>(1, (int64_t{1} << 20) / panel_work),
               [&](int64_t p0, int64_t p1) {
                 const int64_t j0 = p0 * kNr, j1 = p1 == panels ? n : p1 * kNr;
                 gemm_f32_cols(m, j1 - j0, k, a, lda, b + j0, ldb, c + j0, ldc);
               });
}

namespace {

void need_weights(const Node& node) {
  if (node.weights.empty()) throw eval_error(node, "has no weight values (shape-only graph)");
  if (node.has_bias && node.bias.empty())
    throw eval_error(node, "has no bias values (shape-only graph)");
}

FloatTensor make_out(const Shape& shape) {
  FloatTensor t;
  t.shape = shape;
  t.data.assign(static_cast<std::size_t>(num_elements(shape)), 0.0f);
  return t;
}

void conv(const Node& node, const FloatTensor& x, FloatTensor& out) {
  need_weights(node);
  const auto& at = node.attrs;
  const int64_t batch = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
  const int64_t f = node.weight_shape[0], cg = node.weight_shape[1];
  const int64_t r = node.weight_shape[2], s = node.weight_shape[3];
  const int64_t oh = out.shape[2], ow = out.shape[3], p = oh * ow;
  const int64_t g = at.groups, fg = f / g, kg = cg * r * s;
  const bool direct = r == 1 && s == 1 && at.stride[0] == 1 && at.stride[1] == 1 &&
                      at.pads[0] == 0 && at.pads[1] == 0 && oh == h && ow == w;
  std::vector<float> col(direct ? 0 : static_cast<std::size_t>(kg * p));
  for (int64_t nb = 0; nb < batch; ++nb) {
    for (int64_t gi = 0; gi < g; ++gi) {
      const float* xg = x.data.data() + (nb * c + gi * cg) * h * w;
      float* og = out.data.data() + (nb * f + gi * fg) * p;
      for (int64_t fi = 0; fi < fg; ++fi)
        std::fill(og + fi * p, og + (fi + 1) * p,
                  node.has_bias ? node.bias[static_cast<std::size_t>(gi * fg + fi)] : 0.0f);
      const float* bmat = xg;
      if (!direct) {
        for (int64_t ci = 0; ci < cg; ++ci)
          for (int64_t ri = 0; ri < r; ++ri)
            for (int64_t si = 0; si < s; ++si) {
              float* row = col.data() + ((ci * r + ri) * s + si) * p;
              const float* plane = xg + ci * h * w;
              // Output columns whose input column lies inside the image.
              const int64_t off_w = si * at.dilation[1] - at.pads[1];
              int64_t lo = 0;
              while (lo < ow && lo * at.stride[1] + off_w < 0) ++lo;
              int64_t hi = ow;
              while (hi > lo && (hi - 1) * at.stride[1] + off_w >= w) --hi;
              for (int64_t y = 0; y < oh; ++y) {
                float* dst = row + y * ow;
                const int64_t iy = y * at.stride[0] + ri * at.dilation[0] - at.pads[0];
                if (iy < 0 || iy >= h) {
                  std::fill(dst, dst + ow, 0.0f);
                  continue;
                }
                const float* src = plane + iy * w + off_w;
                std::fill(dst, dst + lo, 0.0f);
                if (at.stride[1] == 1) {
                  std::memcpy(dst + lo, src + lo,
                              sizeof(float) * static_cast<std::size_t>(hi - lo));
                } else {
                  for (int64_t xo = lo; xo < hi; ++xo) dst[xo] = src[xo * at.stride[1]];
                }
                std::fill(dst + hi, dst + ow, 0.0f);
              }
            }
        bmat = col.data();
      }
      gemm_f32(fg, p, kg, node.weights.data() + gi * fg * kg, kg, bmat, p, og, p);
    }
  }
}

void linear(const Node& node, const FloatTensor& x, FloatTensor& out) {
  need_weights(node);
  const int64_t nout = node.weight_shape[0], nin = node.weight_shape[1];
  const int64_t rows = num_elements(x.shape) / nin;
  std::vector<float> wt(static_cast<std::size_t>(nin * nout));
  for (int64_t o = 0; o < nout; ++o)
    for (int64_t i = 0; i < nin; ++i)
      wt[static_cast<std::size_t>(i * nout + o)] =
          node.weights[static_cast<std::size_t>(o * nin + i)];
  for (int64_t rr = 0; rr < rows; ++rr)
    for (int64_t o = 0; o < nout; ++o)
      out.data[static_cast<std::size_t>(rr * nout + o)] =
          node.has_bias ? node.bias[static_cast<std::size_t>(o)] : 0.0f;
  gemm_f32(rows, nout, nin, x.data.data(), nin, wt.data(), nout, out.data.data(), nout);
}

// Flat offset in an operand of shape `in` (right-aligned, numpy broadcast) for each index of
// the output batch shape `out`.
std::vector<int64_t> broadcast_offsets(const Shape& out, const Shape& in, int64_t unit) {
  const int64_t total = num_elements(out);
  std::vector<int64_t> offs(static_cast<std::size_t>(total));
  const std::size_t lead = out.size() - in.size();
  std::vector<int64_t> stride(out.size(), 0);
  int64_t acc = unit;
  for (std::size_t i = in.size(); i-- > 0;) {
    stride[lead + i] = in[i] == 1 ? 0 : acc;
    acc *= in[i];
  }
  std::vector<int64_t> idx(out.size(), 0);
  int64_t off = 0;
  for (int64_t t = 0; t < total; ++t) {
    offs[static_cast<std::size_t>(t)] = off;
    for (std::size_t d = out.size(); d-- > 0;) {
      ++idx[d];
      off += stride[d];
      if (idx[d] < out[d]) break;
      off -= stride[d] * idx[d];
      idx[d] = 0;
    }
  }
  return offs;
}

void matmul(const FloatTensor& x, const FloatTensor& y, FloatTensor& out) {
  const int64_t m = x.shape[x.shape.size() - 2], k = x.shape.back(), n = y.shape.back();
  const Shape ob(out.shape.begin(), out.shape.end() - 2);
  const auto ax = broadcast_offsets(ob, Shape(x.shape.begin(), x.shape.end() - 2), m * k);
  const auto by = broadcast_offsets(ob, Shape(y.shape.begin(), y.shape.end() - 2), k * n);
  for (std::size_t bi = 0; bi < ax.size(); ++bi)
    gemm_f32(m, n, k, x.data.data() + ax[bi], k, y.data.data() + by[bi], n,
             out.data.data() + static_cast<int64_t>(bi) * m * n, n);
}

void add(const FloatTensor& x, const FloatTensor& y, FloatTensor& out) {
  float* o = out.data.data();
  if (x.shape == y.shape) {
    for (std::size_t i = 0; i < out.data.size(); ++i) o[i] = x.data[i] + y.data[i];
    return;
  }
  const auto ox = broadcast_offsets(out.shape, x.shape, 1);
  const auto oy = broadcast_offsets(out.shape, y.shape, 1);
  for (std::size_t i = 0; i < out.data.size(); ++i)
    o[i] = x.data[static_cast<std::size_t>(ox[i])] + y.data[static_cast<std::size_t>(oy[i])];
}

// Mul, Sub, Div (and Add's rule): numpy broadcast.
template <class F>
void binary(const FloatTensor& x, const FloatTensor& y, FloatTensor& out, F f) {
  float* o = out.data.data();
  if (x.shape == y.shape) {
    for (std::size_t i = 0; i < out.data.size(); ++i) o[i] = f(x.data[i], y.data[i]);
    return;
  }
  const auto ox = broadcast_offsets(out.shape, x.shape, 1);
  const auto oy = broadcast_offsets(out.shape, y.shape, 1);
  for (std::size_t i = 0; i < out.data.size(); ++i)
    o[i] = f(x.data[static_cast<std::size_t>(ox[i])], y.data[static_cast<std::size_t>(oy[i])]);
}

template <class F>
void unary(const FloatTensor& x, FloatTensor& out, F f) {
  for (std::size_t i = 0; i < out.data.size(); ++i) out.data[i] = f(x.data[i]);
}

// Mean over node.attrs.axes (sums in double).
void reduce_mean(const Node& node, const FloatTensor& x, FloatTensor& out) {
  const Shape& s = x.shape;
  std::vector<bool> red(s.size(), false);
  int64_t count = 1;
  for (int64_t a : node.attrs.axes) {
    red[static_cast<std::size_t>(a)] = true;
    count *= s[static_cast<std::size_t>(a)];
  }
  // The kept-axes shape, row-major: the output's flat order.
  Shape kept(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) kept[i] = red[i] ? 1 : s[i];
  const auto to_out = broadcast_offsets(s, kept, 1);
  std::vector<double> sum(out.data.size(), 0.0);
  for (std::size_t i = 0; i < x.data.size(); ++i)
    sum[static_cast<std::size_t>(to_out[i])] += x.data[i];
  for (std::size_t i = 0; i < sum.size(); ++i)
    out.data[i] = static_cast<float>(sum[i] / static_cast<double>(count));
}

void pad(const Node& node, const FloatTensor& x, FloatTensor& out) {
  std::fill(out.data.begin(), out.data.end(), node.attrs.pad_value);
  const std::size_t r = x.shape.size();
  std::vector<int64_t> ostride(r, 1);
  for (std::size_t d = r; d-- > 1;) ostride[d - 1] = ostride[d] * out.shape[d];
  int64_t base = 0;
  for (std::size_t d = 0; d < r; ++d) base += node.attrs.pads_nd[d] * ostride[d];
  // Copy row by row along the last axis.
  const int64_t row = r ? x.shape[r - 1] : 1;
  const int64_t rows = row ? num_elements(x.shape) / row : 0;
  std::vector<int64_t> idx(r, 0);
  for (int64_t rr = 0; rr < rows; ++rr) {
    int64_t off = base;
    for (std::size_t d = 0; d + 1 < r; ++d) off += idx[d] * ostride[d];
    std::memcpy(out.data.data() + off, x.data.data() + rr * row,
                sizeof(float) * static_cast<std::size_t>(row));
    for (std::size_t d = r - 1; d-- > 0;) {
      if (++idx[d] < x.shape[d]) break;
      idx[d] = 0;
    }
  }
}

void pool(const Node& node, const FloatTensor& x, FloatTensor& out) {
  const auto& at = node.attrs;
  const int64_t planes = x.shape[0] * x.shape[1], h = x.shape[2], w = x.shape[3];
  const int64_t oh = out.shape[2], ow = out.shape[3];
  const bool is_max = node.op == OpKind::MaxPool;
  for (int64_t pl = 0; pl < planes; ++pl) {
    const float* src = x.data.data() + pl * h * w;
    float* dst = out.data.data() + pl * oh * ow;
    for (int64_t y = 0; y < oh; ++y) {
      const int64_t y0 = y * at.stride[0] - at.pads[0];
      const int64_t y1 = std::min(y0 + at.kernel[0], h + at.pads[2]);
      const int64_t ya = std::max<int64_t>(y0, 0), yb = std::min(y1, h);
      for (int64_t xo = 0; xo < ow; ++xo) {
        const int64_t x0 = xo * at.stride[1] - at.pads[1];
        const int64_t x1 = std::min(x0 + at.kernel[1], w + at.pads[3]);
        const int64_t xa = std::max<int64_t>(x0, 0), xb = std::min(x1, w);
        float v = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
        for (int64_t iy = ya; iy < yb; ++iy)
          for (int64_t ix = xa; ix < xb; ++ix)
            v = is_max ? std::max(v, src[iy * w + ix]) : v + src[iy * w + ix];
        if (!is_max) {
          const int64_t cnt = at.count_include_pad ? (y1 - y0) * (x1 - x0) : (yb - ya) * (xb - xa);
          v /= static_cast<float>(cnt);
        }
        dst[y * ow + xo] = v;
      }
    }
  }
}

void transpose(const Node& node, const FloatTensor& x, FloatTensor& out) {
  const std::size_t rank = x.shape.size();
  std::vector<int64_t> in_stride(rank, 1);
  for (std::size_t d = rank - 1; d-- > 0;) in_stride[d] = in_stride[d + 1] * x.shape[d + 1];
  std::vector<int64_t> step(rank);  // input stride of each output axis
  for (std::size_t d = 0; d < rank; ++d)
    step[d] = in_stride[static_cast<std::size_t>(node.attrs.perm[d])];
  std::vector<int64_t> idx(rank, 0);
  int64_t off = 0;
  for (std::size_t t = 0; t < out.data.size(); ++t) {
    out.data[t] = x.data[static_cast<std::size_t>(off)];
    for (std::size_t d = rank; d-- > 0;) {
      ++idx[d];
      off += step[d];
      if (idx[d] < out.shape[d]) break;
      off -= step[d] * idx[d];
      idx[d] = 0;
    }
  }
}

// outer x axis x inner decomposition of a shape around `axis`.
void split_axis(const Shape& s, int64_t axis, int64_t& outer, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(s.size()); ++d)
    if (d < axis)
      outer *= s[static_cast<std::size_t>(d)];
    else if (d > axis)
      inner *= s[static_cast<std::size_t>(d)];
}

void slice(const Node& node, const FloatTensor& x, FloatTensor& out) {
  const int64_t ax = normalize_axis(node, node.attrs.axis, x.shape.size());
  int64_t outer, inner;
  split_axis(x.shape, ax, outer, inner);
  const int64_t len = x.shape[static_cast<std::size_t>(ax)],
                take = node.attrs.end - node.attrs.start;
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(out.data.data() + o * take * inner,
                x.data.data() + (o * len + node.attrs.start) * inner,
                sizeof(float) * static_cast<std::size_t>(take * inner));
}

void concat(const Node& node, const std::vector<const FloatTensor*>& in, FloatTensor& out) {
  const int64_t ax = normalize_axis(node, node.attrs.axis, out.shape.size());
  int64_t outer, inner;
  split_axis(out.shape, ax, outer, inner);
  const int64_t out_len = out.shape[static_cast<std::size_t>(ax)];
  const int64_t per_batch = ax > 0 ? outer / out.shape[0] : outer;
  int64_t pos = 0;
  for (const FloatTensor* t : in) {
    const int64_t len = t->shape[static_cast<std::size_t>(ax)];
    const bool bcast = ax > 0 && t->shape[0] == 1 && out.shape[0] > 1;
    for (int64_t o = 0; o < outer; ++o) {
      const int64_t so = bcast ? o % per_batch : o;
      std::memcpy(out.data.data() + (o * out_len + pos) * inner, t->data.data() + so * len * inner,
                  sizeof(float) * static_cast<std::size_t>(len * inner));
    }
    pos += len;
  }
}

void softmax(const Node& node, const FloatTensor& x, FloatTensor& out) {
  const int64_t ax = normalize_axis(node, node.attrs.axis, x.shape.size());
  int64_t outer, inner;
  split_axis(x.shape, ax, outer, inner);
  const int64_t len = x.shape[static_cast<std::size_t>(ax)];
  const float sc = node.attrs.scale;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const float* src = x.data.data() + o * len * inner + i;
      float* dst = out.data.data() + o * len * inner + i;
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < len; ++j) mx = std::max(mx, sc * src[j * inner]);
      double sum = 0;
      for (int64_t j = 0; j < len; ++j) {
        dst[j * inner] = std::exp(sc * src[j * inner] - mx);
        sum += dst[j * inner];
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t j = 0; j < len; ++j) dst[j * inner] *= inv;
    }
}

void layer_norm(const Node& node, const FloatTensor& x, FloatTensor& out) {
  need_weights(node);
  const int64_t d = x.shape.back(), rows = num_elements(x.shape) / d;
  for (int64_t rr = 0; rr < rows; ++rr) {
    const float* src = x.data.data() + rr * d;
    float* dst = out.data.data() + rr * d;
    double mean = 0, var = 0;
    for (int64_t j = 0; j < d; ++j) mean += src[j];
    mean /= static_cast<double>(d);
    for (int64_t j = 0; j < d; ++j) var += (src[j] - mean) * (src[j] - mean);
    var /= static_cast<double>(d);
    const double inv = 1.0 / std::sqrt(var + node.attrs.epsilon);
    for (int64_t j = 0; j < d; ++j) {
      const auto ju = static_cast<std::size_t>(j);
      dst[j] = static_cast<float>((src[j] - mean) * inv) * node.weights[ju] +
               (node.has_bias ? node.bias[ju] : 0.0f);
    }
  }
}

}  // namespace

FloatTensor eval_node_fp32(const Node& node, const std::vector<const FloatTensor*>& inputs) {
  std::vector<Shape> shapes;
  for (const FloatTensor* t : inputs) {
    if (static_cast<int64_t>(t->data.size()) != num_elements(t->shape))
      throw eval_error(node, "input value has " + std::to_string(t->data.size()) +
                                 " elements for shape " + shape_str(t->shape));
    shapes.push_back(t->shape);
  }
  FloatTensor out = make_out(infer_output_shapes(node, shapes).at(0));
  const FloatTensor& x = *inputs.at(0);
  switch (node.op) {
    case OpKind::Conv:
      conv(node, x, out);
      break;
    case OpKind::Gemm:
      linear(node, x, out);
      break;
    case OpKind::MatMul:
      matmul(x, *inputs[1], out);
      break;
    case OpKind::Add:
      add(x, *inputs[1], out);
      break;
    case OpKind::Relu:
      for (std::size_t i = 0; i < out.data.size(); ++i) out.data[i] = std::max(x.data[i], 0.0f);
      break;
    case OpKind::Clip:
      for (std::size_t i = 0; i < out.data.size(); ++i)
        out.data[i] = std::min(std::max(x.data[i], node.attrs.clip_min), node.attrs.clip_max);
      break;
    case OpKind::Gelu:
      for (std::size_t i = 0; i < out.data.size(); ++i)
        out.data[i] = 0.5f * x.data[i] * (1.0f + std::erf(x.data[i] * 0.70710678118654752f));
      break;
    case OpKind::MaxPool:
    case OpKind::AveragePool:
      pool(node, x, out);
      break;
    case OpKind::GlobalAveragePool: {
      const int64_t hw = x.shape[2] * x.shape[3];
      for (std::size_t pl = 0; pl < out.data.size(); ++pl) {
        double sum = 0;
        for (int64_t i = 0; i < hw; ++i)
          sum += x.data[pl * static_cast<std::size_t>(hw) + static_cast<std::size_t>(i)];
        out.data[pl] = static_cast<float>(sum / static_cast<double>(hw));
      }
      break;
    }
    case OpKind::Flatten:
    case OpKind::Reshape:
      out.data = x.data;
      break;
    case OpKind::Transpose:
      transpose(node, x, out);
      break;
    case OpKind::Slice:
      slice(node, x, out);
      break;
    case OpKind::Concat:
      concat(node, inputs, out);
      break;
    case OpKind::Softmax:
      softmax(node, x, out);
      break;
    case OpKind::LayerNorm:
      layer_norm(node, x, out);
      break;
    case OpKind::Mul:
      binary(x, *inputs[1], out, [](float a, float b) { return a * b; });
      break;
    case OpKind::Sub:
      binary(x, *inputs[1], out, [](float a, float b) { return a - b; });
      break;
    case OpKind::Div:
      binary(x, *inputs[1], out, [](float a, float b) { return a / b; });
      break;
    case OpKind::Sigmoid:
      unary(x, out, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
      break;
    case OpKind::HardSigmoid: {
      const float al = node.attrs.alpha, be = node.attrs.beta;
      unary(x, out, [al, be](float v) { return std::max(0.0f, std::min(1.0f, al * v + be)); });
      break;
    }
    case OpKind::HardSwish:
      unary(x, out, [](float v) {
        return v * std::max(0.0f, std::min(1.0f, v * (1.0f / 6.0f) + 0.5f));
      });
      break;
    case OpKind::Erf:
      unary(x, out, [](float v) { return std::erf(v); });
      break;
    case OpKind::ReduceMean:
      reduce_mean(node, x, out);
      break;
    case OpKind::Pad:
      pad(node, x, out);
      break;
    case OpKind::Sqrt:
      unary(x, out, [](float v) { return std::sqrt(v); });
      break;
    case OpKind::Pow: {
      const float e = node.attrs.exponent;
      if (e == 2.0f)
        unary(x, out, [](float v) { return v * v; });
      else
        unary(x, out, [e](float v) { return std::pow(v, e); });
      break;
    }
  }
  return out;
}

namespace {

// keep_all: every activation; else the outputs and `keep`.
TensorValues forward_impl(const Graph& graph, const TensorValues& inputs, bool keep_all,
                          const std::unordered_set<std::string>& keep) {
  const bool keep_intermediates = keep_all;
  TensorValues values;
  for (const auto& name : graph.inputs()) {
    auto it = inputs.find(name);
    if (it == inputs.end())
      throw UserError("graph '" + graph.name() + "': no value for input '" + name + "'");
    if (it->second.shape != graph.shape(name))
      throw UserError("graph '" + graph.name() + "': input '" + name + "' has shape " +
                      shape_str(it->second.shape) + ", the graph expects " +
                      shape_str(graph.shape(name)));
    values[name] = it->second;
  }
  std::unordered_map<std::string, FloatTensor> constants;
  std::unordered_map<std::string, int> readers;
  for (const Node& n : graph.nodes())
    for (const auto& in : n.inputs) {
      const TensorInfo& t = graph.tensor(in);
      if (t.kind == TensorKind::Constant && !constants.count(in))
        constants[in] = FloatTensor{t.shape, t.data};
      ++readers[in];
    }
  std::vector<const FloatTensor*> args;
  for (const Node& n : graph.nodes()) {
    args.clear();
    for (const auto& in : n.inputs) {
      auto c = constants.find(in);
      args.push_back(c != constants.end() ? &c->second : &values.at(in));
    }
    FloatTensor out = eval_node_fp32(n, args);
    values[n.outputs[0]] = std::move(out);
    if (keep_intermediates) continue;
    for (const auto& in : n.inputs)
      if (--readers[in] == 0 && !constants.count(in) && !keep.count(in) &&
          std::find(graph.outputs().begin(), graph.outputs().end(), in) == graph.outputs().end())
        values.erase(in);
  }
  if (keep_intermediates) return values;
  TensorValues result;
  for (const auto& name : graph.outputs()) result[name] = values.at(name);
  for (const auto& name : keep) {
    auto it = values.find(name);
    if (it != values.end() && !result.count(name)) result.emplace(name, std::move(it->second));
  }
  return result;
}

}  // namespace

TensorValues forward_fp32(const Graph& graph, const TensorValues& inputs, bool keep_intermediates) {
  return forward_impl(graph, inputs, keep_intermediates, {});
}

TensorValues forward_fp32(const Graph& graph, const TensorValues& inputs,
                          const std::unordered_set<std::string>& keep) {
  return forward_impl(graph, inputs, false, keep);
}

FloatTensor forward_fp32(const Graph& graph, const FloatTensor& input) {
  if (graph.inputs().size() != 1 || graph.outputs().size() != 1)
    throw UserError("graph '" + graph.name() + "': expects one input and one output");
  TensorValues in;
  in[graph.inputs()[0]] = input;
  TensorValues out = forward_fp32(graph, in);
  return std::move(out.at(graph.outputs()[0]));
}

}  // namespace lpsim::model
