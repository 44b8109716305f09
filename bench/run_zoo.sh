#!/bin/sh
# Wisp vs ONNX Runtime vs OpenCV DNN on the model zoo: one table, model x threads -> median
# latency per engine, the ratio Wisp/ORT, Wisp's GFLOP/s, peak RSS per engine, and the max
# relative error of Wisp's and OpenCV's outputs vs ORT's.
#
#   bench/run_zoo.sh [MODEL...]          (default: every bench/models/out/*.onnx)
#   env: WISP=build/wisp  RUNS=10  WARMUP=2  ORT_RUNS=50  CV_RUNS=10  ROUNDS=3  THREADS="1 2"
#        OPENCV=build/peers/opencv_bench (OPENCV=none leaves OpenCV out)
#
# Needs: bench/models/export_zoo.py run (models + NAME.input.npy), bench/peers/install_ort.sh
# run, /usr/bin/python3 with numpy and onnx, and for OpenCV libopencv-dev (the peer is built
# by bench/peers/build_opencv_bench.sh when missing or older than its source).
#
# Method: for each model and thread count, ROUNDS rounds; each round runs the three engines
# one after another, each in its own process on the same saved input, starting with a
# different engine each round (so no engine always runs right after another's heat or cache
# state). An engine's latency is the median over rounds of its per-round median; its peak
# RSS the largest over rounds (ru_maxrss of its process: Wisp's CLI, node + ORT, the
# OpenCV peer). OpenCV gets the model through bench/peers/opencv_prepare.py (Identity of an
# initializer folded into an initializer: lossless, OpenCV 4.6 rejects that form); a model
# OpenCV still cannot import or run is listed as unsupported with OpenCV's reason.
# Relative error: max |out - ort| / max |ort| over the first output.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
WISP=${WISP:-$root/build/wisp}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
ORT_RUNS=${ORT_RUNS:-50}
CV_RUNS=${CV_RUNS:-10}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-"1 2"}
PY=${PY:-/usr/bin/python3}
OPENCV=${OPENCV:-$root/build/peers/opencv_bench}
zoo=$root/bench/models/out
work=${WORK:-$root/bench/out}
mkdir -p "$work"
results=$work/results.jsonl
: > "$results"
wisp_threads=0
"$WISP" bench --help | grep -q -- '--threads' && wisp_threads=1
if [ "$OPENCV" != none ]; then
  src=$root/bench/peers/opencv_bench.cpp
  if [ ! -x "$OPENCV" ] || [ "$src" -nt "$OPENCV" ]; then
    "$root/bench/peers/build_opencv_bench.sh" "$OPENCV" >&2 || { echo "run_zoo: OpenCV peer not built; OpenCV left out" >&2; OPENCV=none; }
  fi
fi

run_wisp() {  # model threads round
  tflag=""
  [ $wisp_threads = 1 ] && tflag="--threads $2"
  # shellcheck disable=SC2086
  "$WISP" bench "$zoo/$1.onnx" --input "input=$zoo/$1.input.npy" --runs "$RUNS" --warmup "$WARMUP" --no-profile $tflag \
    --output-dir "$work/$1.t$2.wisp" --json > "$work/$1.t$2.r$3.wisp.json" 2> "$work/$1.t$2.wisp.log" ||
    echo '{"error": "wisp bench failed (see '"$1.t$2.wisp.log"')"}' > "$work/$1.t$2.r$3.wisp.json"
}
run_ort() {
  node "$root/bench/peers/ort_bench.js" "$zoo/$1.onnx" "$zoo/$1.input.npy" --threads "$2" --runs "$ORT_RUNS" \
    --output "$work/$1.t$2.ort.npy" --json > "$work/$1.t$2.r$3.ort.json" 2> "$work/$1.t$2.ort.log" ||
    echo '{"error": "ort_bench failed (see '"$1.t$2.ort.log"')"}' > "$work/$1.t$2.r$3.ort.json"
}
run_cv() {
  out=$work/$1.t$2.r$3.cv.json
  if [ "$OPENCV" = none ]; then echo '{"error": "not run (OPENCV=none or peer not built)"}' > "$out"; return; fi
  if [ ! -f "$work/$1.opencv.onnx" ]; then echo '{"error": "opencv_prepare.py failed"}' > "$out"; return; fi
  # An unsupported model fails the same way every round: try it once.
  if [ "$3" -gt 1 ] && grep -q '"error"' "$work/$1.t$2.r1.cv.json"; then cp "$work/$1.t$2.r1.cv.json" "$out"; return; fi
  "$OPENCV" "$work/$1.opencv.onnx" "$zoo/$1.input.npy" --threads "$2" --runs "$CV_RUNS" --warmup "$WARMUP" \
    --output "$work/$1.t$2.cv.npy" --json > "$out" 2> "$work/$1.t$2.cv.log" || true
  [ -s "$out" ] || echo '{"error": "opencv_bench crashed (see '"$1.t$2.cv.log"')"}' > "$out"
}

