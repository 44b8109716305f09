#!/usr/bin/env bash
# scripts/build.sh [release|asan] — configure and build Wisp with CMake + Ninja.
#   release: build/       (Release, what the CLI and benchmarks use)
#   asan:    build-asan/  (RelWithDebInfo + AddressSanitizer + UndefinedBehaviorSanitizer)
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-release}"
jobs="${WISP_JOBS:-$(nproc)}"
case "$kind" in
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DWISP_SANITIZE=ON) ;;
  *) echo "usage: scripts/build.sh [release|asan]" >&2; exit 2 ;;
esac
# ccache shares objects between build folders and clones when present.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=1
cmake -S . -B "$dir" -G Ninja -DWISP_WERROR=ON "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$jobs"
