#!/usr/bin/env bash
# Fresh machine to a running model: installs dependencies, builds (Release), then shows
# Wisp's main job on the shipped Fashion-MNIST sample model: inspect it, then run it over
# the 300 shipped test images and print accuracy and latency.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
./scripts/build.sh release
model=models/fashion_mnist_cnn.onnx
echo; echo "== wisp inspect $model"
build/wisp inspect "$model"
echo; echo "== wisp eval $model (300 test images)"
build/wisp eval "$model" --data models/fashion_mnist_test_images.npy --labels models/fashion_mnist_test_labels.npy
