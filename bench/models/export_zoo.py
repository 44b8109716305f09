#!/usr/bin/python3
"""Exports the benchmark model zoo to ONNX: bench/models/out/NAME.onnx, with one random
input (NAME.input.npy) and PyTorch's output for it (NAME.output.npy) beside each model.

Run by a developer, not CI (needs torch + torchvision; /usr/bin/python3 on the dev box):
    /usr/bin/python3 bench/models/export_zoo.py [--only NAME,NAME] [--out DIR]

Weights are random (seeded): the zoo measures speed and agreement between engines, not
accuracy. Freshly initialised BatchNorm layers have running mean 0 / var 1, which does not
match the activations a random network actually produces; in deep depthwise nets
(MobileNet, EfficientNet, MNASNet) the activations then shrink layer after layer into
denormal floats, which are 10-100x slower on x86 and make timings meaningless. So before
export every BatchNorm's statistics are re-estimated on random input: a few forward passes
in train mode with momentum=None (a cumulative average), then eval(). This is what a
trained network's statistics look like to the kernels: activations of order 1.
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision.models as tvm

OPSET = 17  # LayerNormalization is an ONNX op from 17; everything else is in 13 already


class LstmLast(nn.Module):
    """2-layer LSTM, 100 steps of 64 features, hidden 256; returns the full sequence output."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(input_size=64, hidden_size=256, num_layers=2)

    def forward(self, x):
        y, _ = self.lstm(x)
        return y


def transformer_encoder():
    layer = nn.TransformerEncoderLayer(d_model=256, nhead=4, dim_feedforward=1024, dropout=0.0, batch_first=True)
    return nn.TransformerEncoder(layer, num_layers=4, enable_nested_tensor=False)


# name -> (constructor, input shape)
ZOO = {
    "mobilenet_v2": (lambda: tvm.mobilenet_v2(weights=None), (1, 3, 224, 224)),
    "mobilenet_v3_small": (lambda: tvm.mobilenet_v3_small(weights=None), (1, 3, 224, 224)),
    "squeezenet1_1": (lambda: tvm.squeezenet1_1(weights=None), (1, 3, 224, 224)),
    "shufflenet_v2_x1_0": (lambda: tvm.shufflenet_v2_x1_0(weights=None), (1, 3, 224, 224)),
    "efficientnet_b0": (lambda: tvm.efficientnet_b0(weights=None), (1, 3, 224, 224)),
    "resnet18": (lambda: tvm.resnet18(weights=None), (1, 3, 224, 224)),
    "mnasnet1_0": (lambda: tvm.mnasnet1_0(weights=None), (1, 3, 224, 224)),
    "transformer_encoder": (transformer_encoder, (1, 128, 256)),
    "lstm": (LstmLast, (100, 1, 64)),
}


def reestimate_batchnorm(model, shape, passes=4):
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return 0
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative moving average over the passes
    model.train()
    with torch.no_grad():
        for _ in range(passes):
            model(torch.randn(*shape))
    model.eval()
    return len(bns)


def export(name, out_dir):
    make, shape = ZOO[name]
    torch.manual_seed(0)
    model = make()
    n_bn = reestimate_batchnorm(model, shape)
    model.eval()
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        y = model(torch.from_numpy(x)).numpy()
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(model, (torch.from_numpy(x),), path, opset_version=OPSET, input_names=["input"],
                      output_names=["output"], do_constant_folding=True)
    np.save(os.path.join(out_dir, name + ".input.npy"), x)
    np.save(os.path.join(out_dir, name + ".output.npy"), y)
    print(f"{name:22s} input {list(shape)} output {list(y.shape)} |y| max {np.abs(y).max():.3g} "
          f"batchnorms re-estimated {n_bn} -> {path}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out"))
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n] or list(ZOO)
    unknown = [n for n in names if n not in ZOO]
    if unknown:
        sys.exit(f"unknown model(s) {unknown}; known: {list(ZOO)}")
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    for n in names:
        export(n, args.out)


if __name__ == "__main__":
    main()
