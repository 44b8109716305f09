#!/usr/bin/env bash
# Installs every build and test dependency of Wisp from Debian's archive. Idempotent:
# it asks apt only for what is missing, so a second run is quick and changes nothing.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config
  protobuf-compiler libprotobuf-dev libonnx-dev   # onnx.proto + protobuf-lite for src/onnx
  libgtest-dev                                     # unit tests
  libbenchmark-dev                                 # kernel micro-benchmarks (bench/kernels)
  libonnx-testdata                                 # ONNX backend conformance tests
  python3 python3-numpy python3-onnx               # test-data helper scripts (fleet e2e builds its models)
  flatbuffers-compiler libflatbuffers-dev          # .wisp format (src/format)
  libsodium-dev                                    # signed/encrypted packages (src/package)
  clang libclang-rt-dev                            # libFuzzer targets (tests/fuzz)
  g++-aarch64-linux-gnu qemu-user                  # NEON kernels: cross-build, run under qemu
  zlib1g-dev libstb-dev dataset-fashion-mnist      # calibration/eval data: IDX(.gz), images (src/io)
  libcpp-httplib-dev nlohmann-json3-dev libsqlite3-dev   # agent + fleet (src/agent, src/fleet)
  libpqxx-dev postgresql                           # fleet storage on PostgreSQL (tested on loopback)
  chromium                                         # headless dashboard screenshot test
)
if [ "${WISP_WITH_TORCH:-0}" = 1 ]; then
  packages+=(python3-torch python3-torchvision python3-onnx dataset-fashion-mnist)
fi
if [ "${WISP_WITH_PEERS:-0}" = 1 ]; then
  packages+=(libopencv-dev nodejs npm)             # bench/peers: OpenCV DNN, onnxruntime-node
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install_deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install_deps: all ${#packages[@]} packages present"
fi
