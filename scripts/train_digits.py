#!/usr/bin/python3
"""Train the small CNN of examples/digits/ on scikit-learn's handwritten digits.

A developer's tool: it re-creates the files committed under examples/digits/ (the ONNX model and
the .npy images and labels). Nothing in `make run` or `make test` runs it, so its packages are
NOT in scripts/install-deps.sh. To run it on Debian 12:

    apt-get install python3-torch python3-sklearn python3-onnx
    python3 scripts/train_digits.py [--out examples/digits] [--seed 0]

Data: sklearn.datasets.load_digits() (1,797 8x8 grey images of the digits 0-9, values 0..16,
shipped inside the python3-sklearn package, nothing downloaded). Pixels are divided by 16.
Fixed split (seeded permutation): 1,297 training images, 500 held-out. From the training images
the first 128 (of the permuted order) are also written as the calibration set (LPQ and sf: auto
calibrate on them, never on the held-out images).

Model (only operations lpsim's ONNX importer runs): conv1 3x3 1->16 + ReLU; a residual block
(conv2 3x3 16->16 + ReLU, conv3 3x3 16->16, Add with conv1's output, ReLU); MaxPool 2x2;
a depthwise conv dw 3x3 (16 groups) + ReLU; a pointwise conv pw 1x1 16->32 + ReLU;
Flatten; fc 512->10 (Gemm). Each conv is followed by a BatchNormalization
(the exporter folds it in eval mode, lpsim's importer would too). Node names are set to the layer
names above.

Writes into --out: digits.onnx (dynamic batch), calib_x.npy [128,1,8,8] float32, test_x.npy
[500,1,8,8] float32, test_y.npy [500] int64, and prints the held-out FP32 top-1.
Training takes about a minute on two cores (torch.set_num_threads(2)).
"""
import argparse
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits

N_TEST = 500
N_CALIB = 128


class DigitsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.conv3 = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(16)
        self.dw = nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False)
        self.bn4 = nn.BatchNorm2d(16)
        self.pw = nn.Conv2d(16, 32, 1, bias=False)
        self.bn5 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x):
        a = F.relu(self.bn1(self.conv1(x)))
        b = F.relu(self.bn2(self.conv2(a)))
        b = F.relu(self.bn3(self.conv3(b)) + a)
        b = F.max_pool2d(b, 2)
        b = F.relu(self.bn4(self.dw(b)))
        b = F.relu(self.bn5(self.pw(b)))
        b = torch.flatten(b, 1)
        return self.fc(b)


def top1(model, x, y):
    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean()) * 100.0


def shift_augment(x, gen):
    """Random shifts of up to one pixel (zero fill): a cheap augmentation for 8x8 digits."""
    out = torch.zeros_like(x)
    dy, dx = torch.randint(-1, 2, (2,), generator=gen).tolist()
    ys, yd = (slice(dy, 8), slice(0, 8 - dy)) if dy >= 0 else (slice(0, 8 + dy), slice(-dy, 8))
    xs, xd = (slice(dx, 8), slice(0, 8 - dx)) if dx >= 0 else (slice(0, 8 + dx), slice(-dx, 8))
    out[:, :, yd, xd] = x[:, :, ys, xs]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="examples/digits")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=30)
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0)[:, None, :, :]
    y = d.target.astype(np.int64)
    perm = np.random.RandomState(args.seed).permutation(len(x))
    test_idx, train_idx = perm[:N_TEST], perm[N_TEST:]
    xtr, ytr = torch.from_numpy(x[train_idx]), torch.from_numpy(y[train_idx])
    xte, yte = torch.from_numpy(x[test_idx]), torch.from_numpy(y[test_idx])

    model = DigitsNet()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, total_steps=args.epochs *
                                                ((len(xtr) + 63) // 64))
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(xtr), generator=gen)
        for i in range(0, len(xtr), 64):
            idx = order[i:i + 64]
            xb = shift_augment(xtr[idx], gen) if epoch < args.epochs - 5 else xtr[idx]
            loss = F.cross_entropy(model(xb), ytr[idx], label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        if (epoch + 1) % 5 == 0:
            print(f"epoch {epoch + 1}: train {top1(model, xtr, ytr):.1f} %, "
                  f"held-out {top1(model, xte, yte):.1f} %")
    acc = top1(model, xte, yte)
    print(f"held-out FP32 top-1: {acc:.1f} % ({N_TEST} images), seed {args.seed}")

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "digits.onnx")
    model.eval()
    torch.onnx.export(model, xte[:1], path, do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL, input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=13)
    # Node names -> the layer names lpsim prints (the exporter's are "/conv1/Conv" etc.).
    m = onnx.load(path)
    counts = {}
    for n in m.graph.node:
        parts = [p for p in n.name.split("/") if p]
        base = parts[0] if len(parts) > 1 else n.op_type.lower()
        if n.op_type != "Conv" and n.op_type != "Gemm":
            base = n.op_type.lower()
        counts[base] = counts.get(base, 0) + 1
        n.name = base if counts[base] == 1 else f"{base}_{counts[base] - 1}"
    m.doc_string = f"scripts/train_digits.py --seed {args.seed}; held-out FP32 top-1 {acc:.1f} %"
    onnx.save(m, path)
    np.save(os.path.join(args.out, "calib_x.npy"), x[train_idx[:N_CALIB]])
    np.save(os.path.join(args.out, "test_x.npy"), x[test_idx])
    np.save(os.path.join(args.out, "test_y.npy"), y[test_idx])
    print("nodes:", ", ".join(n.name for n in m.graph.node))


if __name__ == "__main__":
    main()
