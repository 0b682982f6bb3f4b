"""Runs and sweeps from Python (docs/python.md): lpsim.run(workload, **overrides) -> RunResult,
lpsim.sweep(sweep_file_or_dict) -> SweepResult.

A thin layer over the run API (sim/run/pipeline.hpp) as `lpsim run` composes it: the same
workload reader, the same simulation (in a forked worker process, never in the interpreter's),
the same reporters; so `summary` holds exactly the numbers of the CLI's summary.json. Sweeps go
through the sweep library (sim/sweep/sweep.hpp) as `lpsim sweep` does: the same results.csv.
"""
import csv
import io
import json
import os
import re
import shutil
import tempfile

from . import _lpsim

__all__ = ["run", "RunResult", "sweep", "SweepResult"]


def _yaml_scalar(v):
    """A Python value as the text of a --set value (parsed as YAML, like the CLI's)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float, str)):
        return str(v) if not isinstance(v, float) else repr(v)
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v)  # JSON is YAML flow style
    raise TypeError(f"lpsim.run: cannot pass a {type(v).__name__} as a workload value")


def _cell(text):
    """A layers.csv cell: int, float, bool (true/false) or the text."""
    if text in ("true", "false"):
        return text == "true"
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


class RunResult:
    """What a run produced.

    summary  -- dict: summary.json of `lpsim run` (totals, accuracy_vs_fp32, energy, area,
                action counts, per-layer entries; docs/outputs.md)
    layers   -- list of dicts: the rows of layers.csv, numbers as int/float, true/false as bool
                (layers_array(): the same as a numpy structured array)
    console  -- the table `lpsim run` prints
    verified -- every layer bit-exact against the reference (False with check=False)
    first_mismatch -- "" or the first layer that differed
    out      -- the output directory written (out=...), else None
    """

    def __init__(self, raw, out):
        self.summary = json.loads(raw["summary_json"])
        self.layers = [{k: _cell(v) for k, v in row.items()}
                       for row in csv.DictReader(io.StringIO(raw["layers_csv"]))]
        self.console = raw["console"]
        self.verified = bool(raw["verified"])
        self.first_mismatch = raw["first_mismatch"]
        self.out = out

    def __getitem__(self, key):
        return self.summary[key]

    def layers_array(self):
        """The per-layer records as a numpy structured array (one field per layers.csv column:
        bool, int64, float64 or a string)."""
        import numpy as np
        cols = list(self.layers[0]) if self.layers else []
        types = []
        for c in cols:
            vals = [row[c] for row in self.layers]
            if all(isinstance(v, bool) for v in vals):
                types.append((c, np.bool_))
            elif all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
                types.append((c, np.int64))
            elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
                types.append((c, np.float64))
            else:
                types.append((c, f"U{max(len(str(v)) for v in vals)}"))
        return np.array([tuple(row[c] for c in cols) for row in self.layers], dtype=types)

    def __repr__(self):
        s = self.summary
        return (f"<lpsim.RunResult {s.get('workload')}: {len(self.layers)} layers, "
                f"{s.get('total_cycles')} cycles, {s.get('latency_ms')} ms, "
                f"verified={self.verified}>")


def _absolute_paths(d):
    """Relative model/input paths of a workload dict, made relative to the working directory
    (a workload file's are relative to the file)."""
    d = dict(d)
    for key in ("onnx", "topology"):
        if isinstance(d.get(key), str) and not os.path.isabs(d[key]):
            d[key] = os.path.abspath(d[key])
    inp = d.get("input")
    if isinstance(inp, dict) and isinstance(inp.get("npy"), str) and \
            not os.path.isabs(inp["npy"]):
        d["input"] = dict(inp, npy=os.path.abspath(inp["npy"]))
    return d


def run(workload, *, check=True, out=None, energy=None, **overrides):
    """Simulate a workload end to end, as `lpsim run`, and return a RunResult.

    workload  -- a workload file (docs/workload.md) or a dict with its keys
    overrides -- dotted keys as the CLI's --set: ``run(w, **{"accelerator.rows": 16})``, or
                 with '__' for '.': ``run(w, accelerator__rows=16)``
    check     -- compare every layer bit for bit with the reference (CLI: --no-check)
    out       -- also write the CLI's output directory there (same safety rules)
    energy    -- energy/area cost tables (CLI: --energy FILE)

    Bad input raises lpsim.Error (a ValueError) with the CLI's message. A layer that differs
    from the reference is not an exception: verified is False and first_mismatch names it.
    """
    sets = [f"{k.replace('__', '.')}={_yaml_scalar(v)}" for k, v in overrides.items()]
    tmpdir = None
    try:
        if isinstance(workload, dict):
            tmpdir = tempfile.mkdtemp(prefix="lpsim-workload-")
            name = workload.get("name") if isinstance(workload.get("name"), str) else "workload"
            path = os.path.join(tmpdir, re.sub(r"[^A-Za-z0-9._+-]", "_", name) + ".yaml")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(_absolute_paths(workload), f, indent=1)
        elif isinstance(workload, (str, os.PathLike)):
            path = os.fspath(workload)
        else:
            raise TypeError("lpsim.run: workload must be a file path or a dict, got "
                            f"{type(workload).__name__}")
        out_text = "" if out is None else os.fspath(out)
        _lpsim._set_invocation(["lpsim", "(python)", f"lpsim.run({path!r})"])
        try:
            raw = _lpsim._run(path, sets, bool(check),
                              "" if energy is None else os.fspath(energy), out_text)
        except _lpsim.Error as e:
            if tmpdir is None:
                raise
            # Name the dict, not the temporary file it was written to.
            msg = re.sub(re.escape(path) + r"(:\d+)?", "<workload dict>", str(e))
            raise _lpsim.Error(msg) from None
        return RunResult(raw, out_text or None)
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)


