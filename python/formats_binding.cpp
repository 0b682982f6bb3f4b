// The number formats for Python: flat-buffer kernels that the package's Format class
// (python/lpsim/_formats.py) calls. Arrays arrive as contiguous one-dimensional float32 or
// float64 views of the caller's memory (no copy) and results go straight into numpy arrays the
// package allocated; the GIL is released while the loops run, on up to num_threads() threads.
// Every element is computed on its own, so any thread count gives the same bits.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "python/bindings.hpp"
#include "sw/formats/adaptivfloat_format.hpp"
#include "sw/formats/fast_quantizer.hpp"
#include "sw/formats/format_parse.hpp"
#include "sw/formats/fp8_format.hpp"
#include "sw/formats/int_format.hpp"
#include "sw/formats/lp_format.hpp"
#include "sw/formats/metrics.hpp"
#include "sw/formats/posit_format.hpp"

namespace lpsim::python {
namespace {

namespace py = pybind11;

// ---- threads ---------------------------------------------------------------------------------

int default_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(hw, 1u, 16u));
}

std::atomic<int> g_threads{default_threads()};

// Below this many elements per thread, starting a thread costs more than it saves.
constexpr std::size_t kMinPerThread = std::size_t{1} << 17;

// Runs fn(begin, end) over [0, n) in contiguous chunks, one per thread. fn must not throw.
template <class Fn>
void parallel_for(std::size_t n, const Fn& fn) {
  const std::size_t want = static_cast<std::size_t>(std::max(1, g_threads.load()));
  const std::size_t threads = std::max<std::size_t>(1, std::min(want, n / kMinPerThread));
  if (threads == 1) {
    fn(std::size_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  const std::size_t chunk = (n + threads - 1) / threads;
  for (std::size_t t = 1; t < threads; ++t) {
    const std::size_t b = std::min(n, t * chunk), e = std::min(n, b + chunk);
    pool.emplace_back([&fn, b, e] { fn(b, e); });
  }
  fn(std::size_t{0}, std::min(n, chunk));
  for (auto& th : pool) th.join();
}

// ---- buffers ---------------------------------------------------------------------------------

// A contiguous 1-D array's data pointer, checked for dtype, size and writability.
template <class T>
T* data_of(const py::array& a, const char* what, bool writable) {
  if (!py::isinstance<py::array_t<T>>(a) || a.ndim() != 1 || !(a.flags() & py::array::c_style))
    throw py::type_error(std::string(what) + ": expected a contiguous 1-D array of " +
                         py::str(py::dtype::of<T>()).cast<std::string>());
  if (writable && !a.writeable()) throw py::value_error(std::string(what) + ": array is read-only");
  return static_cast<T*>(const_cast<void*>(a.data()));
}

// Optional output: None or an array of n elements of T.
template <class T>
T* out_of(const py::object& o, std::size_t n, const char* what) {
  if (o.is_none()) return nullptr;
  py::array a = py::reinterpret_borrow<py::array>(o);
  T* p = data_of<T>(a, what, true);
  if (static_cast<std::size_t>(a.size()) != n)
    throw py::value_error(std::string(what) + ": size differs from the input's");
  return p;
}

// Codes are uint8 for formats of <= 8 bits, uint16 above.
struct CodesOut {
  std::uint8_t* c8 = nullptr;
  std::uint16_t* c16 = nullptr;
  void put(std::size_t i, fmt::Code c) const {
    if (c8) c8[i] = static_cast<std::uint8_t>(c);
    if (c16) c16[i] = static_cast<std::uint16_t>(c);
  }
  explicit operator bool() const { return c8 || c16; }
};

CodesOut codes_of(const py::object& o, std::size_t n, int bits) {
  CodesOut c;
  if (o.is_none()) return c;
  if (bits <= 8)
    c.c8 = out_of<std::uint8_t>(o, n, "codes");
  else
    c.c16 = out_of<std::uint16_t>(o, n, "codes");
  return c;
}

// ---- formats ---------------------------------------------------------------------------------

// Parsed formats by text, so repeated calls (LogarithmicPosit(...) in a loop) reuse one format
// and its fast table. Bounded: cleared when it grows past kMaxCached.
fmt::FormatPtr cached_format(const std::string& text) {
  static std::mutex mu;
  static std::map<std::string, fmt::FormatPtr> cache;
  constexpr std::size_t kMaxCached = 256;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(text);
    if (it != cache.end()) return it->second;
  }
  fmt::FormatPtr f = fmt::parse_format(text);
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() >= kMaxCached) cache.clear();
  cache.emplace(text, f);
  return f;
}

