#!/usr/bin/env bash
# scripts/agent_soak.sh [ITERATIONS] — the kill -9 update test for thousands of iterations
# (the suite runs 200). Each iteration kills `wisp agent` at a named crash point or after a
# random delay, checks the state directory recovers to the old or the new model verified
# from its bytes, restarts the agent and checks the update finishes. Needs build/ (Release).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-5000}"
ninja -C build wisp_cli wisp_agent_tests >/dev/null
WISP_KILL9_ITERATIONS="$n" build/tests/wisp_agent_tests --gtest_filter='Kill9.*'
