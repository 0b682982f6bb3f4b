#!/usr/bin/env python3
"""Timed script (issue 14): lpsim.LogarithmicPosit on a 10-M-element float32 array against numpy
doing the same LP quantization with np.log2-based rounding, in one run (docs/benchmarks.md).

    PYTHONPATH=build/python /usr/bin/python3 bench/python_quantize.py [--n 10000000] [--reps 7]

numpy baseline: L = log2|x| (float32, as numpy computes it for a float32 array), the nearest
LP value by np.searchsorted in the format's midpoints of L, the sign put back, zero kept and
NaN to NaN: the usual vectorised way of rounding to a logarithmic grid. Prints the median
wall and CPU time of each and the values per second (the machine is shared: per CPU-second is
the steadier figure for one thread); the agreement of the two results is printed too (the
baseline differs only where float32 log2 rounds across a midpoint).
"""
import argparse
import os
import statistics
import time

import numpy as np

import lpsim


def numpy_lp(x, fmt):
    """LP quantize-dequantize with numpy: log2, searchsorted on the midpoints, sign."""
    table = fmt.table()
    half = fmt.num_codes // 2
    pos = table[1:half]  # positive codes 1 .. maxpos, increasing
    logs = np.log2(pos)
    mids = (logs[:-1] + logs[1:]) / 2
    mag = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        idx = np.searchsorted(mids, np.log2(mag), side="left")
    idx = np.minimum(idx, len(pos) - 1)
    out = np.copysign(pos[idx].astype(x.dtype), x)
    out[mag == 0] = 0
    out[np.isnan(x)] = np.nan
    return out


def median_time(fn, reps):
    """Median wall and CPU (process: all threads) seconds of fn()."""
    wall, cpu = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(args.n) * 0.05).astype(np.float32)  # a conv-weight spread
    fmt = lpsim.Format("lp:8,2,2,0")
    lpsim.LogarithmicPosit(x[:1 << 16], nbits=8, es=2, rs=2, sf=0)  # builds the format's table

    rows = []
    default_threads = lpsim.get_num_threads()
    for threads in sorted({1, default_threads}):
        lpsim.set_num_threads(threads)
        t = median_time(lambda: lpsim.LogarithmicPosit(x, nbits=8, es=2, rs=2, sf=0), args.reps)
        rows.append((f"lpsim.LogarithmicPosit, {threads} thread(s)", t))
    lpsim.set_num_threads(default_threads)
    t_np = median_time(lambda: numpy_lp(x, fmt), max(3, args.reps // 2))
    rows.append(("numpy log2 + searchsorted", t_np))

    print(f"{args.n} float32 values ~ N(0, 0.05^2), LP<8,2,2,0>, median of {args.reps} runs "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"{'':40s} {'wall':>9s}  {'M values/s':>10s}  {'CPU':>9s}  {'M values/CPU-s':>14s}")
    for name, (w, c) in rows:
        print(f"{name:40s} {w * 1e3:7.1f} ms  {args.n / w / 1e6:10.1f}  {c * 1e3:7.1f} ms  "
              f"{args.n / c / 1e6:14.1f}")
    ours = lpsim.LogarithmicPosit(x, nbits=8, es=2, rs=2, sf=0)
    base = numpy_lp(x, fmt)
    same = np.count_nonzero(ours == base)
    best = min(w for _, (w, _) in rows[:-1])
    print(f"speed-up over numpy (wall): {t_np[0] / best:.1f}x; "
          f"results identical on {same} of {args.n} values")


if __name__ == "__main__":
    main()