if [ $# -gt 0 ]; then models="$*"; else models=$(cd "$zoo" && ls *.onnx | sed 's/\.onnx$//'); fi
for m in $models; do
  rm -f "$work/$m.opencv.onnx"
  [ "$OPENCV" = none ] || $PY "$root/bench/peers/opencv_prepare.py" "$zoo/$m.onnx" "$work/$m.opencv.onnx" 2>/dev/null || true
  for t in $THREADS; do
    echo "== $m threads $t" >&2
    r=1
    while [ $r -le "$ROUNDS" ]; do
      case $((r % 3)) in
        1) run_wisp "$m" "$t" $r; run_ort "$m" "$t" $r; run_cv "$m" "$t" $r ;;
        2) run_ort "$m" "$t" $r; run_cv "$m" "$t" $r; run_wisp "$m" "$t" $r ;;
        0) run_cv "$m" "$t" $r; run_wisp "$m" "$t" $r; run_ort "$m" "$t" $r ;;
      esac
      r=$((r + 1))
    done
    $PY - "$m" "$t" "$wisp_threads" "$work" "$zoo" "$ROUNDS" >> "$results" <<'PYEOF'
import glob, json, re, statistics, sys
import numpy as np
m, t, wisp_threads, work, zoo, rounds = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4], sys.argv[5], int(sys.argv[6])

def load(engine):
    runs = []
    for r in range(1, rounds + 1):
        try:
            runs.append(json.load(open(f"{work}/{m}.t{t}.r{r}.{engine}.json")))
        except (OSError, ValueError) as e:
            runs.append({"error": f"no result ({e})"})
    ok = [j for j in runs if "latency_ms" in j]
    if not ok:
        return None, runs[0].get("error", "failed")
    agg = dict(ok[-1])
    agg["median_of_medians"] = statistics.median(j["latency_ms"]["median"] for j in ok)
    agg["rounds_ok"] = len(ok)
    agg["peak_rss"] = max(j.get("peak_rss_bytes", -1) for j in ok)
    return agg, None

def short_reason(msg):
    # OpenCV: "Node [Squeeze@ai.onnx]:(onnx_node!/lstm/Squeeze) parse error: ... (-215:Assertion failed) X in function 'f'"
    node = re.search(r"Node \[([^@\]]+)@[^\]]*\]:\(onnx_node!([^)]*)\)", msg)
    why = re.findall(r"error: \([-0-9]+:[^)]*\) (.*?) in function '([^']*)'", msg)
    if node and why:
        return f"{node.group(1)} node {node.group(2)}: {why[-1][0]} ({why[-1][1]})"
    return " ".join(msg.split())[:160]

def rel_err(path, ref):
    got = np.load(path).reshape(ref.shape)
    return float(np.abs(got - ref).max()) / (float(np.abs(ref).max()) or 1.0)

w, w_err = load("wisp")
o, o_err = load("ort")
c, c_err = load("cv")
row = {"model": m, "threads": t, "wisp_threads": t if wisp_threads else 1, "rounds": rounds}
ref = None
if o:
    row.update(ort_ms=o["median_of_medians"], ort_version=o["version"], ort_rss=o["peak_rss"])
    ref = np.load(f"{work}/{m}.t{t}.ort.npy")
    row["ort_rel_err_vs_torch"] = rel_err(f"{zoo}/{m}.output.npy", ref)
