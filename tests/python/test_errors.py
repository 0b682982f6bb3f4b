"""Bad input raises lpsim.Error (a ValueError) with the CLI's message; the interpreter lives on."""
import numpy as np
import pytest

import lpsim
from conftest import cli_error_text


@pytest.mark.parametrize("text", ["lp:8,2,9,0", "lp:8,2,3", "lp:17,2,3,0", "lp:8,5,3,0",
                                  "lp:8,2,3,99", "lp:8,x,3,0", "lp<8,2,3,0", "posit:8,7",
                                  "fp8:e3m4", "int:1", "int:8,-1", "af:8,9", "bogus:1", ""])
def test_bad_format_text_raises_the_cli_message(lpsim_exe, text):
    want = cli_error_text(lpsim_exe, ["lp", "table", "--format", text])
    with pytest.raises(lpsim.Error) as e:
        lpsim.Format(text)
    assert str(e.value) == want
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize("kw,want", [
    (dict(nbits=8, es=2, rs=8, sf=0), "format 'lp:8,2,8,0': LP parameter rs=8 is out of range 1..n-1 (n=8)"),
    (dict(nbits=1), "format 'lp:1,2,2,0': LP parameter n=1 is out of range 2..16"),
    (dict(sf=65), "format 'lp:8,2,2,65': LP parameter sf=65 is out of range -64..64"),
])
def test_seed_call_with_bad_parameters(kw, want):
    with pytest.raises(lpsim.Error, match="^" + want.replace("(", r"\(").replace(")", r"\)")
                       .replace(".", r"\.") + "$"):
        lpsim.LogarithmicPosit(np.ones(3), **kw)


def test_wrong_types():
    with pytest.raises(TypeError):
        lpsim.LogarithmicPosit(np.ones(3), nbits=8.5)
    with pytest.raises(TypeError):
        lpsim.LogarithmicPosit(np.array(["a", "b"]))
    with pytest.raises(TypeError):
        lpsim.LogarithmicPosit(np.ones(3, dtype=complex))
    with pytest.raises(TypeError):
        lpsim.Format(8)
    with pytest.raises(TypeError):
        lpsim.Format("lp:8,2,3,0").decode(np.array([0.5]))


def test_bad_uses_of_formats():
    with pytest.raises(lpsim.Error, match="per-channel"):
        lpsim.Format("lp:8,2,3,0", axis=0)
    with pytest.raises(lpsim.Error, match="per-channel"):
        lpsim.Format("int:8,0.5", axis=0)
    with pytest.raises(lpsim.Error, match="out of range"):
        lpsim.Format("int:8", axis=3).quantize(np.ones((2, 2)))
    with pytest.raises(lpsim.Error, match="fitted"):
        lpsim.Format("int:8").table()
    with pytest.raises(lpsim.Error, match="fitted"):
        lpsim.Format("af:8,3").decode([1, 2])
    with pytest.raises(lpsim.Error, match="no values"):
        lpsim.Format("lp:8,2,3,0").error([])
    with pytest.raises(ValueError, match="out must be"):
        lpsim.Format("lp:8,2,3,0").quantize(np.ones(3), out=np.ones(3, dtype=np.float32))
    with pytest.raises(ValueError, match="read-only"):
        ro = np.ones(3)
        ro.flags.writeable = False
        lpsim.Format("lp:8,2,3,0").quantize(np.ones(3), out=ro)
    with pytest.raises(ValueError):
        lpsim.set_num_threads(0)
    with pytest.raises(lpsim.Error, match="es=7"):
        lpsim.best_sf(np.ones(3), 8, 7, 3)


def test_the_interpreter_survives_many_errors():
    for _ in range(200):
        with pytest.raises(lpsim.Error):
            lpsim.Format("lp:8,2,0,0")
    assert lpsim.LogarithmicPosit(np.array([3.0]), 8, 2, 3, 0)[0] == pytest.approx(3.0844216508158815)


def test_torch_is_optional():
    # `import lpsim` never needs PyTorch; lpsim.torch says what is missing when it is absent.
    try:
        import torch  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="python3-torch"):
            lpsim.torch
    else:
        assert callable(lpsim.torch.fake_quantize) and callable(lpsim.torch.quantize_model)
