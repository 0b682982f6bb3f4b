"""PyTorch helpers (optional: `import lpsim` never needs PyTorch; this module does).

    import lpsim.torch as lt
    y = lt.fake_quantize(x, "lp<8,2,3,0>")          # forward: LP values; backward: identity
    lt.quantize_model(model, {"default": "lp<8,2,3,0>", "layers": {"fc": "lp<8,1,7,0>"}})

fake_quantize computes exactly Format(fmt).quantize on the tensor's values (float32 and float64
keep their dtype; other dtypes go through float32) and passes the gradient straight through
(the straight-through estimator). quantize_model applies a format per layer, as the
`quantization` section of a workload (or of an lpq.yaml) names them.
"""
try:
    import torch as _torch
except ImportError as e:  # pragma: no cover - exercised only without torch
    raise ImportError("lpsim.torch needs PyTorch (Debian: apt-get install python3-torch); "
                      "the rest of lpsim works without it") from e

import numpy as _np

from ._formats import Format, best_sf

__all__ = ["fake_quantize", "quantize_model"]


def _as_format(fmt):
    return fmt if isinstance(fmt, Format) else Format(fmt)


def _quantize_tensor(x, fmt):
    """Format.quantize on a tensor's values; the result has x's dtype and device."""
    src = x.detach()
    dtype = src.dtype if src.dtype in (_torch.float32, _torch.float64) else _torch.float32
    a = src.to(device="cpu", dtype=dtype).contiguous().numpy()
    q = _torch.from_numpy(fmt.quantize(a))
    return q.to(device=x.device, dtype=x.dtype)


class _FakeQuantize(_torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, fmt):
        return _quantize_tensor(x, fmt)

    @staticmethod
    def backward(ctx, grad):
        return grad, None  # straight through


def fake_quantize(tensor, fmt):
    """`tensor` quantized to `fmt` and dequantized (same shape, dtype, device); the gradient
    passes straight through. `fmt` is a Format or a format text ("lp<8,2,3,0>", "int:8", ...)."""
    return _FakeQuantize.apply(tensor, _as_format(fmt))


def _layer_formats(config):
    """(default, {layer: (weights, activations)}) from a quantization section, a whole
    workload dict (its `quantization`), or a workload / lpq.yaml file."""
    if isinstance(config, str):
        try:
            import yaml
        except ImportError as e:
            raise ImportError("quantize_model(path): reading YAML needs PyYAML "
                              "(Debian: python3-yaml); or pass the section as a dict") from e
        with open(config, encoding="utf-8") as f:
            config = yaml.safe_load(f)
    if not isinstance(config, dict):
        raise TypeError("quantize_model: config must be a dict or a YAML file path")
    if "quantization" in config:
        config = config["quantization"]

    def split(v):
        if isinstance(v, dict):
            return v.get("weights"), v.get("activations")
        return v, v

    default = split(config.get("default", "lp<8,2,3,0>"))
    layers = {name: split(v) for name, v in (config.get("layers") or {}).items()}
    return default, layers


def _resolve(text, tensor):
    """A format text with sf 'auto' (LPQ's per-tensor sf) resolved on `tensor`."""
    if text is None:
        return None
    if isinstance(text, Format):
        return text
    t = str(text)
    if t.endswith(",auto>") or t.endswith(",auto"):
        body = t.replace("<", ":").rstrip(">").split(":", 1)[1].split(",")
        n, es, rs = (int(v) for v in body[:3])
        sf = best_sf(tensor.detach().cpu().to(_torch.float32).numpy(), n, es, rs)
        return Format(f"lp:{n},{es},{rs},{sf}")
    return Format(t)


def quantize_model(model, config, *, activations=True):
    """Quantize every Conv/Linear layer of `model` in place: its weight becomes the weight's
    quantize-dequantize image in the layer's weight format, and (activations=True) a forward
    pre-hook fake-quantizes the layer's input in its activation format (straight-through
    gradient). `config` is a quantization section ({"default": F, "layers": {name: F or
    {"weights": F, "activations": F}}}), a workload dict, or a YAML file (lpq.yaml); layer names
    are the model's module names (as torchvision's, e.g. "layer1.0.conv1"), as in workloads.
    An LP sf of "auto" is chosen by best_sf: per weight tensor, and for activations on the first
    batch the layer sees. Returns {name: (weight Format, activation format text)} of the layers
    quantized. Calling it again re-applies (hooks replaced).
    """
    default, layers = _layer_formats(config)
    kinds = (_torch.nn.Conv1d, _torch.nn.Conv2d, _torch.nn.Conv3d, _torch.nn.Linear)
    names = {name for name, m in model.named_modules() if isinstance(m, kinds)}
    unknown = sorted(set(layers) - names)
    if unknown:
        from ._lpsim import Error
        raise Error(f"quantize_model: layer(s) {', '.join(unknown)} not in the model "
                    f"(its Conv/Linear layers: {', '.join(sorted(names)) or 'none'})")
    applied = {}
    for name, module in model.named_modules():
        if name not in names:
            continue
        w_text, a_text = layers.get(name, default)
        wfmt = _resolve(w_text, module.weight)
        if wfmt is not None:
            with _torch.no_grad():
                module.weight.copy_(_quantize_tensor(module.weight, wfmt))
        old = getattr(module, "_lpsim_hook", None)
        if old is not None:
            old.remove()
            module._lpsim_hook = None
        afmt = None if a_text is None else (a_text if isinstance(a_text, Format) else str(a_text))
        if activations and afmt is not None:
            # An activation sf of 'auto' is chosen on the first batch the layer sees.
            state = {"fmt": None if "auto" in str(afmt) else _resolve(afmt, None)}

            def hook(mod, inputs, state=state, text=afmt):
                if state["fmt"] is None:
                    state["fmt"] = _resolve(text, inputs[0])
                return (fake_quantize(inputs[0], state["fmt"]),) + tuple(inputs[1:])
            module._lpsim_hook = module.register_forward_pre_hook(hook)
        applied[name] = (wfmt, afmt)
    return applied