// Arrays at least this long use the table-driven FastQuantizer (built once per format, a few
// milliseconds; float64 through encode_double); shorter ones call encode() per element. Both
// give the same codes.
constexpr std::size_t kFastMin = std::size_t{1} << 15;

// Quantizes n values of `in` into codes and/or values (either may be null).
void quantize_f32(const fmt::NumberFormat& f, const float* in, std::size_t n, const CodesOut& codes,
                  float* vals) {
  if (n >= kFastMin) {
    const fmt::FastQuantizer& fq = f.fast();
    parallel_for(n, [&](std::size_t b, std::size_t e) {
      if (!codes) {
        fq.quantize(in + b, nullptr, vals + b, e - b);
        return;
      }
      if (codes.c16) {
        fq.quantize(in + b, codes.c16 + b, vals ? vals + b : nullptr, e - b);
        return;
      }
      for (std::size_t i = b; i < e; ++i) {
        const fmt::Code c = fq.encode(in[i]);
        codes.put(i, c);
        if (vals) vals[i] = fq.value(c);
      }
    });
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const fmt::Code c = f.encode(static_cast<double>(in[i]));
    codes.put(i, c);
    if (vals) vals[i] = static_cast<float>(f.decode(c));  // FastQuantizer::value, exactly
  }
}

// The code of a double through the float table, exactly encode(x): x lies between the floats
// just below and just above float(|x|) (round to nearest moves it by at most half an ulp), and
// encode() is monotone in |x| and symmetric (NumberFormat's contract), so when those two floats
// have one code, x has it too. Otherwise (x within an ulp of a rounding threshold, zero, NaN,
// beyond the float range) the exact double encoder decides.
fmt::Code encode_double(const fmt::NumberFormat& f, const fmt::FastQuantizer& fq, double x) {
  const float m = static_cast<float>(std::fabs(x));
  std::uint32_t bits;
  std::memcpy(&bits, &m, sizeof bits);
  if (bits != 0 && bits < 0x7f800000u) {
    const std::uint32_t sign = std::signbit(x) ? 0x80000000u : 0u;
    const std::uint32_t lo_bits = (bits - 1) | sign, hi_bits = (bits + 1) | sign;
    float lo, hi;
    std::memcpy(&lo, &lo_bits, sizeof lo);
    std::memcpy(&hi, &hi_bits, sizeof hi);
    const fmt::Code c = fq.encode(lo);
    if (fq.encode(hi) == c) return c;
  }
  return f.encode(x);
}

void quantize_f64(const fmt::NumberFormat& f, const double* in, std::size_t n,
                  const CodesOut& codes, double* vals) {
  const fmt::FastQuantizer* fq = n >= kFastMin ? &f.fast() : nullptr;
  parallel_for(n, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const fmt::Code c = fq ? encode_double(f, *fq, in[i]) : f.encode(in[i]);
      codes.put(i, c);
      if (vals) vals[i] = f.decode(c);
    }
  });
}

// Quantizes the flat array `in` (float32 or float64) into `values` (same dtype) and/or `codes`.
void quantize_into(const fmt::NumberFormat& f, const py::array& in, const py::object& values,
                   const py::object& codes_obj) {
  const std::size_t n = static_cast<std::size_t>(in.size());
  const CodesOut codes = codes_of(codes_obj, n, f.bits());
  if (py::isinstance<py::array_t<float>>(in)) {
    const float* x = data_of<float>(in, "input", false);
    float* v = out_of<float>(values, n, "values");
    py::gil_scoped_release nogil;
    quantize_f32(f, x, n, codes, v);
  } else {
    const double* x = data_of<double>(in, "input", false);
    double* v = out_of<double>(values, n, "values");
    py::gil_scoped_release nogil;
    quantize_f64(f, x, n, codes, v);
  }
}

// The input as float32 values for the formats that fit a parameter to data (as `lpsim lp
// quantize` does: its calibration vector is the input converted to float).
std::vector<float> as_floats(const py::array& in) {
  const std::size_t n = static_cast<std::size_t>(in.size());
  std::vector<float> v(n);
  if (py::isinstance<py::array_t<float>>(in)) {
    const float* x = data_of<float>(in, "input", false);
    std::copy(x, x + n, v.begin());
  } else {
    const double* x = data_of<double>(in, "input", false);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(x[i]);
  }
  return v;
}

