#!/usr/bin/env bash
# Baseline vs Evol-Q top-1 on the full validation folder for seeds 0 1 2 at W3A8, W4A8, W8A8, with
# search time; writes each run's scale file, log and console output under results/. Prints one Markdown
# row per run, then mean and spread (sample standard deviation, min..max) per precision.
#
# Usage: scripts/search-table.sh [PASSES] [MODEL_DIR] [VAL_DIR] [CALIB_DIR]
# Environment: WBITS (default "3 4 8"), ABITS (default 8), SEEDS (default "0 1 2"), VAL_SUBSET (default 1000; 0 = no
# validation during the search), SKIP_EXISTING=1 (reuse results/search-wWaA-sS.json when present),
# EXTRA (more `evolq search` options, e.g. "--mutation 1e-2"), TAG (suffix for the result files),
# EVOLQ (the program, default build/bin/evolq).
set -euo pipefail
cd "$(dirname "$0")/.."
EVOLQ=${EVOLQ:-build/bin/evolq}
PASSES=${1:-10}
MODEL=${2:-resources/models/vit-tiny-fmnist}
VAL=${3:-data/fashion-mnist/val}
CALIB=${4:-data/fashion-mnist/calib}
WBITS=${WBITS:-3 4 8}
SEEDS=${SEEDS:-0 1 2}
ABITS=${ABITS:-8}
TAG=${TAG:-}
mkdir -p results
files=()
for w in $WBITS; do
  for seed in $SEEDS; do
    base=results/search-w${w}a${ABITS}-s${seed}${TAG}
    if [ "${SKIP_EXISTING:-0}" != 1 ] || [ ! -f "$base.json" ]; then
      # shellcheck disable=SC2086
      "$EVOLQ" search --model "$MODEL" --calib "$CALIB" --val "$VAL" --wbits "$w" --abits "$ABITS" --passes "$PASSES" \
        --seed "$seed" --val-subset "${VAL_SUBSET:-1000}" --out "$base.json" --log "$base.csv" ${EXTRA:-} > "$base.txt" 2>&1
    fi
    files+=("$base.json")
  done
done
python3 - "${files[@]}" <<'PY'
import json, statistics, sys
rows = {}
print("| precision | seed | FP32 | baseline | Evol-Q | gain | search s |\n|---|---|---|---|---|---|---|")
for path in sys.argv[1:]:
    d = json.load(open(path))
    v, s, q = d["validation"], d["search"], d["quant_config"]
    prec = f"W{q['weight_bits']}A{q['act_bits']}"
    gain = v["evolq_top1"] - v["baseline_top1"]
    rows.setdefault(prec, []).append((v["fp32_top1"], v["baseline_top1"], v["evolq_top1"], gain, s["seconds"]))
    print(f"| {prec} | {s['settings']['seed']} | {v['fp32_top1']:.2f} | {v['baseline_top1']:.2f} | {v['evolq_top1']:.2f} | "
          f"{gain:+.2f} | {s['seconds']:.0f} |")
print()
print("| precision | runs | FP32 | baseline | Evol-Q mean ± sd (min..max) | gain mean ± sd | gap closed | search s mean |")
print("|---|---|---|---|---|---|---|---|")
sd = lambda xs: statistics.stdev(xs) if len(xs) > 1 else 0.0
for prec, r in rows.items():
    fp, base = r[0][0], r[0][1]
    ev = [x[2] for x in r]; gains = [x[3] for x in r]; secs = [x[4] for x in r]
    gap = fp - base
    closed = f"{100 * statistics.mean(gains) / gap:+.0f} %" if gap > 0 else "-"
    print(f"| {prec} | {len(r)} | {fp:.2f} | {base:.2f} | {statistics.mean(ev):.2f} ± {sd(ev):.2f} "
          f"({min(ev):.2f}..{max(ev):.2f}) | {statistics.mean(gains):+.2f} ± {sd(gains):.2f} | {closed} | "
          f"{statistics.mean(secs):.0f} |")
PY
