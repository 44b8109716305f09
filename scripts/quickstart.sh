#!/usr/bin/env bash
# Fresh machine to a running model: installs dependencies, builds (Release), then shows
# Wisp's main job on the shipped Fashion-MNIST sample model: inspect it, run it over the
# 300 shipped test images, then quantize it to INT8 and print FP32 vs INT8 file size,
# top-1 on the 10,000 Fashion-MNIST test images and median latency.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
./scripts/build.sh release
model=models/fashion_mnist_cnn.onnx
echo; echo "== wisp inspect $model"
build/wisp inspect "$model"
echo; echo "== wisp eval $model (300 test images)"
build/wisp eval "$model" --data models/fashion_mnist_test_images.npy --labels models/fashion_mnist_test_labels.npy

# INT8: calibrated on 512 training images (dataset-fashion-mnist, installed above).
fm=/usr/share/datasets/fashion-mnist
out=build/quickstart
mkdir -p "$out"
echo; echo "== wisp optimize $model --int8 (calibration: 512 training images)"
build/wisp optimize "$model" --int8 --calib "$fm/train-images-idx3-ubyte.gz" --calib-limit 512 -o "$out/fashion_mnist_cnn.int8.onnx"
echo; echo "== FP32 vs INT8 (10,000 test images; latency: median of 1-image runs, 1 thread)"
printf '%-6s %12s %10s %14s\n' model "file size" top-1 "latency"
for m in "$model" "$out/fashion_mnist_cnn.int8.onnx"; do
  json=$(build/wisp eval "$m" --data "$fm/t10k-images-idx3-ubyte.gz" --labels "$fm/t10k-labels-idx1-ubyte.gz" --json)
  field() { sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p" <<<"$json"; }
  [[ $m == "$model" ]] && name=FP32 || name=INT8
  printf '%-6s %10s B %9.2f%% %11.3f ms\n' "$name" "$(stat -c %s "$m")" "$(field top1)" "$(field latency_ms_median)"
done
echo; echo "Per-layer error, sensitivity and an HTML report:"
echo "  build/wisp compare $model $out/fashion_mnist_cnn.int8.onnx --data $fm/t10k-images-idx3-ubyte.gz --html report.html"
