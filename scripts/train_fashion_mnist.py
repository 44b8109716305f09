#!/usr/bin/env python3
"""Train the two Fashion-MNIST models the quantization targets are measured on.

Run once by a developer (not CI) from the repository root:

    /usr/bin/python3 scripts/train_fashion_mnist.py [--model lenet|mobilenet|all]

Reads the IDX .gz files directly, trains on CPU with fixed seeds (1 thread: bit-for-bit
reproducible for a given PyTorch version) and writes to models/fashion_mnist/:

    lenet.onnx, mobilenet.onnx            opset 13, input "image" [N,1,28,28] = uint8/255,
                                          output "logits" [N,10]
    lenet.pytorch_top1.npy, ...           uint8 [10000]: PyTorch's arg-max class for every
                                          t10k image. `wisp eval --labels` on this file must
                                          give 100% top-1: Wisp agrees with PyTorch to the image.
    (and prints the float accuracy, size and training time per model for the README there)

Two architectures:
- lenet: LeNet-5 style (two 5x5 convs + max pools, three fully connected layers). Most of
  its weights are in Gemm layers, so it is also the MatMul-heavy model for INT4.
- mobilenet: MobileNetV2 style: 3x3 stride-2 stem, inverted residual blocks (1x1 expand,
  3x3 depthwise, 1x1 linear projection, residual Add when shapes match), BatchNorm and
  ReLU6, 1x1 head conv, global average pool, Linear. Depthwise layers + BatchNorm folding
  give the per-channel weight ranges that make naive per-tensor PTQ collapse on such nets.
"""

import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 0
DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The IDX reader and split loader of the sample model's training script (one copy).
sys.path.insert(0, os.path.join(ROOT, "models"))
from train_fashion_mnist import load_split  # noqa: E402


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 5, padding=2)    # 28x28
        self.conv2 = nn.Conv2d(8, 16, 5)              # 14x14 -> 10x10
        self.fc1 = nn.Linear(16 * 5 * 5, 128)
        self.fc2 = nn.Linear(128, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)   # [N,8,14,14]
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)   # [N,16,5,5]
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def conv_bn(cin, cout, k, stride=1, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU6())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.residual = stride == 1 and cin == cout
        self.body = nn.Sequential(
            conv_bn(cin, hidden, 1),
            conv_bn(hidden, hidden, 3, stride, groups=hidden),
            conv_bn(hidden, cout, 1, act=False),   # linear bottleneck
        )

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class MobileNet(nn.Module):
    # (out channels, stride, expansion) after a 16-channel stride-2 stem: 14x14 -> 7x7 -> 4x4.
    # Most weights sit in the 4x4 blocks: cheap to train on 2 cores, and large input-channel
    # counts keep the per-channel quantization overhead (scales, int32 biases) small.
    BLOCKS = [(24, 2, 4), (24, 1, 4), (64, 2, 4), (64, 1, 4), (96, 1, 4)]

    def __init__(self):
        super().__init__()
        layers = [conv_bn(1, 16, 3, 2)]
        cin = 16
        for cout, stride, expand in self.BLOCKS:
            layers.append(InvertedResidual(cin, cout, stride, expand))
            cin = cout
        layers.append(conv_bn(cin, 256, 1))
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(256, 10)

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


MODELS = {"lenet": (LeNet, 8), "mobilenet": (MobileNet, 4)}  # class, default epochs


def to_input(images_u8):
    return torch.from_numpy(images_u8.astype(np.float32) / np.float32(255.0))


@torch.no_grad()
def predict(model, x, batch=1000):
    model.eval()
    return torch.cat([model(x[i:i + batch]) for i in range(0, x.shape[0], batch)])


def train_one(name, args, train_x, train_t, test_x, test_y):
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    cls, default_epochs = MODELS[name]
    epochs = args.epochs or default_epochs
    model = cls()
    params = sum(p.numel() for p in model.parameters())
    print(f"== {name}: {params} parameters, {epochs} epochs")
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps = epochs * ((len(train_x) + args.batch_size - 1) // args.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr * 3, total_steps=steps)
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        perm = torch.from_numpy(rng.permutation(len(train_x)))
        total_loss, n = 0.0, 0
        for i in range(0, len(perm), args.batch_size):
            idx = perm[i:i + args.batch_size]
            opt.zero_grad()
            loss = F.cross_entropy(model(train_x[idx]), train_t[idx])
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item() * len(idx)
            n += len(idx)
        acc = (predict(model, test_x).argmax(1).numpy() == test_y).mean()
        print(f"  epoch {epoch + 1}/{epochs}: loss {total_loss / n:.4f}  test top-1 {acc * 100:.2f}%  "
              f"({time.time() - t0:.0f}s)", flush=True)
    train_time = time.time() - t0

    model.eval()
    pred = predict(model, test_x).argmax(1).numpy()
    correct = int((pred == test_y).sum())
    out_dir = args.out_dir
    onnx_path = os.path.join(out_dir, f"{name}.onnx")
    torch.onnx.export(model, test_x[:1], onnx_path, export_params=True, opset_version=13,
                      do_constant_folding=True, input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    import onnx
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m)
    size = os.path.getsize(onnx_path)
    assert size < 1 << 20, f"{onnx_path}: {size} bytes, keep it under 1 MB"
    np.save(os.path.join(out_dir, f"{name}.pytorch_top1.npy"), pred.astype(np.uint8), allow_pickle=False)
    ops = {}
    for node in m.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    print(f"  wrote {onnx_path} ({size} bytes, {len(m.graph.node)} nodes {ops})")
    return (f"{name}: top-1 {correct / 100:.2f}% ({correct}/10000), {params} parameters, {epochs} epochs, "
            f"training {train_time:.0f} s ({args.threads} thread), ONNX {size} bytes, nodes {ops}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=list(MODELS) + ["all"], default="all")
    ap.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "models", "fashion_mnist"))
    ap.add_argument("--epochs", type=int, default=0, help="0: the model's default")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    np.random.seed(SEED)
    train_x_u8, train_y = load_split(args.data_dir, "train")
    test_x_u8, test_y = load_split(args.data_dir, "t10k")
    train_x, train_t, test_x = to_input(train_x_u8), torch.from_numpy(train_y), to_input(test_x_u8)
    os.makedirs(args.out_dir, exist_ok=True)
    names = list(MODELS) if args.model == "all" else [args.model]
    lines = [train_one(n, args, train_x, train_t, test_x, test_y) for n in names]
    print(f"torch {torch.__version__}\n" + "\n".join(lines))  # the numbers for models/fashion_mnist/README.md


if __name__ == "__main__":
    main()
