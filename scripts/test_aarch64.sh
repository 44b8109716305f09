#!/usr/bin/env bash
# scripts/test_aarch64.sh [gtest-filter] — cross-build the core library and the unit tests
# for aarch64 (Debian's g++-aarch64-linux-gnu, cmake/aarch64-linux-gnu.cmake) into
# build-aarch64/, without the ONNX importer (no aarch64 protobuf is needed), and run the
# tests under qemu-aarch64 (user-mode emulation). ccache is shared with the host builds.
#
# The filter defaults to WISP_AARCH64_FILTER, else every test that exists in this build
# (the importer-based ones are not compiled). Emulation is ~10-50x slower than native, so
# the times printed here say nothing about performance on a real ARM core.
# WISP_JOBS: build jobs (default nproc); WISP_NINJA_FLAGS: extra ninja flags (e.g. "-k 0").
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-aarch64
jobs="${WISP_JOBS:-$(nproc)}"
filter="${1:-${WISP_AARCH64_FILTER:-*}}"
for tool in aarch64-linux-gnu-g++ qemu-aarch64; do
  command -v "$tool" >/dev/null || { echo "test_aarch64: $tool not found; run scripts/install_deps.sh" >&2; exit 2; }
done
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=1
cmake -S . -B "$dir" -G Ninja --no-warn-unused-cli -DCMAKE_BUILD_TYPE=Release -DWISP_WERROR=ON -DWISP_WITH_ONNX=OFF \
  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake >/dev/null
cmake --build "$dir" -j "$jobs" --target wisp_tests -- ${WISP_NINJA_FLAGS:-}
start=$(date +%s)
qemu-aarch64 -L /usr/aarch64-linux-gnu "$dir/tests/wisp_tests" --gtest_filter="$filter" --gtest_brief=1
echo "test_aarch64: tests passed under qemu-aarch64 in $(( $(date +%s) - start )) s (emulated; not a performance number)"