py::dict params_of(const fmt::NumberFormat& f) {
  py::dict d;
  if (auto* lp = dynamic_cast<const fmt::LpFormat*>(&f)) {
    d["n"] = lp->params().n;
    d["es"] = lp->params().es;
    d["rs"] = lp->params().rs;
    d["sf"] = lp->params().sf;
  } else if (auto* po = dynamic_cast<const fmt::PositFormat*>(&f)) {
    d["n"] = po->params().n;
    d["es"] = po->params().es;
  } else if (auto* in = dynamic_cast<const fmt::IntFormat*>(&f)) {
    d["n"] = in->params().n;
    d["scale"] = in->params().scale;
  } else if (auto* af = dynamic_cast<const fmt::AdaptivFloatFormat*>(&f)) {
    d["n"] = af->params().n;
    d["e"] = af->params().e;
    d["exp_min"] = af->params().exp_min;
  } else if (auto* f8 = dynamic_cast<const fmt::Fp8Format*>(&f)) {
    d["n"] = 8;
    d["kind"] = f8->kind() == fmt::Fp8Kind::E4M3 ? "e4m3" : "e5m2";
  }
  return d;
}

std::string family_of(const fmt::NumberFormat& f) {
  if (dynamic_cast<const fmt::LpFormat*>(&f)) return "lp";
  if (dynamic_cast<const fmt::PositFormat*>(&f)) return "posit";
  if (dynamic_cast<const fmt::IntFormat*>(&f)) return "int";
  if (dynamic_cast<const fmt::AdaptivFloatFormat*>(&f)) return "af";
  return "fp8";
}

py::dict stats_dict(const fmt::ErrorStats& s) {
  py::dict d;
  d["count"] = s.count;
  d["rmse"] = s.rmse;
  d["max_rel_error"] = s.max_rel_error;
  d["mean_decimal_accuracy"] = s.mean_decimal_acc;
  d["exact"] = s.exact;
  d["excluded"] = s.excluded;
  return d;
}

// One format as the package sees it.
struct Codec {
  fmt::FormatPtr f;
};

}  // namespace