class SweepResult:
    """What a sweep produced.

    rows    -- list of dicts: the rows of results.csv in point order (axis keys as written,
               then status, total_cycles, latency_ms, energy_pj, ...; numbers as int/float)
    columns -- results.csv's header
    points, ran, already, failed, unverified, seconds, jobs -- the sweep's counts
    out     -- the sweep directory (out=...), else None (a temporary one was used and removed)
    """

    def __init__(self, info, csv_text, out):
        reader = csv.DictReader(io.StringIO(csv_text))
        self.rows = [{k: _cell(v) for k, v in row.items()} for row in reader]
        self.columns = list(reader.fieldnames or [])
        self.csv = csv_text
        for key in ("name", "points", "already", "ran", "failed", "unverified", "seconds",
                    "jobs"):
            setattr(self, key, info[key])
        self.out = out

    def __repr__(self):
        return (f"<lpsim.SweepResult {self.name}: {self.points} points, {self.failed} failed, "
                f"{self.unverified} unverified>")


def _absolute_base(d):
    """A sweep dict's base workload path (or an inline base's paths) relative to the working
    directory."""
    d = dict(d)
    base = d.get("base")
    if isinstance(base, str) and not os.path.isabs(base):
        d["base"] = os.path.abspath(base)
    elif isinstance(base, dict):
        d["base"] = _absolute_paths(base)
    return d


def sweep(spec, *, out=None, jobs=0):
    """Evaluate a sweep of accelerator configurations, as `lpsim sweep` (docs/sweep.md), and
    return a SweepResult with the rows of its results.csv.

    spec -- a sweep file (SWEEP.yaml) or a dict with its keys (base, axes, zip, where, ...)
    out  -- the sweep directory to write (resumable, as the CLI's --out); None: a temporary
            directory, removed afterwards
    jobs -- worker processes (0 = all cores)

    Bad input raises lpsim.Error with the CLI's message. Points that fail or do not match the
    reference are rows (status, verified), not exceptions.
    """
    tmpdir = tempfile.mkdtemp(prefix="lpsim-sweep-")
    try:
        if isinstance(spec, dict):
            name = spec.get("name") if isinstance(spec.get("name"), str) else "sweep"
            path = os.path.join(tmpdir, re.sub(r"[^A-Za-z0-9._+-]", "_", name) + ".yaml")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(_absolute_base(spec), f, indent=1)
        elif isinstance(spec, (str, os.PathLike)):
            path = os.fspath(spec)
        else:
            raise TypeError("lpsim.sweep: spec must be a file path or a dict, got "
                            f"{type(spec).__name__}")
        if isinstance(jobs, bool) or not isinstance(jobs, int) or not 0 <= jobs <= 1024:
            raise _lpsim.Error(f"jobs={jobs!r}: expected 1..1024 (0 = all cores)")
        target = os.path.join(tmpdir, "sweep") if out is None else os.fspath(out)
        _lpsim._set_invocation(["lpsim", "(python)", f"lpsim.sweep({path!r})"])
        try:
            info = _lpsim._sweep(path, target, jobs)
        except _lpsim.Error as e:
            if not isinstance(spec, dict):
                raise
            msg = re.sub(re.escape(path) + r"(:\d+)?", "<sweep dict>", str(e))
            raise _lpsim.Error(msg) from None
        with open(os.path.join(target, "results.csv"), encoding="utf-8") as f:
            text = f.read()
        return SweepResult(info, text, None if out is None else target)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
