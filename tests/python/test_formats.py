"""Every format as an object (lp, posit, int per tensor and per channel, af, fp8): quantize,
encode, decode, table and error against `lpsim lp quantize|table|error`; best_sf."""
import numpy as np
import pytest

import lpsim
from conftest import cli_quantize, cli_table, run_cli, same

rng = np.random.default_rng(1414)
X = np.concatenate([rng.standard_normal(3000) * s for s in (0.01, 0.3, 4.0)] +
                   [np.ldexp(1.0, np.arange(-20, 21)), [0.0, -0.0, np.inf, -np.inf, np.nan]])

FIXED = ["lp:8,2,3,0", "lp<4,1,3,0>", "lp:16,1,5,-2", "posit:8,2", "posit<8,0>", "posit:16,1",
         "fp8:e4m3", "fp8:e5m2", "fp8_e4m3", "int:8,0.01", "int:4,0.25", "int:16,0.001",
         "af:8,3,-7", "af<6,2,-3>"]
FITTED = ["int:8", "int4", "int:16", "af:8,3", "af:5,2"]


@pytest.mark.parametrize("text", FIXED + FITTED)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_quantize_and_encode_equal_cli(lpsim_exe, text, dtype):
    x = X.astype(dtype)
    codes, want = cli_quantize(lpsim_exe, text, x)
    f = lpsim.Format(text)
    q = f.quantize(x)
    assert q.dtype == x.dtype and same(q, want.astype(dtype))
    c = f.encode(x)
    assert c.dtype == (np.uint8 if f.bits <= 8 else np.uint16)
    assert np.array_equal(c.astype(np.int64), codes)
    c2, q2 = f.encode_quantize(x)
    assert same(c2, c) and same(q2, q)


@pytest.mark.parametrize("text", FIXED)
def test_table_and_decode_equal_cli(lpsim_exe, text):
    f = lpsim.Format(text)
    want = cli_table(lpsim_exe, text)
    assert same(f.table(), want)
    codes = np.arange(f.num_codes).reshape(-1, 2)
    assert same(f.decode(codes), want.reshape(-1, 2))
    assert same(f.decode(codes, dtype=np.float32), want.astype(np.float32).reshape(-1, 2))
    # decode(encode(x)) is quantize(x) in float64
    assert same(f.decode(f.encode(X)), f.quantize(X))


@pytest.mark.parametrize("text", ["lp:8,2,3,2", "posit:8,1", "int:8", "af:8,3", "fp8:e5m2"])
def test_error_equals_cli(lpsim_exe, text):
    x = X[np.isfinite(X)][:2000].astype(np.float32)
    p = run_cli(lpsim_exe, ["lp", "error", "--format", text],
                " ".join("%.17g" % v for v in x.astype(np.float64)))
    assert p.returncode == 0, p.stderr
    cli = dict(line.split(" ", 1) for line in p.stdout.strip().split("\n"))
    got = lpsim.Format(text).error(x)
    assert got["count"] == int(cli["count"])
    assert got["exact"] == int(cli["exact"]) and got["excluded"] == int(cli["excluded"])
    assert "%.9g" % got["rmse"] == cli["rmse"]
    assert "%.9g" % got["max_rel_error"] == cli["max_rel_error"]
    assert "%.6f" % got["mean_decimal_accuracy"] == cli["mean_decimal_accuracy"]


