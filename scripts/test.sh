#!/usr/bin/env bash
# The whole test suite, as CI runs it: install dependencies, then for a Release build and
# an AddressSanitizer + UndefinedBehaviorSanitizer build: build, unit tests, the ONNX
# backend conformance suite (932 node tests + 117 PyTorch tests), CLI smoke tests.
# WISP_SKIP_ASAN=1 skips the sanitizer build (quicker local runs). Then the aarch64 stage:
# a cross build (no ONNX importer) whose unit tests, NEON kernels included, run under
# qemu-aarch64 (scripts/test_aarch64.sh); WISP_SKIP_AARCH64=1 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
kinds=(release)
[ "${WISP_SKIP_ASAN:-0}" = 1 ] || kinds+=(asan)
for kind in "${kinds[@]}"; do
  echo "=== $kind: build"
  ./scripts/build.sh "$kind"
  dir=build; [ "$kind" = asan ] && dir=build-asan
  echo "=== $kind: tests"
  # halt_on_error: the first sanitizer report fails the run; detect_leaks stays on.
  ASAN_OPTIONS="halt_on_error=1:abort_on_error=1" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" --timeout 1500 | tee "$dir/ctest-summary.txt"
  echo "=== $kind: ONNX conformance"
  grep -h "^conformance" "$dir/Testing/Temporary/LastTest.log" || true
done
if [ "${WISP_SKIP_AARCH64:-0}" != 1 ]; then
  echo "=== aarch64: cross build + unit tests under qemu-aarch64"
  ./scripts/test_aarch64.sh
fi
# End with ctest's own summary line (CI reads the closing line of the test runner).
echo "=== summary"
grep -h "tests passed" build*/ctest-summary.txt | tail -n 1
