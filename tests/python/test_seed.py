"""The LP paper's call, LogarithmicPosit(array, nbits, es, rs, sf), against `lpsim lp quantize`:
many shapes, float32/float64, C-, F- and non-contiguous arrays, special values."""
import numpy as np
import pytest

import lpsim
from conftest import cli_quantize, same

rng = np.random.default_rng(14)


def base_values():
    """Values every format must get right: normal spread, tiny and huge, powers of two (the
    ties), zeros of both signs, inf, nan, float32 subnormals."""
    v = [rng.standard_normal(2000) * s for s in (1e-3, 0.05, 1.0, 30.0)]
    v.append(np.ldexp(1.0, np.arange(-30, 31)))
    v.append(-np.ldexp(1.0, np.arange(-30, 31)))
    v.append(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e-42, 3.4e38, 1e-300, 1e300]))
    return np.concatenate(v)


def arrays(dtype):
    """(name, array) of many shapes and memory layouts, all drawn from one pool of values."""
    with np.errstate(over="ignore"):  # 1e300 becomes inf in float32, as intended
        pool = base_values().astype(dtype)
    a24 = pool[:24]
    big = pool[: 8 * 9 * 10].reshape(8, 9, 10)
    yield "scalar", np.array(pool[5])
    yield "empty", pool[:0]
    yield "1d", pool.copy()
    yield "4x4", pool[:16].reshape(4, 4)
    yield "2x3x4", a24.reshape(2, 3, 4)
    yield "fortran", np.asfortranarray(big)
    yield "transposed", big.transpose(2, 0, 1)
    yield "strided", big[::2, 1::3, ::-1]
    yield "column", big[:, 3, :][:, :1]
    yield "broadcast", np.broadcast_to(pool[:5], (3, 5))
    yield "readonly", np.frombuffer(pool.tobytes(), dtype=dtype)[:100].reshape(10, 10)


FORMATS = [(8, 2, 2, 0), (8, 2, 3, 0), (8, 1, 7, 0), (8, 2, 3, 5), (8, 0, 2, -3), (4, 1, 3, 0),
           (4, 2, 2, 1), (2, 0, 1, 0), (6, 2, 2, 0), (12, 3, 5, 2), (16, 2, 4, 0)]


