#!/usr/bin/env bash
# What the live landscape shows of each strategy: every strategy searches the same model with the
# live landscape on (1-D slices of 21 points through the searched block, random filter-normalized
# axes, whole slices), and the logs are summarized per strategy: the slices' local minima and TV
# ratio, how far the strategy's own evaluations land from the visit's start along the slice axis
# (|a| in units of r), and how many of them beat the visit's start.
#
# Usage: scripts/strategy-slices.sh [MODEL_DIR] [CALIB_DIR]
# Environment: STRATEGIES (default "evolq random similarity reconstruct"), SEED (0), OUT
# (results/slices), EXTRA (options for every run; default: one pass, 250 calibration images,
# reconstruction with 38 Adam steps per block, its default-run count).
set -euo pipefail
cd "$(dirname "$0")/.."
EVOLQ=${EVOLQ:-build/bin/evolq}
MODEL=${1:-resources/models/vit-tiny-fmnist}
CALIB=${2:-data/fashion-mnist/calib}
STRATEGIES=${STRATEGIES:-evolq random similarity reconstruct}
SEED=${SEED:-0}
OUT=${OUT:-results/slices}
EXTRA=${EXTRA:---passes 1 --calib-size 250 --rec-steps 38}
mkdir -p "$OUT"
logs=()
for s in $STRATEGIES; do
  base="$OUT/$s-s$SEED"
  # shellcheck disable=SC2086
  "$EVOLQ" search --model "$MODEL" --calib "$CALIB" --seed "$SEED" --strategy "$s" \
    --live-landscape 1d:21 --live-share 1000 $EXTRA \
    --out "$base.json" --log "$base.csv" > "$base.txt" 2>&1 ||
    { echo "failed: $base (see $base.txt)" >&2; tail -3 "$base.txt" >&2; exit 1; }
  logs+=("$base.csv")
done
python3 - "${logs[@]}" <<'PY'
import csv, os, statistics, sys
print("| strategy | slices | local minima per slice (mean, max) | TV ratio (median) | evaluations on the slices | median / max \\|a\\| (r) | beat the visit's start |")
print("|---|---|---|---|---|---|---|")
for path in sys.argv[1:]:
    name = os.path.basename(path).rsplit("-s", 1)[0]
    minima, tv, a, better, n = [], [], [], 0, 0
    start = {}
    with open(path) as f:
        rows = [r for r in csv.reader(line for line in f if not line.startswith("#"))]
    head = rows[0]
    col = {k: i for i, k in enumerate(head)}
    for r in rows[1:]:
        ev = r[col["event"]]
        if ev == "slice_end":
            d = dict(kv.split("=", 1) for kv in r[col["detail"]].split(";") if "=" in kv)
            minima.append(int(d["local_minima"]))
            tv.append(float(d["tv_ratio"]))
        elif ev == "child":
            visit, fit, role = r[col["visit"]], float(r[col["fitness"]]), r[col["role"]]
            if role == "start":
                start[visit] = fit
                continue
            n += 1
            a.append(abs(float(r[col["a"]])))
            if visit in start and fit < start[visit]:
                better += 1
    med = statistics.median(a) if a else float("nan")
    print(f"| {name} | {len(minima)} | {statistics.mean(minima):.1f}, {max(minima)} | "
          f"{statistics.median(tv):.1f} | {n} | {med:.3g} / {max(a) if a else float('nan'):.3g} | "
          f"{better} ({100.0 * better / max(n, 1):.0f} %) |")
PY
