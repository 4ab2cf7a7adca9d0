#!/usr/bin/env bash
# Baseline vs Evol-Q top-1 on the full validation folder for seeds 0 1 2 at W3A8, W4A8, W8A8, with
# search time; writes each run's scale file and log under results/. Prints a Markdown table.
# Usage: scripts/search-table.sh [PASSES] [MODEL_DIR] [VAL_DIR] [CALIB_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
EVOLQ=build/bin/evolq
PASSES=${1:-10}
MODEL=${2:-resources/models/vit-tiny-fmnist}
VAL=${3:-data/fashion-mnist/val}
CALIB=${4:-data/fashion-mnist/calib}
mkdir -p results
printf '| precision | seed | FP32 | baseline | Evol-Q | gain | search s |\n|---|---|---|---|---|---|---|\n'
for w in 3 4 8; do
  for seed in 0 1 2; do
    out=results/search-w${w}a8-s${seed}.json
    "$EVOLQ" search --model "$MODEL" --calib "$CALIB" --val "$VAL" --wbits "$w" --abits 8 --passes "$PASSES" \
      --seed "$seed" --val-subset "${VAL_SUBSET:-1000}" --out "$out" --log "results/search-w${w}a8-s${seed}.csv" > "results/search-w${w}a8-s${seed}.txt" 2>&1
    python3 - "$out" "$w" "$seed" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v, s = d["validation"], d["search"]
print(f"| W{sys.argv[2]}A8 | {sys.argv[3]} | {v['fp32_top1']:.2f} | {v['baseline_top1']:.2f} | {v['evolq_top1']:.2f} | "
      f"{v['evolq_top1'] - v['baseline_top1']:+.2f} | {s['seconds']:.0f} |")
PY
  done
done
