#!/usr/bin/env bash
# The issue-4 accuracy target as a correctness test (not a timing):
#   int8_accuracy_target.sh WISP MODEL.onnx DATA_DIR OUT_DIR [MAX_DROP_IMAGES] [MAX_SIZE_RATIO]
# quantizes MODEL with `wisp optimize --int8`, calibrated on the first 512 Fashion-MNIST
# TRAINING images, then evaluates the float and the INT8 model on the 10,000 TEST images.
# Fails if INT8 top-1 is more than MAX_DROP_IMAGES (default 50 = 0.5 points) images below
# float, or the INT8 file is over MAX_SIZE_RATIO (default 0.30) of the float file.
set -euo pipefail
wisp=$1 model=$2 data=$3 out=$4 max_drop=${5:-50} max_ratio=${6:-0.30}
name=$(basename "$model" .onnx)
mkdir -p "$out"
q="$out/$name.int8.onnx"
"$wisp" optimize "$model" --int8 --calib "$data/train-images-idx3-ubyte.gz" --calib-limit 512 -o "$q"
top1() {  # correct count out of 10000, from `wisp eval`'s "top-1 accuracy 91.23%  (9123/10000)"
  "$wisp" eval "$1" --data "$data/t10k-images-idx3-ubyte.gz" --labels "$data/t10k-labels-idx1-ubyte.gz" --batch 500 |
    sed -n 's/.*top-1 accuracy.*(\([0-9]*\)\/10000).*/\1/p'
}
f=$(top1 "$model") i=$(top1 "$q")
fb=$(stat -c %s "$model") qb=$(stat -c %s "$q")
ratio=$(awk -v a="$qb" -v b="$fb" 'BEGIN { printf "%.3f", a / b }')
echo "$name: float top-1 $f/10000, int8 top-1 $i/10000 (drop $((f - i)) images, max $max_drop);" \
     "size $fb -> $qb bytes (ratio $ratio, max $max_ratio)"
[[ -n $f && -n $i ]] || { echo "FAIL: could not read top-1 from wisp eval"; exit 1; }
(( f - i <= max_drop )) || { echo "FAIL: INT8 top-1 drop over the target"; exit 1; }
awk -v r="$ratio" -v m="$max_ratio" 'BEGIN { exit !(r <= m) }' || { echo "FAIL: INT8 file too large"; exit 1; }
echo PASS
