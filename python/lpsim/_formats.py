"""Number formats on numpy arrays (docs/python.md): Format, LogarithmicPosit, best_sf, metrics.

Every result equals `lpsim lp quantize` / `lp table` / `lp error` for the same format: the
codes bit for bit; the values exactly (float64 input) or as that double rounded to float32
(float32 input). The work is done in C++ (lpsim._lpsim) on the array's own memory, with the
GIL released.
"""
import functools
import operator

import numpy as np

from . import _lpsim

__all__ = ["Format", "LogarithmicPosit", "best_sf", "error_stats"]


def _as_real_array(a):
    """The input as an ndarray of native float32 or float64 (other real dtypes: float64)."""
    a = np.asarray(a)
    if a.dtype.kind == "f" and a.dtype.itemsize == 4:
        return a if a.dtype == np.float32 else a.astype(np.float32)
    if a.dtype.kind == "f" and a.dtype.itemsize == 8:
        return a if a.dtype == np.float64 else a.astype(np.float64)
    if a.dtype.kind in "biuf":
        return a.astype(np.float64)
    raise TypeError(f"lpsim: expected an array of real numbers, got dtype {a.dtype}")


def _flat(a):
    """(a, flat view of its memory, order): no copy when `a` is C- or F-contiguous."""
    if a.flags.c_contiguous:
        return a, a.reshape(-1), "C"
    if a.flags.f_contiguous:
        return a, a.ravel(order="F"), "F"
    a = np.ascontiguousarray(a)
    return a, a.reshape(-1), "C"


def _empty(shape, dtype, order):
    out = np.empty(shape, dtype=dtype, order=order)
    return out, (out.reshape(-1) if order == "C" else out.ravel(order="F"))


def _code_dtype(bits):
    return np.uint8 if bits <= 8 else np.uint16


def _result(shape, dtype, order, out, fill):
    """Calls fill(flat_out) on a fresh array or on `out` (no copy when its layout allows)."""
    if out is None:
        res, flat = _empty(shape, dtype, order)
        fill(flat)
        return res
    if not isinstance(out, np.ndarray) or out.shape != tuple(shape) or out.dtype != dtype:
        raise ValueError(f"lpsim: out must be an ndarray of shape {tuple(shape)} and dtype "
                         f"{np.dtype(dtype)}")
    if not out.flags.writeable:
        raise ValueError("lpsim: out is read-only")
    if (order == "C" and out.flags.c_contiguous) or (order == "F" and out.flags.f_contiguous):
        fill(out.reshape(-1) if order == "C" else out.ravel(order="F"))
    else:
        tmp, flat = _empty(shape, dtype, order)
        fill(flat)
        np.copyto(out, tmp)
    return out


