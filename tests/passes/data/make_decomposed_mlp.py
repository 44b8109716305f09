#!/usr/bin/env python3
"""Writes decomposed_mlp.onnx: the patterns the graph optimizer recognises, as an exporter
writes them (opset 13), for the `wisp inspect --optimized` CLI test:
  y = GELU_erf(LayerNorm_decomposed((x @ W) * 0.25) ) @ Transpose(V)
x [4, 16] -> MatMul W [16, 16] -> Mul 0.25 -> ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add
-> Div sqrt2/Erf/Add 1/Mul x/Mul 0.5 -> MatMul(., Transpose(V [8, 16])) -> y [4, 8].
Expected after optimizing: MatMul, LayerNormalization, Gelu, MatMul (scale folded into W,
V's Transpose folded into the constant).  Run: python3 make_decomposed_mlp.py"""
import os
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

rng = np.random.default_rng(7)
def const(name, a):
    return numpy_helper.from_array(np.asarray(a), name)

inits = [const("W", rng.uniform(-1, 1, (16, 16)).astype(np.float32)),
         const("V", rng.uniform(-1, 1, (8, 16)).astype(np.float32)),
         const("quarter", np.array(0.25, np.float32)), const("two", np.array(2.0, np.float32)),
         const("eps", np.array(1e-5, np.float32)), const("gamma", rng.uniform(0.5, 1.5, 16).astype(np.float32)),
         const("beta", rng.uniform(-1, 1, 16).astype(np.float32)), const("sqrt2", np.array(1.4142135, np.float32)),
         const("one", np.array(1.0, np.float32)), const("half", np.array(0.5, np.float32))]
N = helper.make_node
nodes = [
    N("MatMul", ["x", "W"], ["h"]), N("Mul", ["h", "quarter"], ["hs"]),
    N("ReduceMean", ["hs"], ["mean"], axes=[-1]), N("Sub", ["hs", "mean"], ["d"]),
    N("Pow", ["d", "two"], ["sq"]), N("ReduceMean", ["sq"], ["var"], axes=[-1]),
    N("Add", ["var", "eps"], ["ve"]), N("Sqrt", ["ve"], ["sd"]), N("Div", ["d", "sd"], ["n"]),
    N("Mul", ["n", "gamma"], ["ns"]), N("Add", ["ns", "beta"], ["ln"]),
    N("Div", ["ln", "sqrt2"], ["a"]), N("Erf", ["a"], ["e"]), N("Add", ["e", "one"], ["b"]),
    N("Mul", ["ln", "b"], ["xb"]), N("Mul", ["xb", "half"], ["g"]),
    N("Transpose", ["V"], ["vt"], perm=[1, 0]), N("MatMul", ["g", "vt"], ["y"]),
]
graph = helper.make_graph(nodes, "decomposed_mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 16])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 8])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="wisp-tests")
onnx.checker.check_model(model)
onnx.save(model, os.path.join(os.path.dirname(os.path.abspath(__file__)), "decomposed_mlp.onnx"))
