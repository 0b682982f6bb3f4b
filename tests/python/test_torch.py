"""lpsim.torch (optional: runs when PyTorch is installed, e.g. Debian python3-torch; ctest reports
Python.torch as skipped otherwise): fake_quantize equals Format.quantize with a straight-through
gradient; quantize_model applies per-layer formats."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import lpsim  # noqa: E402
import lpsim.torch as lt  # noqa: E402


def test_fake_quantize_values_and_dtype():
    g = torch.Generator().manual_seed(0)
    for dtype in (torch.float32, torch.float64):
        x = torch.randn(4, 5, 6, generator=g, dtype=dtype)
        y = lt.fake_quantize(x, "lp<8,2,3,0>")
        assert y.dtype == dtype and y.shape == x.shape
        want = lpsim.Format("lp<8,2,3,0>").quantize(x.numpy())
        assert np.array_equal(y.numpy(), want, equal_nan=True)
    # A non-contiguous tensor and a Format object.
    x = torch.randn(6, 8, generator=g).t()
    y = lt.fake_quantize(x, lpsim.Format("int:8"))
    assert np.array_equal(y.numpy(), lpsim.Format("int:8").quantize(x.contiguous().numpy()))
    # float16 goes through float32 and comes back as float16.
    h = torch.randn(10, generator=g).half()
    assert lt.fake_quantize(h, "lp:8,2,3,0").dtype == torch.float16


def test_straight_through_gradient():
    x = torch.randn(3, 7, requires_grad=True, dtype=torch.float64)
    y = lt.fake_quantize(x, "lp:4,1,3,0")
    (y * torch.arange(21, dtype=torch.float64).reshape(3, 7)).sum().backward()
    assert torch.equal(x.grad, torch.arange(21, dtype=torch.float64).reshape(3, 7))
    assert not torch.equal(y.detach(), x.detach())


def test_quantize_model_applies_per_layer_formats():
    torch.manual_seed(0)
    model = torch.nn.Sequential()
    model.add_module("conv1", torch.nn.Conv2d(3, 8, 3))
    model.add_module("relu", torch.nn.ReLU())
    model.add_module("flat", torch.nn.Flatten())
    model.add_module("fc", torch.nn.Linear(8 * 6 * 6, 10))
    w_conv = model.conv1.weight.detach().clone()
    w_fc = model.fc.weight.detach().clone()
    applied = lt.quantize_model(model, {"quantization": {
        "default": "lp<8,2,3,0>",
        "layers": {"fc": {"weights": "lp<4,1,3,auto>", "activations": "lp<8,1,7,0>"}}}})
    assert set(applied) == {"conv1", "fc"}
    assert np.array_equal(model.conv1.weight.detach().numpy(),
                          lpsim.Format("lp<8,2,3,0>").quantize(w_conv.numpy()))
    sf = lpsim.best_sf(w_fc.numpy(), 4, 1, 3)
    assert applied["fc"][0] == lpsim.Format(f"lp:4,1,3,{sf}")
    assert np.array_equal(model.fc.weight.detach().numpy(),
                          lpsim.Format(f"lp:4,1,3,{sf}").quantize(w_fc.numpy()))
    # The activation hook quantizes the layer's input, and gradients still flow.
    x = torch.randn(2, 3, 8, 8, requires_grad=True)
    seen = {}

    def record(module, inputs):
        seen["fc"] = inputs[0].detach().clone()  # returns None: the input is left as it is
    model.fc.register_forward_pre_hook(record)
    model(x).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert np.array_equal(seen["fc"].numpy(),
                          lpsim.Format("lp<8,1,7,0>").quantize(seen["fc"].numpy()))
    with pytest.raises(lpsim.Error, match="not in the model"):
        lt.quantize_model(model, {"layers": {"nope": "lp<8,2,3,0>"}})


def test_readme_seed_snippet_runs_as_written():
    from conftest import check_readme_block, readme_python_blocks
    blocks = [b for b in readme_python_blocks() if "torch" in b[0]]
    assert blocks
    for code, prose in blocks:
        check_readme_block(code, prose)