else:
    row["ort_error"] = o_err
if w:
    row.update(wisp_ms=w["median_of_medians"], gflops=w["gflops"], wisp_rss=w["peak_rss"])
    outs = sorted(glob.glob(f"{work}/{m}.t{t}.wisp/*.npy"))
    if ref is not None and outs:
        row["rel_err_vs_ort"] = rel_err(outs[0], ref)
else:
    row["wisp_error"] = w_err
if c:
    row.update(cv_ms=c["median_of_medians"], cv_version=c["version"], cv_rss=c["peak_rss"])
    if ref is not None:
        try:
            row["cv_rel_err_vs_ort"] = rel_err(f"{work}/{m}.t{t}.cv.npy", ref)
        except ValueError as e:  # output shape differs (OpenCV may drop or keep a batch dim)
            row["cv_rel_err_vs_ort"] = None
            row["cv_note"] = f"output shape differs: {e}"
else:
    row["cv_error"] = short_reason(c_err)
    try:  # the peer reports its OpenCV version with the error
        row["cv_version"] = json.load(open(f"{work}/{m}.t{t}.r1.cv.json"))["version"]
    except (OSError, ValueError, KeyError):
        pass
print(json.dumps(row))
PYEOF
  done
done

$PY - "$results" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ms = lambda r, k: f"{r[k]:.3f}" if k in r else "failed"
mib = lambda r, k: f"{r[k] / 1048576:.1f}" if r.get(k, -1) > 0 else "-"
err = lambda r, k: f"{r[k]:.2e}" if r.get(k) is not None and k in r else "-"
notes = []  # footnotes: OpenCV reasons (shared by rows), then per-row failures
def note(text):
    if text not in notes:
        notes.append(text)
    return notes.index(text) + 1
print("| model | threads | Wisp median ms | ORT median ms | OpenCV median ms | Wisp/ORT | Wisp GFLOP/s "
      "| peak RSS MiB Wisp / ORT / OpenCV | max rel err Wisp vs ORT | max rel err OpenCV vs ORT |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    th = f"{r['threads']}" + ("" if r["wisp_threads"] == r["threads"] else " (Wisp 1*)")
    cv = ms(r, "cv_ms")
    if "cv_error" in r:
        cv = f"unsupported ({note('OpenCV: ' + r['cv_error'])})"
    for key, who in (("cv_note", "OpenCV"), ("wisp_error", "Wisp"), ("ort_error", "ORT")):
        if key in r:
            label = f"{who}, {r['model']} threads {r['threads']}: {r[key]}"
            th += f" ({note(label)})"
    ratio = f"{r['wisp_ms'] / r['ort_ms']:.2f}" if "wisp_ms" in r and "ort_ms" in r else "-"
    gf = f"{r['gflops']:.2f}" if "gflops" in r else "-"
    print(f"| {r['model']} | {th} | {ms(r, 'wisp_ms')} | {ms(r, 'ort_ms')} | {cv} | {ratio} | {gf} | "
          f"{mib(r, 'wisp_rss')} / {mib(r, 'ort_rss')} / {mib(r, 'cv_rss')} | {err(r, 'rel_err_vs_ort')} | {err(r, 'cv_rel_err_vs_ort')} |")
for i, n in enumerate(notes):
    print(f"\n({i + 1}) {n}")
if rows:
    ort = next((r["ort_version"] for r in rows if "ort_version" in r), "?")
    cvv = next((r["cv_version"] for r in rows if "cv_version" in r), "?")
    print(f"\nMedian over {rows[0]['rounds']} interleaved rounds of each engine's median. ORT: onnxruntime-node {ort}, "
          f"CPU execution provider. OpenCV: {cvv} DNN, OpenCV backend, CPU target. Peak RSS: the engine's whole "
          f"process (node + ORT includes the Node.js runtime).")
PYEOF
