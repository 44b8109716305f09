#!/usr/bin/env python3
"""Writes sdpa_mask.onnx and sdpa_nomask.onnx: a hand-written multi-head scaled dot-product
attention, softmax(Q K^T / sqrt(d) [+ mask]) V, exported by torch.onnx (torch 1.13,
opset 14), for tests/passes/fuse_attention_model_test.cpp. x [1, 12, 32] -> Linear q/k/v ->
view [1, 12, 4, 8] -> transpose(1, 2) -> attention per head -> transpose back -> [1, 12, 32].
The mask variant adds an input `mask` [1, 1, 12, 12] (additive, 0 or -1e4 above the
diagonal); the scale is applied to the scores.
Also mha_causal.onnx: one nn.TransformerEncoderLayer(d_model 32, 4 heads, batch_first)
called with a causal float mask [12, 12] (-inf above the diagonal, input `mask`), whose
nn.MultiheadAttention export scales Q and adds the mask through baddbmm (Mul by 1 on both
operands of the Add). Run: /usr/bin/python3 make_sdpa.py"""
import math
import os

import torch
from torch import nn


class Sdpa(nn.Module):
    def __init__(self, d_model=32, heads=4):
        super().__init__()
        self.h, self.d = heads, d_model // heads
        self.q, self.k, self.v = (nn.Linear(d_model, d_model) for _ in range(3))

    def split(self, t):
        b, s, _ = t.shape
        return t.view(b, s, self.h, self.d).transpose(1, 2)

    def forward(self, x, mask=None):
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.d)
        if mask is not None:
            scores = scores + mask
        y = torch.matmul(torch.softmax(scores, dim=-1), v)
        return y.transpose(1, 2).reshape(x.shape)


class CausalEncoder(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, mask):
        return self.layer(x, src_mask=mask)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    torch.manual_seed(3)
    model = Sdpa().eval()
    x = torch.randn(1, 12, 32)
    mask = torch.triu(torch.full((12, 12), -1e4), diagonal=1).view(1, 1, 12, 12)
    torch.onnx.export(model, (x,), os.path.join(here, "sdpa_nomask.onnx"), input_names=["x"], output_names=["y"],
                      opset_version=14)
    torch.onnx.export(model, (x, mask), os.path.join(here, "sdpa_mask.onnx"), input_names=["x", "mask"],
                      output_names=["y"], opset_version=14)
    torch.manual_seed(4)
    layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, dropout=0.0, batch_first=True).eval()
    causal = torch.triu(torch.full((12, 12), float("-inf")), diagonal=1)
    torch.onnx.export(CausalEncoder(layer), (x, causal), os.path.join(here, "mha_causal.onnx"),
                      input_names=["x", "mask"], output_names=["y"], opset_version=14)


if __name__ == "__main__":
    main()
