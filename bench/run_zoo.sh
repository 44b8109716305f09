#!/bin/sh
# Wisp vs ONNX Runtime on the model zoo: one table, model x threads -> median latency per
# engine and the ratio Wisp/ORT, plus the max relative error of Wisp's output vs ORT's.
#
#   bench/run_zoo.sh [MODEL...]          (default: every bench/models/out/*.onnx)
#   env: WISP=build/wisp  RUNS=10  WARMUP=2  ORT_RUNS=50  THREADS="1 2"
#
# Needs: bench/models/export_zoo.py run (models + NAME.input.npy), bench/peers/install_ort.sh
# run, /usr/bin/python3 with numpy. For each model and thread count the two engines run
# back to back (interleaved), each in its own process, on the same saved input.
# Wisp has no thread count yet unless `wisp bench --help` lists --threads: its row then
# repeats the single-threaded run's configuration (marked "1*").
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
WISP=${WISP:-$root/build/wisp}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
ORT_RUNS=${ORT_RUNS:-50}
THREADS=${THREADS:-"1 2"}
PY=${PY:-/usr/bin/python3}
zoo=$root/bench/models/out
work=${WORK:-$root/bench/out}
mkdir -p "$work"
results=$work/results.jsonl
: > "$results"
wisp_threads=0
"$WISP" bench --help | grep -q -- '--threads' && wisp_threads=1

if [ $# -gt 0 ]; then models="$*"; else models=$(cd "$zoo" && ls *.onnx | sed 's/\.onnx$//'); fi
for m in $models; do
  for t in $THREADS; do
    tflag=""
    [ $wisp_threads = 1 ] && tflag="--threads $t"
    echo "== $m threads $t" >&2
    # shellcheck disable=SC2086
    "$WISP" bench "$zoo/$m.onnx" --input "input=$zoo/$m.input.npy" --runs "$RUNS" --warmup "$WARMUP" $tflag \
      --output-dir "$work/$m.wisp" --json > "$work/$m.t$t.wisp.json" || echo '{"error": true}' > "$work/$m.t$t.wisp.json"
    node "$root/bench/peers/ort_bench.js" "$zoo/$m.onnx" "$zoo/$m.input.npy" --threads "$t" --runs "$ORT_RUNS" \
      --output "$work/$m.ort.npy" --json > "$work/$m.t$t.ort.json"
    $PY - "$m" "$t" "$wisp_threads" "$work" "$zoo" >> "$results" <<'PYEOF'
import glob, json, sys
import numpy as np
m, t, wisp_threads, work, zoo = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4], sys.argv[5]
w = json.load(open(f"{work}/{m}.t{t}.wisp.json"))
o = json.load(open(f"{work}/{m}.t{t}.ort.json"))
row = {"model": m, "threads": t, "wisp_threads": t if wisp_threads else 1, "ort_ms": o["latency_ms"]["median"],
       "ort_version": o["version"]}
if "latency_ms" in w:
    ref = np.load(f"{work}/{m}.ort.npy")
    outs = sorted(glob.glob(f"{work}/{m}.wisp/*.npy"))
    got = np.load(outs[0]).reshape(ref.shape)
    torch_out = np.load(f"{zoo}/{m}.output.npy").reshape(ref.shape)
    scale = float(np.abs(ref).max()) or 1.0
    row.update(wisp_ms=w["latency_ms"]["median"], gflops=w["gflops"],
               rel_err_vs_ort=float(np.abs(got - ref).max()) / scale,
               ort_rel_err_vs_torch=float(np.abs(ref - torch_out).max()) / scale)
print(json.dumps(row))
PYEOF
  done
done

$PY - "$results" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"| model | threads | Wisp median ms | ORT median ms | Wisp/ORT | Wisp GFLOP/s | max rel err Wisp vs ORT |")
print("|---|---|---:|---:|---:|---:|---:|")
for r in rows:
    th = f"{r['threads']}" + ("" if r["wisp_threads"] == r["threads"] else " (Wisp 1*)")
    if "wisp_ms" not in r:
        print(f"| {r['model']} | {th} | failed | {r['ort_ms']:.3f} | - | - | - |")
        continue
    print(f"| {r['model']} | {th} | {r['wisp_ms']:.3f} | {r['ort_ms']:.3f} | {r['wisp_ms'] / r['ort_ms']:.1f} | "
          f"{r['gflops']:.2f} | {r['rel_err_vs_ort']:.2e} |")
if rows:
    print(f"\nORT: onnxruntime-node {rows[0]['ort_version']}, CPU execution provider.")
PYEOF
