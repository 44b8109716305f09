#!/usr/bin/python3
"""Naive static INT8 QDQ quantization of a zoo model, for benchmarking the integer kernels
until the real quantizer (`wisp optimize --int8`, src/quant) lands.

    /usr/bin/python3 bench/models/make_qdq.py IN.onnx CALIB.npy OUT.onnx [--wisp build/wisp]

The graph form is Contract 1 of the quantization design (what ONNX Runtime's quantizer
emits): weights of Conv/Gemm per output channel symmetric int8 (`W_quantized` +
DequantizeLinear whose output keeps the name W), biases int32 with scale x_scale *
w_scale, and every activation X that a Conv/Gemm reads or that ends a Conv[->Relu/Clip]
chain becomes X_float -> QuantizeLinear -> X_quantized -> DequantizeLinear -> X (uint8,
asymmetric, min/max of one calibration batch run through `wisp run`). Accuracy is not
the point (random zoo weights); the graph shape and the integer kernels are.
"""
import argparse
import os
import subprocess
import tempfile

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

ACTIVATIONS = {"Relu", "Clip"}
QUANTIZED_OPS = {"Conv", "Gemm"}


def tensors_to_quantize(graph):
    consumers = {}
    for n in graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    names = []
    for n in graph.node:
        if n.op_type not in QUANTIZED_OPS:
            continue
        names.append(n.input[0])
        out = n.output[0]
        users = consumers.get(out, [])
        if len(users) == 1 and users[0].op_type in ACTIVATIONS:
            out = users[0].output[0]
        names.append(out)
    graph_outputs = {o.name for o in graph.output}
    seen, result = set(), []
    for t in names:
        if t not in seen and t not in graph_outputs:
            seen.add(t)
            result.append(t)
    return result


def calibrate(model, names, calib, wisp):
    """Min/max of each tensor: the model with the tensors as extra outputs, run by wisp."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for name in names:
        m.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "calib.onnx")
        onnx.save(m, path)
        input_name = model.graph.input[0].name
        subprocess.run([wisp, "run", path, "--input", f"{input_name}={calib}", "--output-dir", d, "--no-optimize"],
                       check=True, stdout=subprocess.DEVNULL)
        ranges = {}
        for name in names:
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "output"
            v = np.load(os.path.join(d, safe + ".npy"))
            ranges[name] = (min(float(v.min()), 0.0), max(float(v.max()), 0.0))
    return ranges


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("calib")
    ap.add_argument("out")
    ap.add_argument("--wisp", default="build/wisp")
    args = ap.parse_args()
    model = onnx.load(args.model)
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    names = tensors_to_quantize(g)
    ranges = calibrate(model, names, args.calib, args.wisp)
    # As ONNX Runtime's quantizer: a MaxPool's output shares its input's parameters (so
    # the pool runs on the integers).
    producer = {o: n for n in g.node for o in n.output}
    for name in names:
        p = producer.get(name)
        if p is not None and p.op_type == "MaxPool" and p.input[0] in ranges:
            ranges[name] = ranges[p.input[0]]

    new_nodes, new_inits = [], []
    act_scale = {}
    # Activations: rename the producer's output to X_float, insert Q -> DQ named X.
    renames = {}
    for name in names:
        lo, hi = ranges[name]
        scale = max(hi - lo, 1e-8) / 255.0
        zp = int(np.clip(round(-lo / scale), 0, 255))
        act_scale[name] = scale
        new_inits += [numpy_helper.from_array(np.array(scale, np.float32), name + "_scale"),
                      numpy_helper.from_array(np.array(zp, np.uint8), name + "_zero_point")]
        renames[name] = name + "_float"
    for n in g.node:
        for i, o in enumerate(n.output):
            if o in renames:  # (graph inputs have no producer: handled below)
                n.output[i] = renames[o]
    graph_inputs = {i.name for i in g.input}
    qdq_nodes = []
    for name in names:
        # A graph input stays float under its name: its readers get the DQ output instead.
        src, dst = (name, name + "_dequantized") if name in graph_inputs else (name + "_float", name)
        if name in graph_inputs:
            for n in g.node:
                for k, x in enumerate(n.input):
                    if x == name:
                        n.input[k] = dst
        qdq_nodes += [helper.make_node("QuantizeLinear", [src, name + "_scale", name + "_zero_point"],
                                       [name + "_quantized"], name=name + "_QuantizeLinear"),
                      helper.make_node("DequantizeLinear", [name + "_quantized", name + "_scale", name + "_zero_point"],
                                       [dst], name=name + "_DequantizeLinear")]
    # Weights and biases.
    for n in g.node:
        if n.op_type not in QUANTIZED_OPS or n.input[1] not in inits:
            continue
        w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
        axis = 0
        if n.op_type == "Gemm" and not any(a.name == "transB" and a.i == 1 for a in n.attribute):
            axis = 1
        red = tuple(i for i in range(w.ndim) if i != axis)
        ws = np.maximum(np.abs(w).max(axis=red), 1e-12) / 127.0
        shape = [1] * w.ndim
        shape[axis] = -1
        wq = np.clip(np.round(w / ws.reshape(shape)), -127, 127).astype(np.int8)
        wname = n.input[1]
        g.initializer.remove(inits[wname])
        new_inits += [numpy_helper.from_array(wq, wname + "_quantized"),
                      numpy_helper.from_array(ws.astype(np.float32), wname + "_scale"),
                      numpy_helper.from_array(np.zeros(ws.shape, np.int8), wname + "_zero_point")]
        new_nodes.append(helper.make_node("DequantizeLinear", [wname + "_quantized", wname + "_scale",
                                                               wname + "_zero_point"], [wname], axis=axis,
                                          name=wname + "_DequantizeLinear"))
        if len(n.input) > 2 and n.input[2] in inits:
            b = numpy_helper.to_array(inits[n.input[2]]).astype(np.float64)
            bs = (np.float32(act_scale[n.input[0].removesuffix("_dequantized")]) * ws.astype(np.float32)).astype(np.float32)
            bq = np.round(b / bs).astype(np.int32)
            bname = n.input[2]
            g.initializer.remove(inits[bname])
            new_inits += [numpy_helper.from_array(bq, bname + "_quantized"),
                          numpy_helper.from_array(bs, bname + "_scale"),
                          numpy_helper.from_array(np.zeros(bs.shape, np.int32), bname + "_zero_point")]
            new_nodes.append(helper.make_node("DequantizeLinear", [bname + "_quantized", bname + "_scale",
                                                                   bname + "_zero_point"], [bname], axis=0,
                                              name=bname + "_DequantizeLinear"))
    nodes = new_nodes + list(g.node) + qdq_nodes
    del g.node[:]
    g.node.extend(nodes)
    g.initializer.extend(new_inits)
    # Node order: topological sort (the Q/DQ pairs were appended at the end).
    produced = {i.name for i in g.input} | {t.name for t in g.initializer}
    ordered, pending = [], list(g.node)
    while pending:
        rest = []
        for n in pending:
            if all(i == "" or i in produced for i in n.input):
                ordered.append(n)
                produced.update(n.output)
            else:
                rest.append(n)
        if len(rest) == len(pending):
            raise SystemExit("cycle or missing input while ordering nodes")
        pending = rest
    del g.node[:]
    g.node.extend(ordered)
    del g.value_info[:]
    onnx.checker.check_model(model)
    onnx.save(model, args.out)
    print(f"{args.out}: {len(names)} activations, "
          f"{sum(1 for n in ordered if n.op_type in QUANTIZED_OPS)} Conv/Gemm quantized")


if __name__ == "__main__":
    main()
