#!/bin/sh
# Builds the OpenCV DNN peer (bench/peers/opencv_bench.cpp) against the system OpenCV
# (Debian libopencv-dev, found with pkg-config opencv4) into build/peers/opencv_bench.
# Not part of the CMake project: CI never needs OpenCV. bench/run_zoo.sh calls this when
# the binary is missing or older than its source.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build/peers/opencv_bench}
mkdir -p "$(dirname "$out")"
pkg-config --exists opencv4 || { echo "build_opencv_bench: pkg-config opencv4 not found (apt-get install libopencv-dev)" >&2; exit 1; }
# shellcheck disable=SC2046
${CXX:-c++} -O2 -std=c++17 -Wall -Wextra -o "$out" "$root/bench/peers/opencv_bench.cpp" $(pkg-config --cflags --libs opencv4)
echo "$out"
