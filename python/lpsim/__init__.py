"""lpsim from Python: Logarithmic Posits and the other number formats on numpy arrays, and runs
of the LP accelerator simulator (docs/python.md).

    import numpy as np, lpsim
    q = lpsim.LogarithmicPosit(np.random.randn(4, 4), nbits=8, es=2, rs=2, sf=0)
    f = lpsim.Format("lp<8,2,3,0>"); codes = f.encode(x); values = f.decode(codes)
    r = lpsim.run("examples/resnet18_small.yaml", **{"accelerator.rows": 16})
    s = lpsim.sweep({"base": "examples/resnet18_small.yaml", "axes": {"accelerator.rows": [8, 16]}})

Bad input (a format text, a workload key, a file) raises lpsim.Error, a ValueError, with the
message `lpsim` prints after "lpsim: error: ".
"""
try:
    import numpy  # noqa: F401
except ImportError as _e:  # e.g. a pyenv python3 earlier on PATH than Debian's
    import sys as _sys
    from . import _build
    raise ImportError(f"lpsim needs numpy, which {_sys.executable} cannot import; lpsim was built "
                      f"for {_build.PYTHON} (Python {_build.PYTHON_VERSION}, Debian "
                      "python3-numpy): run that interpreter") from _e

from ._lpsim import Error, decimal_accuracy, get_num_threads, set_num_threads
from ._formats import Format, LogarithmicPosit, best_sf, error_stats
from ._runs import RunResult, SweepResult, run, sweep

Error.__module__ = __name__  # shown as lpsim.Error

__all__ = [
    "Error", "Format", "LogarithmicPosit", "best_sf", "error_stats", "decimal_accuracy",
    "get_num_threads", "set_num_threads", "run", "RunResult", "sweep", "SweepResult",
]


def __getattr__(name):
    # lpsim.torch is imported on first use, so `import lpsim` never needs PyTorch.
    if name == "torch":
        import importlib
        return importlib.import_module(".torch", __name__)
    raise AttributeError(f"module 'lpsim' has no attribute {name!r}")
