#!/usr/bin/env python3
"""e2e_models.py WISP_CLI SAMPLE.onnx REF_INPUT.npy OUT_DIR: the models of the end-to-end test.
  good.wisp   the sample model with its reference case (wisp convert --reference-input)
  wrong.wisp  good.wisp whose stored expected outputs are shifted by +1: the model computes
              what it always did, but no longer what its release promises ("wrong outputs")
  slow.wisp   a model with the same input/output, ~100x the MACs (3x slower and more)
"""
import os, subprocess, sys, tempfile
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

cli, sample, ref, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
run = lambda *a: subprocess.run([cli, *a], check=True, stdout=subprocess.DEVNULL)

good = os.path.join(out, 'good.wisp')
run('convert', sample, '-o', good, '--reference-input', ref)

with tempfile.TemporaryDirectory() as d:
    # Expected outputs: run the model on the reference input once.
    name = onnx.load(sample).graph.input[0].name
    run('run', good, '--input', f'{name}={ref}', '--output-dir', d)
    outs = [f for f in os.listdir(d) if f.endswith('.npy')]
    assert len(outs) == 1, outs
    expected = np.load(os.path.join(d, outs[0])).astype(np.float32)
blob = open(good, 'rb').read()
needle = expected.tobytes()
assert blob.count(needle) == 1, f'expected outputs found {blob.count(needle)} times in good.wisp'
open(os.path.join(out, 'wrong.wisp'), 'wb').write(blob.replace(needle, (expected + 1.0).astype(np.float32).tobytes()))

rng = np.random.default_rng(7)
w = lambda *s: rng.standard_normal(s).astype(np.float32) * 0.05
inp = onnx.load(sample).graph.input[0]
inits = [numpy_helper.from_array(w(96, 1, 3, 3), 'w1'), numpy_helper.from_array(w(96), 'b1'),
         numpy_helper.from_array(w(96, 96, 3, 3), 'w2'), numpy_helper.from_array(w(96), 'b2'),
         numpy_helper.from_array(w(10, 96), 'w3'), numpy_helper.from_array(w(10), 'b3')]
nodes = [helper.make_node('Conv', [inp.name, 'w1', 'b1'], ['c1'], pads=[1, 1, 1, 1]),
         helper.make_node('Relu', ['c1'], ['r1']),
         helper.make_node('Conv', ['r1', 'w2', 'b2'], ['c2'], pads=[1, 1, 1, 1]),
         helper.make_node('Relu', ['c2'], ['r2']),
         helper.make_node('GlobalAveragePool', ['r2'], ['g']),
         helper.make_node('Flatten', ['g'], ['f']),
         helper.make_node('Gemm', ['f', 'w3', 'b3'], ['logits'], transB=1)]
graph = helper.make_graph(nodes, 'slow', [inp], [helper.make_tensor_value_info('logits', TensorProto.FLOAT, [1, 10])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
slow_onnx = os.path.join(out, 'slow.onnx')
onnx.save(model, slow_onnx)
run('convert', slow_onnx, '-o', os.path.join(out, 'slow.wisp'), '--reference-input', ref)
print('models ok')
