#!/bin/sh
# Installs ONNX Runtime for Node.js into bench/peers/node_modules (gitignored): the peer
# engine bench/run_zoo.sh compares Wisp against. The npm package ships prebuilt native
# libraries (bin/napi-v3/<os>/<arch>/), so the install script (which would download the
# CUDA/TensorRT extras) is skipped with --ignore-scripts.
set -eu
cd "$(dirname "$0")"
[ -f package.json ] || echo '{ "name": "wisp-bench-peers", "private": true }' > package.json
npm install --ignore-scripts --no-audit --no-fund onnxruntime-node
node -e "const ort = require('onnxruntime-node'); console.log('onnxruntime-node loads, backends:', Object.keys(ort).length > 0)"
