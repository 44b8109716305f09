#!/usr/bin/env python3
"""opencv_prepare.py IN.onnx OUT.onnx -- a copy of IN that OpenCV DNN 4.6 can import.

PyTorch exports shared or renamed weights as Identity(initializer); OpenCV 4.6's importer
rejects an Identity whose input is an initializer ("inputs.size()" assertion). This turns
each such Identity into an initializer of the output's name holding the same data: a
lossless rewrite (no numbers change), so OpenCV runs the same model as Wisp and ORT.
Nothing else is changed; whatever else OpenCV cannot import is reported as unsupported."""
import sys

import onnx


def main(src, dst):
    m = onnx.load(src)
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    keep, folded = [], 0
    for n in g.node:
        if n.op_type == "Identity" and n.domain in ("", "ai.onnx") and n.input[0] in inits:
            t = onnx.TensorProto()
            t.CopyFrom(inits[n.input[0]])
            t.name = n.output[0]
            g.initializer.append(t)
            inits[t.name] = t
            folded += 1
        else:
            keep.append(n)
    del g.node[:]
    g.node.extend(keep)
    onnx.save(m, dst)
    print(f"opencv_prepare: {folded} Identity(initializer) folded", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: opencv_prepare.py IN.onnx OUT.onnx")
    main(sys.argv[1], sys.argv[2])