def test_fitted_formats_fit_each_array_and_fit_returns_the_fixed_format(lpsim_exe):
    f = lpsim.Format("int:8")
    assert f.is_fitted and f.name == "int:8"
    a, b = X[:100], X[100:200] * 7
    assert same(f.quantize(a * 4), f.quantize(a) * 4)  # the scale follows the array
    fixed = f.fit(a)
    assert not fixed.is_fitted and fixed.family == "int"
    assert fixed.params["scale"] == np.max(np.abs(a.astype(np.float32))).astype(np.float64) / 127
    assert same(fixed.quantize(a), f.quantize(a))
    # The fixed name reads back (the CLI accepts it) and gives the same values.
    _, want = cli_quantize(lpsim_exe, fixed.name, a)
    assert same(fixed.quantize(a), want)
    af = lpsim.Format("af:8,3").fit(b)
    assert af.name.startswith("af<8,3,") and same(af.quantize(b), lpsim.Format("af:8,3").quantize(b))


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_per_channel_int_equals_cli_per_slice(lpsim_exe, axis, dtype):
    w = (rng.standard_normal((6, 5, 4)) * rng.uniform(0.01, 3, (6, 1, 1))).astype(dtype)
    w = np.asfortranarray(w)  # any layout
    f = lpsim.Format("int:8", axis=axis)
    q, c = f.quantize(w), f.encode(w)
    scales = f.channel_scales(w)
    assert q.shape == w.shape and q.dtype == w.dtype and scales.shape == (w.shape[axis],)
    for ch in range(w.shape[axis]):
        sl = np.take(w, ch, axis=axis)
        codes, want = cli_quantize(lpsim_exe, "int:8", sl)
        assert same(np.take(q, ch, axis=axis).reshape(-1), want.astype(dtype))
        assert np.array_equal(np.take(c, ch, axis=axis).reshape(-1).astype(np.int64), codes)
        assert scales[ch] == lpsim.Format("int:8").fit(sl).params["scale"]


def test_format_properties():
    f = lpsim.Format("lp<8,2,3,0>")
    assert (f.family, f.bits, f.num_codes, f.name) == ("lp", 8, 256, "lp<8,2,3,0>")
    assert f.params == {"n": 8, "es": 2, "rs": 3, "sf": 0}
    assert lpsim.Format("lp:8,2,3,0") == f and repr(f) == "lpsim.Format('lp<8,2,3,0>')"
    assert lpsim.Format("fp8:e4m3").params == {"n": 8, "kind": "e4m3"}
    assert lpsim.Format("posit:8,2").params == {"n": 8, "es": 2}
    assert lpsim.Format("af:8,3,-7").params == {"n": 8, "e": 3, "exp_min": -7}
    assert lpsim.Format(f) == f
    assert lpsim.Format("int:8").params == {"n": 8} and lpsim.Format("af:8,3").params == {"n": 8, "e": 3}


def best_sf_brute_force(x, n, es, rs):
    """The definition: the sf with the smallest squared error, ties to the smallest |sf| then
    the smaller sf (x in float32, error in double)."""
    x32 = x.astype(np.float32)
    best, best_err = 0, np.inf
    for mag in range(65):
        for sf in ((0,) if mag == 0 else (-mag, mag)):
            q = lpsim.Format(f"lp:{n},{es},{rs},{sf}").quantize(x32.astype(np.float64))
            err = np.sum((q - x32.astype(np.float64)) ** 2)
            if err < best_err:
                best, best_err = sf, err
    return best


@pytest.mark.parametrize("scale", [0.05, 1.0, 300.0])
def test_best_sf(scale):
    x = rng.standard_normal(500) * scale
    got = lpsim.best_sf(x, 8, 2, 3)
    assert got == best_sf_brute_force(x, 8, 2, 3)
    assert lpsim.best_sf(x.astype(np.float32), 8, 2, 3) == got
    if scale == 0.05:
        assert got > 0  # small values: the dense region moves down


def test_metrics_helpers():
    assert lpsim.decimal_accuracy(2.0, 2.0) == np.inf
    assert np.isnan(lpsim.decimal_accuracy(1.0, -1.0))
    assert lpsim.decimal_accuracy(1.0, 10 ** 0.01) == pytest.approx(2.0)
    s = lpsim.error_stats([1.0, 2.0, 0.0], [1.0, 2.5, 0.0])
    assert s["count"] == 3 and s["exact"] == 1 and s["excluded"] == 1
    assert s["rmse"] == pytest.approx(np.sqrt(0.25 / 3))
