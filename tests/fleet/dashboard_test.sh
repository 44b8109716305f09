#!/usr/bin/env bash
# dashboard_test.sh WISP_CLI WISP_FLEET_SEED: starts `wisp fleet` on a free loopback port,
# seeds it (devices, rollouts, an hour of telemetry), then loads the dashboard in headless
# Chromium twice: --dump-dom (after the page's script ran) must hold the three device rows,
# the rollout progress bars and line series in the latency, drift and shadow charts; the
# --screenshot PNG must not be blank (png_check.py counts colours and non-white pixels).
# Prints "ok" on success. Bounded: every wait has a limit; the fleet is stopped on exit.
set -euo pipefail
cli="$1"; seed="$2"; here="$(cd "$(dirname "$0")" && pwd)"
command -v chromium >/dev/null || { echo "chromium not installed: skipping the dashboard test"; exit 77; }
work="$(mktemp -d /tmp/wisp_dashboard.XXXXXX)"
fleet_pid=""
cleanup() { [[ -n "$fleet_pid" ]] && kill "$fleet_pid" 2>/dev/null && wait "$fleet_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
token="dashboard-test-token-$(date +%s)"
cat > "$work/fleet.json" <<JSON
{"listen":"127.0.0.1:0","admin_token":"$token","storage":{"kind":"sqlite","path":"fleet.db"},
 "package_dir":"packages","rollout_tick_s":1}
JSON
"$cli" fleet --config "$work/fleet.json" --port-file "$work/port" > "$work/fleet.log" 2>&1 &
fleet_pid=$!
for _ in $(seq 100); do [[ -s "$work/port" ]] && break; sleep 0.1; done
[[ -s "$work/port" ]] || { cat "$work/fleet.log"; echo "fleet did not start"; exit 1; }
port=$(cat "$work/port")
"$seed" "http://127.0.0.1:$port" "$token"
url="http://127.0.0.1:$port/#token=$token"
chrome=(timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars
        --user-data-dir="$work/chrome" --virtual-time-budget=10000 --window-size=1280,900)
"${chrome[@]}" --dump-dom "$url" > "$work/dom.html" 2>"$work/chrome.log" || { tail -5 "$work/chrome.log"; exit 1; }
"${chrome[@]}" --screenshot="$work/shot.png" "$url" >/dev/null 2>>"$work/chrome.log" || { tail -5 "$work/chrome.log"; exit 1; }
python3 - "$work/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
def need(cond, what):
    if not cond:
        print('FAIL:', what); print(dom[:3000]); sys.exit(1)
need('data-loaded="1"' in dom, 'the page script finished a refresh (data-loaded)')
rows = re.findall(r'<tr class="device-row" data-device="(cam-\d)"', dom)
need(sorted(rows) == ['cam-1', 'cam-2', 'cam-3'], f'three device rows, got {rows}')
ro = re.findall(r'<div class="rollout" data-rollout="(r\d+)">', dom)
need(sorted(ro) == ['r1', 'r2'], f'two rollouts with progress bars, got {ro}')
need('running' in dom and 'completed' in dom, 'rollout states shown')
for chart in ('latency-chart', 'drift-chart', 'shadow-chart'):
    m = re.search(r'<svg id="%s"[^>]*>(.*?)</svg>' % chart, dom, re.S)
    need(m is not None, chart + ' present')
    series = re.findall(r'<polyline class="series" data-name="(cam-\d)"', m.group(1))
    need(len(series) == 3, f'{chart}: a line per device, got {series}')
    need(len(re.findall(r'<circle ', m.group(1))) >= 3 * 30, chart + ': the points of each series')
print('dom ok: 3 device rows, 2 rollouts, 3 charts x 3 series')
PY
python3 "$here/png_check.py" "$work/shot.png" 24 0.04
if [[ -n "${WISP_DASHBOARD_SCREENSHOT:-}" ]]; then cp "$work/shot.png" "$WISP_DASHBOARD_SCREENSHOT"; fi
echo ok
