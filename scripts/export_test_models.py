#!/usr/bin/python3
"""Export the eleven torchvision classifiers of issue 11 to ONNX, with torch's outputs.

A developer's tool: it re-creates the files committed under tests/data/onnx/ (the reduced
models `make test` imports) and, with --full, the full-size exports the benchmarks use. Nothing
in `make run` or `make test` runs it, so its packages are NOT in scripts/install-deps.sh. To
run it on Debian 12 (python3-torch 1.13, python3-torchvision 0.14, python3-onnx 1.12):

    apt-get install python3-torch python3-torchvision python3-onnx
    /usr/bin/python3 scripts/export_test_models.py                      # tests/data/onnx/
    /usr/bin/python3 scripts/export_test_models.py --full --out /tmp/tv # full size, 224x224

Reduced models (default): every width divided by 8 (channels, ViT hidden and MLP sizes; ViT
keeps 12 heads, of 8 each, and 2 of its 12 blocks; densenet121 growth 4, 8 initial features;
shufflenet_v2_x1_0 stage widths 8/16/32/64/128), 10 classes, 32x32 input. vgg11's adaptive
average pool is 1x1 instead of 7x7 (a 32x32 input leaves a 1x1 map, and torch cannot export
a 1x1 -> 7x7 adaptive pool), so its first Linear reads 64 values. Exported at opset 13 with a
dynamic batch dimension (the exporter's Shape/Gather/Concat subgraphs are part of the test);
vit_b_16 also at opset 17 (LayerNormalization) with a static batch.

Full size (--full): torchvision's own builders, 1000 classes, batch 1, 224x224, opset 13 (and
vit_b_16 at opset 17 too), static batch, written to --out (not committed: 10-350 MB each).

Weights are seeded (torch.manual_seed(--seed)): convs Kaiming normal (fan_in, ReLU gain),
Linear layers N(0, 1/fan_in), biases N(0, 0.02^2), and every BatchNorm gets random statistics
(gamma U(0.5, 1.5), beta N(0, 0.1^2), mean N(0, 0.1^2), var U(0.5, 1.5)) so that folding them
is tested; models are exported in eval mode. The input is N(0, 1) from numpy's default_rng(seed),
batch 2 for the reduced models and 1 at full size.

Writes, per model and opset, <name>[_opset17].onnx, <name>.expected.npy (torch's output for
input.npy, float32) and one manifest.json: for each model its file, input, expected output,
opset, input shape and the MAC count of the exported batch, counted here from the modules
(Conv2d: N*OH*OW*F*C/groups*R*S; Linear: rows*in*out; attention: Q/K/V and output
projections plus Q.K^T and A.V, 2*heads*T*T*head_dim per image), independently of lpsim.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torchvision
from torchvision import models as tvm

NAMES = ["resnet18", "resnet50", "mobilenet_v2", "vgg11", "squeezenet1_0", "googlenet",
         "densenet121", "shufflenet_v2_x1_0", "efficientnet_b0", "mnasnet0_5", "vit_b_16"]
OPSET17 = {"vit_b_16"}
DIV = 8
CLASSES = 10


def shrink(model):
    """Every Conv2d / BatchNorm2d / Linear with its widths divided by DIV (the 3 input channels
    stay, a 1000-way classifier becomes CLASSES-way); for builders without a width argument."""
    def replace(parent):
        for name, m in parent.named_children():
            if isinstance(m, nn.Conv2d):
                cin = m.in_channels if m.in_channels == 3 else m.in_channels // DIV
                cout = CLASSES if m.out_channels == 1000 else m.out_channels // DIV
                groups = 1 if m.groups == 1 else m.groups // DIV
                new = nn.Conv2d(cin, cout, m.kernel_size, m.stride, m.padding, m.dilation, groups,
                                bias=m.bias is not None)
            elif isinstance(m, nn.BatchNorm2d):
                new = nn.BatchNorm2d(m.num_features // DIV, eps=m.eps, momentum=m.momentum)
            elif isinstance(m, nn.Linear):
                cout = CLASSES if m.out_features == 1000 else m.out_features // DIV
                new = nn.Linear(m.in_features // DIV, cout, bias=m.bias is not None)
            else:
                replace(m)
                continue
            setattr(parent, name, new)
    replace(model)
    return model


def build(name, full):
    if full:
        kw = {"weights": None}
        if name == "googlenet":
            kw.update(aux_logits=False, init_weights=False)
        return getattr(tvm, name)(**kw)
    if name in ("resnet18", "resnet50", "squeezenet1_0"):
        return shrink(getattr(tvm, name)(weights=None))
    if name == "googlenet":
        return shrink(tvm.googlenet(weights=None, aux_logits=False, init_weights=False))
    if name == "vgg11":
        m = tvm.vgg11(weights=None)
        m.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        m.classifier[0] = nn.Linear(512, 4096)
        return shrink(m)
    if name == "mobilenet_v2":
        return tvm.mobilenet_v2(weights=None, width_mult=1.0 / DIV, num_classes=CLASSES)
    if name == "mnasnet0_5":
        return tvm.mnasnet.MNASNet(0.5 / DIV, num_classes=CLASSES)
    if name == "efficientnet_b0":
        from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf
        setting, last = _efficientnet_conf("efficientnet_b0", width_mult=1.0 / DIV, depth_mult=1.0)
        return EfficientNet(setting, 0.2, num_classes=CLASSES, last_channel=last)
    if name == "shufflenet_v2_x1_0":
        return tvm.shufflenetv2.ShuffleNetV2([4, 8, 4], [8, 16, 32, 64, 128], num_classes=CLASSES)
    if name == "densenet121":
        return tvm.densenet.DenseNet(growth_rate=32 // DIV, block_config=(6, 12, 24, 16),
                                     num_init_features=64 // DIV, num_classes=CLASSES)
    if name == "vit_b_16":
        return tvm.vision_transformer.VisionTransformer(
            image_size=32, patch_size=16, num_layers=2, num_heads=12, hidden_dim=768 // DIV,
            mlp_dim=3072 // DIV, num_classes=CLASSES)
    raise ValueError(name)


def randomize(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                if m.bias is not None:
                    m.bias.normal_(0.0, 0.02)
            elif isinstance(m, nn.Linear):
                m.weight.normal_(0.0, (1.0 / m.in_features) ** 0.5)
                if m.bias is not None:
                    m.bias.normal_(0.0, 0.02)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.1)
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return model


def count_macs(model, x):
    """MACs of one forward pass of x, from hooks on the modules that do GEMM work."""
    total = [0]
    hooks = []

    def conv(m, inp, out):
        n, f, oh, ow = out.shape
        total[0] += n * oh * ow * f * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear(m, inp, out):
        total[0] += inp[0].numel() // m.in_features * m.in_features * m.out_features

    def attention(block, inp, out):  # a ViT encoder block: its input is [B, T, E]
        m = block.self_attention
        b, t, e = inp[0].shape
        hd = e // m.num_heads
        total[0] += b * (t * e * 3 * e + t * e * e + 2 * m.num_heads * t * t * hd)

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv))
        elif isinstance(getattr(m, "self_attention", None), nn.MultiheadAttention):
            assert m.self_attention.batch_first
            hooks.append(m.register_forward_hook(attention))
        elif isinstance(m, nn.Linear) and not isinstance(
                m, nn.modules.linear.NonDynamicallyQuantizableLinear):
            hooks.append(m.register_forward_hook(linear))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return total[0]


def export(model, x, path, opset, dynamic):
    kw = {}
    if dynamic:
        kw["dynamic_axes"] = {"input": {0: "batch"}, "logits": {0: "batch"}}
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                      output_names=["logits"], do_constant_folding=True, **kw)
    onnx.checker.check_model(onnx.load(path))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=None, help="output folder (default tests/data/onnx)")
    ap.add_argument("--full", action="store_true", help="full-size models, 224x224, batch 1")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--only", nargs="*", default=None, help="a subset of the eleven names")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = args.out or os.path.join(root, "tests", "data", "onnx")
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    size, batch = (224, 1) if args.full else (32, 2)
    x_np = np.random.default_rng(args.seed).standard_normal((batch, 3, size, size)).astype(np.float32)
    np.save(os.path.join(out, "input.npy"), x_np)
    x = torch.from_numpy(x_np)
    manifest = {"generator": "scripts/export_test_models.py" + (" --full" if args.full else ""),
                "torch": torch.__version__, "torchvision": torchvision.__version__,
                "onnx": onnx.__version__, "seed": args.seed, "input": "input.npy",
                "input_shape": list(x_np.shape), "models": []}
    for name in args.only or NAMES:
        torch.manual_seed(args.seed)
        model = randomize(build(name, args.full)).eval()
        macs = count_macs(model, x)
        with torch.no_grad():
            y = model(x)
        expected = name + ".expected.npy"
        np.save(os.path.join(out, expected), y.numpy().astype(np.float32))
        opsets = [13] + ([17] if name in OPSET17 else [])
        for opset in opsets:
            fname = name + ("" if opset == 13 else "_opset%d" % opset) + ".onnx"
            dynamic = opset == 13 and not args.full
            export(model, x, os.path.join(out, fname), opset, dynamic)
            manifest["models"].append({"name": name, "file": fname, "opset": opset,
                                       "dynamic_batch": dynamic, "expected": expected,
                                       "output_shape": list(y.shape), "macs": macs})
            print("%-20s opset %d  %12d MACs  %8.1f kB  max|y| %.3g" % (
                name, opset, macs, os.path.getsize(os.path.join(out, fname)) / 1e3,
                float(y.abs().max())), flush=True)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