class Format:
    """A number format: ``Format("lp<8,2,3,0>")``, ``"lp:8,2,3,0"``, ``"posit:8,2"``,
    ``"fp8:e4m3"``, ``"fp8:e5m2"``, ``"int:8"``, ``"int:8,0.01"``, ``"af:8,3"``,
    ``"af:8,3,-7"`` (the texts of ``lpsim lp``, README "Formats").

    A format whose free parameter is not given (``int:N`` without SCALE, ``af:N,E`` without
    EXPMIN) is fitted to every array it quantizes, as ``lpsim lp quantize`` fits it to its
    input; ``fit(a)`` returns the fixed format. ``axis=k`` (INT only) fits one scale per slice
    along axis k (per-channel INT).
    """

    def __init__(self, text, *, axis=None):
        if isinstance(text, Format):
            text, axis = text.text, text.axis if axis is None else axis
        if not isinstance(text, str):
            raise TypeError(f"lpsim.Format: expected a format text, got {type(text).__name__}")
        self._codec = _lpsim._parse(text)  # raises lpsim.Error for a bad text
        self.text = text
        fam = self._codec.family
        nargs = len(text.replace("<", ":").split(":", 1)[1].rstrip(">").split(",")) \
            if (":" in text or "<" in text) else 0
        self._fitted = (fam == "int" and nargs <= 1) or (fam == "af" and nargs == 2)
        if axis is not None:
            if fam != "int" or not self._fitted:
                raise _lpsim.Error(f"format '{text}': axis= (per-channel) needs an INT format "
                                   "without a scale, e.g. 'int:8'")
            axis = operator.index(axis)
        self.axis = axis

    # ---- what the format is ----
    @property
    def family(self):
        """'lp', 'posit', 'int', 'af' or 'fp8'."""
        return self._codec.family

    @property
    def bits(self):
        return self._codec.bits

    @property
    def num_codes(self):
        return 1 << self._codec.bits

    @property
    def is_fitted(self):
        """True when a parameter is fitted to each array (int:N, af:N,E, per-channel INT)."""
        return self._fitted

    @property
    def name(self):
        """The canonical name, e.g. 'lp<8,2,3,0>' (fitted formats: the text as given)."""
        return self.text if self._fitted else self._codec.name

    @property
    def params(self):
        """The parameters as a dict, e.g. {'n': 8, 'es': 2, 'rs': 3, 'sf': 0}; a fitted
        format leaves out the one it fits (INT scale, AdaptivFloat exp_min)."""
        p = dict(self._codec.params)
        if self._fitted:
            p.pop("scale", None)
            p.pop("exp_min", None)
        return p

    def __repr__(self):
        extra = f", axis={self.axis}" if self.axis is not None else ""
        return f"lpsim.Format({self.name!r}{extra})"

    def __eq__(self, other):
        return isinstance(other, Format) and (self.name, self.axis) == (other.name, other.axis)

    def __hash__(self):
        return hash((self.name, self.axis))

    # ---- fitting ----
    def _codec_for(self, flat):
        return _lpsim._fit(self.text, flat) if self._fitted else self._codec

    def fit(self, a):
        """The fixed format this one becomes for array `a` (itself when nothing is fitted)."""
        if not self._fitted:
            return self
        if self.axis is not None:
            raise _lpsim.Error(f"format '{self.text}': a per-channel format has one scale per "
                               "channel; use channel_scales(a)")
        _, flat, _ = _flat(_as_real_array(a))
        return Format(_lpsim._fit(self.text, flat).name)

    def channel_scales(self, a):
        """Per-channel INT: the scale of each slice along `axis`, max|x| / (2^(n-1)-1)."""
        if self.axis is None:
            raise _lpsim.Error(f"format '{self.text}': not a per-channel format (axis=None)")
        return self._channels(_as_real_array(a), None, None)

    def _channels(self, a, values_flat, codes_flat):
        ax = self.axis if self.axis >= 0 else self.axis + a.ndim
        if not 0 <= ax < a.ndim:
            raise _lpsim.Error(f"format '{self.text}': axis={self.axis} is out of range for an "
                               f"array of {a.ndim} dimensions")
        a = np.ascontiguousarray(a)
        outer = int(np.prod(a.shape[:ax], dtype=np.int64))
        inner = int(np.prod(a.shape[ax + 1:], dtype=np.int64))
        return _lpsim._int_channels(self.params["n"], a.reshape(-1), outer, a.shape[ax], inner,
                                    values_flat, codes_flat)

    # ---- arrays ----
    def quantize(self, a, out=None):
        """Quantize-then-dequantize: the values of the nearest codes, with a's shape and dtype
        (float32 and float64 kept; other real dtypes give float64). `out` may be `a` itself."""
        a = _as_real_array(a)
        if self.axis is not None:
            a = np.ascontiguousarray(a)
            return _result(a.shape, a.dtype, "C", out,
                           lambda flat: self._channels(a, flat, None))
        a, flat, order = _flat(a)
        codec = self._codec_for(flat)
        return _result(a.shape, a.dtype, order, out, lambda f: codec.quantize(flat, f, None))

    def encode(self, a):
        """The codes (bit patterns) of `a`: uint8 for formats of <= 8 bits, uint16 above."""
        a = _as_real_array(a)
        dt = _code_dtype(self.bits)
        if self.axis is not None:
            a = np.ascontiguousarray(a)
            return _result(a.shape, dt, "C", None, lambda flat: self._channels(a, None, flat))
        a, flat, order = _flat(a)
        codec = self._codec_for(flat)
        return _result(a.shape, dt, order, None, lambda f: codec.quantize(flat, None, f))

    def encode_quantize(self, a):
        """(codes, values) in one pass."""
        a = _as_real_array(a)
        a, flat, order = _flat(np.ascontiguousarray(a) if self.axis is not None else a)
        codes, cflat = _empty(a.shape, _code_dtype(self.bits), order)
        values, vflat = _empty(a.shape, a.dtype, order)
        if self.axis is not None:
            self._channels(a, vflat, cflat)
        else:
            self._codec_for(flat).quantize(flat, vflat, cflat)
        return codes, values

    def decode(self, codes, dtype=np.float64):
        """The values of `codes` (any integer array; the low `bits` bits are used; NaR/NaN
        codes give nan) as float64, or float32 with dtype=np.float32."""
        if self._fitted:
            raise _lpsim.Error(f"format '{self.text}': a fitted format has no fixed values; "
                               "decode with fit(a)")
        dtype = np.dtype(dtype)
        if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise TypeError("lpsim: decode dtype must be float32 or float64")
        c = np.asarray(codes)
        if c.dtype.kind not in "iub":
            raise TypeError(f"lpsim: codes must be integers, got dtype {c.dtype}")
        c = np.ascontiguousarray(c & (self.num_codes - 1), dtype=np.uint16)
        return _result(c.shape, dtype, "C", None,
                       lambda flat: self._codec.decode(c.reshape(-1), flat))

    def table(self):
        """The value of every code 0 .. 2^bits - 1 (float64, nan for NaR/NaN), as `lpsim lp
        table` prints them."""
        if self._fitted:
            raise _lpsim.Error(f"format '{self.text}': a fitted format has no fixed table; use "
                               "fit(a).table()")
        return self._codec.table()

    def error(self, a):
        """`lpsim lp error` on the values of `a`: dict of count, rmse, max_rel_error,
        mean_decimal_accuracy, exact, excluded (in double precision, as the CLI)."""
        x = np.ascontiguousarray(_as_real_array(a), dtype=np.float64)
        if x.size == 0:
            raise _lpsim.Error("error: no values to measure")
        if self.axis is None:
            # A fitted format fits to the float32 image of x, as the CLI does.
            x32 = x.reshape(-1).astype(np.float32) if self._fitted else None
            codec = _lpsim._fit(self.text, x32) if self._fitted else self._codec
            q = np.empty_like(x.reshape(-1))
            codec.quantize(x.reshape(-1), q, None)
        else:
            q = self.quantize(x).reshape(-1)
        return error_stats(x, q)


