"""Shared helpers of the Python module's tests (tests/python, run by ctest as Python.*).

LPSIM_EXE names the lpsim program the results are compared with; PYTHONPATH holds
<build>/python (tests/python/CMakeLists.txt sets both).
"""
import os
import subprocess

import numpy as np
import pytest

# A skipped test outside the optional PyTorch suite is a failure: the core suite must run.
_OPTIONAL = ("test_torch.py",)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not item.nodeid.split("::")[0].endswith(_OPTIONAL):
        report.outcome = "failed"
        report.longrepr = f"skipped outside the optional suites: {report.longrepr}"


@pytest.fixture(scope="session")
def lpsim_exe():
    exe = os.environ.get("LPSIM_EXE")
    assert exe and os.path.exists(exe), "LPSIM_EXE must name the lpsim program"
    return exe


def run_cli(exe, args, stdin=""):
    return subprocess.run([exe] + list(args), input=stdin, capture_output=True, text=True)


def cli_quantize(exe, fmt, values):
    """`lpsim lp quantize --format fmt` on `values` (each exactly, as %.17g of its double):
    (codes as int64, values as float64)."""
    vals = np.asarray(values, dtype=np.float64).reshape(-1)
    text = " ".join("%.17g" % v for v in vals)
    p = run_cli(exe, ["lp", "quantize", "--format", fmt], text)
    assert p.returncode == 0, p.stderr
    codes, out = [], []
    for line in p.stdout.split("\n"):
        if line:
            c, v = line.split()
            codes.append(int(c, 16))
            out.append(float(v))
    assert len(codes) == vals.size
    return np.array(codes, dtype=np.int64), np.array(out, dtype=np.float64)


def cli_table(exe, fmt):
    p = run_cli(exe, ["lp", "table", "--format", fmt])
    assert p.returncode == 0, p.stderr
    return np.array([float(line.split()[1]) for line in p.stdout.split("\n") if line])


def cli_error_text(exe, args, stdin=""):
    """The message of a failing lpsim command (after "lpsim: error: ")."""
    p = run_cli(exe, args, stdin)
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    line = p.stderr.strip()
    assert line.startswith("lpsim: error: "), line
    return line[len("lpsim: error: "):]


def same(a, b):
    """Equal element by element, NaN equal to NaN, and the same dtype and shape."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def readme_python_blocks():
    """The ```python blocks of README.md's "## Python" section, each with the prose after it."""
    src = os.environ.get("LPSIM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
    with open(os.path.join(src, "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    parts = section.split("```python\n")[1:]
    return [tuple(p.split("```\n", 1)) for p in parts]


def check_readme_block(code, prose):
    """Runs a README block from the source folder; what it prints must be quoted (in backticks,
    whitespace aside) in the prose after it."""
    src = os.environ.get("LPSIM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
    import sys
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=src)
    assert p.returncode == 0, p.stderr
    quoted = " ".join(" ".join(prose.split("`")[1::2]).split())
    for line in p.stdout.strip().split("\n"):
        assert " ".join(line.split()) in quoted, (line, quoted)