void bind_formats(py::module_& m) {
  m.def(
      "set_num_threads",
      [](int n) {
        if (n < 1) throw py::value_error("set_num_threads: expected at least 1 thread");
        g_threads = n;
      },
      py::arg("n"),
      "Threads used by quantize/encode/decode on large arrays (results do not depend on it).");
  m.def("get_num_threads", [] { return g_threads.load(); });

  py::class_<Codec>(m, "_Codec")
      .def_property_readonly("name", [](const Codec& c) { return c.f->name(); })
      .def_property_readonly("bits", [](const Codec& c) { return c.f->bits(); })
      .def_property_readonly("family", [](const Codec& c) { return family_of(*c.f); })
      .def_property_readonly("params", [](const Codec& c) { return params_of(*c.f); })
      .def_property_readonly("twos_complement",
                             [](const Codec& c) { return c.f->twos_complement(); })
      .def("encode_scalar", [](const Codec& c, double x) { return c.f->encode(x); })
      .def("decode_scalar",
           [](const Codec& c, fmt::Code code) {
             return c.f->decode(code & static_cast<fmt::Code>(c.f->num_codes() - 1));
           })
      .def("is_nan_code", [](const Codec& c, fmt::Code code) { return c.f->is_nan_code(code); })
      .def(
          "quantize",
          [](const Codec& c, const py::array& in, const py::object& values,
             const py::object& codes) { quantize_into(*c.f, in, values, codes); },
          py::arg("input"), py::arg("values"), py::arg("codes"))
      .def("decode",
           [](const Codec& c, const py::array& codes, const py::array& out) {
             const std::size_t n = static_cast<std::size_t>(codes.size());
             const std::uint16_t* in = data_of<std::uint16_t>(codes, "codes", false);
             const fmt::Code mask = static_cast<fmt::Code>(c.f->num_codes() - 1);
             const fmt::NumberFormat& f = *c.f;
             if (py::isinstance<py::array_t<float>>(out)) {
               float* o = out_of<float>(out, n, "out");
               py::gil_scoped_release nogil;
               parallel_for(n, [&](std::size_t b, std::size_t e) {
                 for (std::size_t i = b; i < e; ++i)
                   o[i] = static_cast<float>(f.decode(in[i] & mask));
               });
             } else {
               double* o = out_of<double>(out, n, "out");
               py::gil_scoped_release nogil;
               parallel_for(n, [&](std::size_t b, std::size_t e) {
                 for (std::size_t i = b; i < e; ++i) o[i] = f.decode(in[i] & mask);
               });
             }
           })
      .def("table", [](const Codec& c) {
        py::array_t<double> t(static_cast<py::ssize_t>(c.f->num_codes()));
        double* p = t.mutable_data();
        for (fmt::Code i = 0; i < c.f->num_codes(); ++i) p[i] = c.f->decode(i);
        return t;
      });

  m.def(
      "_parse", [](const std::string& text) { return Codec{cached_format(text)}; },
      py::arg("text"));
  // A format whose free parameter (INT scale, AdaptivFloat exp_min) is fitted to `calib`.
  m.def(
      "_fit",
      [](const std::string& text, const py::array& calib) {
        const std::vector<float> v = as_floats(calib);
        return Codec{fmt::parse_format(text, v.data(), v.size())};
      },
      py::arg("text"), py::arg("calib"));

  // Per-channel INT: the flat C-order array seen as (outer, channels, inner); each channel
  // gets IntFormat::fit_scale of its own values. Returns the scales.
  m.def("_int_channels",
        [](int n, const py::array& in, std::size_t outer, std::size_t channels, std::size_t inner,
           const py::object& values, const py::object& codes_obj) {
          const std::size_t count = static_cast<std::size_t>(in.size());
          if (outer * channels * inner != count) throw py::value_error("_int_channels: bad shape");
          fmt::IntParams{n, 1.0}.validate();
          const std::vector<float> x = as_floats(in);
          const CodesOut codes = codes_of(codes_obj, count, n);
          const bool f32 = py::isinstance<py::array_t<float>>(in);
          float* v32 = f32 ? out_of<float>(values, count, "values") : nullptr;
          double* v64 = f32 ? nullptr : out_of<double>(values, count, "values");
          const double* x64 = f32 ? nullptr : data_of<double>(in, "input", false);
          py::array_t<double> scales(static_cast<py::ssize_t>(channels));
          double* sp = scales.mutable_data();
          {
            py::gil_scoped_release nogil;
            std::vector<float> slice;
            for (std::size_t ch = 0; ch < channels; ++ch) {
              slice.clear();
              for (std::size_t o = 0; o < outer; ++o) {
                const float* p = x.data() + (o * channels + ch) * inner;
                slice.insert(slice.end(), p, p + inner);
              }
              sp[ch] = fmt::IntFormat::fit_scale(n, slice.data(), slice.size());
              const fmt::IntFormat f(fmt::IntParams{n, sp[ch]});
              for (std::size_t o = 0; o < outer; ++o) {
                const std::size_t base = (o * channels + ch) * inner;
                for (std::size_t i = base; i < base + inner; ++i) {
                  const fmt::Code c = f.encode(f32 ? static_cast<double>(x[i]) : x64[i]);
                  codes.put(i, c);
                  if (v32) v32[i] = static_cast<float>(f.decode(c));
                  if (v64) v64[i] = f.decode(c);
                }
              }
            }
          }
          return scales;
        });

  m.def("_best_sf", [](int n, int es, int rs, const py::array& in) {
    fmt::LpParams{n, es, rs, 0}.validate();
    if (py::isinstance<py::array_t<float>>(in)) {
      const float* x = data_of<float>(in, "input", false);
      const std::size_t count = static_cast<std::size_t>(in.size());
      py::gil_scoped_release nogil;
      return fmt::best_lp_sf(n, es, rs, x, count);
    }
    const std::vector<float> v = as_floats(in);
    py::gil_scoped_release nogil;
    return fmt::best_lp_sf(n, es, rs, v.data(), v.size());
  });

  m.def("_error_stats", [](const py::array& x, const py::array& q) {
    const std::size_t n = static_cast<std::size_t>(x.size());
    const double* xp = data_of<double>(x, "x", false);
    const double* qp = data_of<double>(q, "q", false);
    if (static_cast<std::size_t>(q.size()) != n)
      throw py::value_error("error_stats: x and q differ in size");
    fmt::ErrorStats s;
    {
      py::gil_scoped_release nogil;
      s = fmt::error_stats(xp, qp, n);
    }
    return stats_dict(s);
  });
  m.def("decimal_accuracy", &fmt::decimal_accuracy, py::arg("x"), py::arg("q"),
        "-log10|log10(q/x)|: +inf when q == x, NaN when either is zero or the signs differ.");
}

}  // namespace lpsim::python
