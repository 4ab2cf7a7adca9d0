#!/usr/bin/env bash
# Chooses the default search settings without looking at the validation folder.
#
# A tuning folder is made from Fashion-MNIST training images that are not calibration images (a
# seeded draw of TUNE_SIZE, 10 % of them per class as they fall), then every candidate runs for seeds
# 0 1 2 with the tuning folder in the place of the validation folder: the figures the candidates are
# ranked by (FP32, baseline and searched top-1) are on tuning images only. The candidate with the
# largest mean gain on the tuning folder is printed last; scripts/search-table.sh then measures it
# once on the validation folder.
#
# Usage: scripts/default-select.sh
# Environment: CANDIDATES (default below: one "name|evolq search options" per line), SEEDS (0 1 2),
# TUNE_SIZE (5000), OUT_DIR (results/select), SKIP_EXISTING=1 (reuse OUT_DIR/*.json).
set -euo pipefail
cd "$(dirname "$0")/.."
EVOLQ=${EVOLQ:-build/bin/evolq}
DATA=data/fashion-mnist
TUNE=data/fashion-mnist-tune
SEEDS=${SEEDS:-0 1 2}
TUNE_SIZE=${TUNE_SIZE:-5000}
CANDIDATES=${CANDIDATES:-"w2a8-r3e-3|--wbits 2 --abits 8 --mutation 3e-3
w2a8-r1e-2|--wbits 2 --abits 8 --mutation 1e-2
w2a8-r3e-2|--wbits 2 --abits 8 --mutation 3e-2
w2a8-rel0.1|--wbits 2 --abits 8 --relative-mutation --mutation 0.1
w2a8-r1e-2-mse|--wbits 2 --abits 8 --mutation 1e-2 --loss mse
w2a8-r2e-2|--wbits 2 --abits 8 --mutation 2e-2"}

if [ ! -d "$TUNE" ]; then
  python3 - "$DATA" "$TUNE" "$TUNE_SIZE" <<'PY'
import os, random, sys
data, tune, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
calib = {f for _, _, fs in os.walk(os.path.join(data, "calib")) for f in fs}
pool = []
for cls in sorted(os.listdir(os.path.join(data, "train"))):
    for f in sorted(os.listdir(os.path.join(data, "train", cls))):
        if f not in calib:
            pool.append((cls, f))
random.Random(20261202).shuffle(pool)
for cls, f in pool[:size]:
    os.makedirs(os.path.join(tune, cls), exist_ok=True)
    os.symlink(os.path.abspath(os.path.join(data, "train", cls, f)), os.path.join(tune, cls, f))
print(f"{tune}: {min(size, len(pool))} training images not in calib/ (of {len(pool)})")
PY
fi

OUT_DIR=${OUT_DIR:-results/select}
mkdir -p "$OUT_DIR"
files=()
while IFS='|' read -r name opts; do
  [ -n "$name" ] || continue
  for seed in $SEEDS; do
    base=$OUT_DIR/$name-s$seed
    if [ "${SKIP_EXISTING:-0}" != 1 ] || [ ! -f "$base.json" ]; then
      echo "== $name seed $seed: evolq search $opts" >&2
      # shellcheck disable=SC2086
      "$EVOLQ" search --calib "$DATA/calib" --val "$TUNE" --val-subset 0 --seed "$seed" $opts \
        --out "$base.json" > "$base.txt" 2>&1
    fi
    files+=("$name=$base.json")
  done
done <<< "$CANDIDATES"

python3 - "${files[@]}" <<'PY'
import json, statistics, sys
runs = {}
for arg in sys.argv[1:]:
    name, path = arg.split("=", 1)
    d = json.load(open(path))
    v = d["validation"]
    runs.setdefault(name, []).append((v["fp32_top1"], v["baseline_top1"], v["evolq_top1"], d["search"]["seconds"]))
sd = lambda xs: statistics.stdev(xs) if len(xs) > 1 else 0.0
print("| candidate | seeds | FP32 (tuning) | baseline (tuning) | gain mean ± sd | gap closed | search s |")
print("|---|---|---|---|---|---|---|")
best = None
for name, r in runs.items():
    fp, base = r[0][0], r[0][1]
    gains = [x[2] - x[1] for x in r]
    closed = 100 * statistics.mean(gains) / (fp - base) if fp > base else float("nan")
    print(f"| {name} | {len(r)} | {fp:.2f} | {base:.2f} | {statistics.mean(gains):+.2f} ± {sd(gains):.2f} | "
          f"{closed:+.0f} % | {statistics.mean(x[3] for x in r):.0f} |")
    if best is None or statistics.mean(gains) > best[1]:
        best = (name, statistics.mean(gains))
print(f"\nchosen on the tuning folder: {best[0]}")
PY