@pytest.mark.parametrize("nbits,es,rs,sf", FORMATS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_seed_call_equals_cli(lpsim_exe, nbits, es, rs, sf, dtype):
    cases = list(arrays(dtype))
    flat = np.concatenate([a.reshape(-1) for _, a in cases]).astype(np.float64)
    _, want = cli_quantize(lpsim_exe, f"lp:{nbits},{es},{rs},{sf}", flat)
    pos = 0
    for name, a in cases:
        got = lpsim.LogarithmicPosit(a, nbits=nbits, es=es, rs=rs, sf=sf)
        expect = want[pos:pos + a.size].astype(dtype).reshape(a.shape)
        pos += a.size
        assert got.shape == a.shape and got.dtype == a.dtype, name
        assert same(got, expect), (name, got, expect)


def test_seed_snippet_as_written():
    # The paper's README: numpy in, quantized values out (torch.from_numpy is numpy-compatible).
    params_np = rng.standard_normal((64, 3, 3, 3)).astype(np.float32)
    params_quant = lpsim.LogarithmicPosit(params_np, nbits=8, es=2, rs=2, sf=0)
    assert isinstance(params_quant, np.ndarray) and params_quant.dtype == np.float32
    assert params_quant.shape == params_np.shape
    # Positional arguments and the defaults (nbits=8, es=2, rs=2, sf=0) work too.
    assert same(lpsim.LogarithmicPosit(params_np, 8, 2, 2, 0), params_quant)
    assert same(lpsim.LogarithmicPosit(params_np), params_quant)


def test_large_arrays_take_the_table_path_with_the_same_results(lpsim_exe):
    # >= 2^15 elements use the table-driven quantizer; compare it with encode() per element on
    # the same values (the short-array path) and with the CLI.
    with np.errstate(over="ignore"):
        x = np.concatenate([base_values()] * 20).astype(np.float32)
    assert x.size >= 1 << 15
    got = lpsim.LogarithmicPosit(x, nbits=8, es=2, rs=3, sf=1)
    per_elem = np.concatenate([lpsim.LogarithmicPosit(c, 8, 2, 3, 1)
                               for c in np.array_split(x, 64)])
    assert same(got, per_elem)
    _, want = cli_quantize(lpsim_exe, "lp:8,2,3,1", x[:5000])
    assert same(got[:5000], want.astype(np.float32))


def test_other_dtypes_are_computed_in_float64():
    ints = np.arange(-5, 6, dtype=np.int32)
    got = lpsim.LogarithmicPosit(ints)
    assert got.dtype == np.float64
    assert same(got, lpsim.LogarithmicPosit(ints.astype(np.float64)))
    half = np.array([0.3, 3.0], dtype=np.float16)
    assert lpsim.LogarithmicPosit(half).dtype == np.float64
    big_endian = np.array([0.3, -3.0], dtype=">f4")
    got = lpsim.LogarithmicPosit(big_endian)
    assert got.dtype == np.float32
    assert same(got, lpsim.LogarithmicPosit(big_endian.astype(np.float32)))
    assert same(lpsim.LogarithmicPosit([0.3, 3.0]), lpsim.LogarithmicPosit(np.array([0.3, 3.0])))


def test_thread_count_does_not_change_results():
    x = (rng.standard_normal(1 << 20) * 0.05).astype(np.float32)
    f = lpsim.Format("lp<8,2,3,2>")
    before = lpsim.get_num_threads()
    try:
        results = []
        for t in (1, 2, 3, 7):
            lpsim.set_num_threads(t)
            results.append((f.quantize(x), f.encode(x), f.quantize(x.astype(np.float64))))
        for r in results[1:]:
            for a, b in zip(r, results[0]):
                assert same(a, b)
    finally:
        lpsim.set_num_threads(before)


def test_input_is_not_modified_and_out_may_alias_it():
    x = rng.standard_normal((50, 40)).astype(np.float32)
    keep = x.copy()
    q = lpsim.LogarithmicPosit(x)
    assert same(x, keep)
    f = lpsim.Format("lp:8,2,2,0")
    r = f.quantize(x, out=x)
    assert r is x and same(x, q)
    out = np.empty((40, 50), dtype=np.float32).T  # F-ordered view
    assert f.quantize(keep, out=out) is out and same(out, q)


@pytest.mark.parametrize("text", ["lp:8,2,3,0", "lp:8,2,7,0", "lp:4,2,2,0", "lp:16,2,4,3",
                                  "posit:8,2", "posit:16,1", "fp8:e4m3", "fp8:e5m2",
                                  "int:8,0.1", "int:8", "af:8,3", "af:8,3,-7"])
def test_large_float64_arrays_equal_the_exact_encoder(text):
    # Arrays of >= 2^15 float64 values take the float table with an exactness check; shorter
    # ones call the exact double encoder. Values within a few double ulps of every rounding
    # threshold (geometric and arithmetic midpoints), float-exact values and random ones.
    f = lpsim.Format(text)
    ref = f.fit(np.array([3.0, -1.0])) if f.is_fitted else f
    v = ref.table()
    v = np.unique(np.abs(v[np.isfinite(v)]))
    v = v[v > 0]
    mids = np.concatenate([np.sqrt(v[:-1] * v[1:]), (v[:-1] + v[1:]) / 2, v])
    ks = np.arange(-3, 4) * 2.0 ** -52
    near = (mids[:, None] * (1 + ks[None, :])).reshape(-1)
    x = np.concatenate([near, -near, near.astype(np.float32).astype(np.float64),
                        rng.standard_normal(40000) * 0.3, [0.0, -0.0, np.inf, -np.inf, np.nan,
                                                           1e-320, -1e-300, 1e300, 3.5e38]])
    x = np.concatenate([x] * max(1, (1 << 15) // x.size + 1))
    assert x.size >= 1 << 15
    big_q, big_c = f.quantize(x), f.encode(x)
    chunks = np.array_split(np.arange(x.size), x.size // 4096 + 1)
    small_q = np.concatenate([f.quantize(x[c]) if not f.is_fitted else ref.quantize(x[c])
                              for c in chunks])
    if f.is_fitted:  # the fit on the whole array equals ref's only if the max is the same
        f = f.fit(x)
        big_q, big_c = f.quantize(x), f.encode(x)
        small_q = np.concatenate([f.quantize(x[c]) for c in chunks])
    small_c = np.concatenate([f.encode(x[c]) for c in chunks])
    assert same(big_q, small_q) and same(big_c, small_c)