def error_stats(x, q):
    """Error of `q` against the reference `x` (docs/lp-format.md, section 8): dict of count,
    rmse, max_rel_error, mean_decimal_accuracy, exact, excluded."""
    x = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
    q = np.ascontiguousarray(q, dtype=np.float64).reshape(-1)
    return _lpsim._error_stats(x, q)


def best_sf(a, n, es, rs):
    """The sf in -64..64 that minimises the RMSE of `a` in LP<n, es, rs, sf> (ties: the
    smallest |sf|, then the smaller sf), on the float32 image of `a` (fmt::best_lp_sf)."""
    x = np.ascontiguousarray(_as_real_array(a), dtype=np.float32).reshape(-1)
    return _lpsim._best_sf(operator.index(n), operator.index(es), operator.index(rs), x)


@functools.lru_cache(maxsize=256)
def _lp(nbits, es, rs, sf):
    return Format(f"lp:{nbits},{es},{rs},{sf}")


def LogarithmicPosit(array, nbits=8, es=2, rs=2, sf=0):
    """The LP paper's call, ``LogarithmicPosit(params_np, nbits=8, es=2, rs=2, sf=0)``: `array`
    quantized to LP<nbits, es, rs, sf> and dequantized, with its shape and dtype.

    nbits = n (word size), es = exponent bits, rs = the longest regime run, sf = the scale
    factor (values are multiplied by 2^-sf), as docs/lp-format.md defines them; see
    docs/python.md for how this relates to the paper's published Python class.
    """
    fmt = _lp(operator.index(nbits), operator.index(es), operator.index(rs), operator.index(sf))
    return fmt.quantize(array)
