#!/usr/bin/env bash
# Jaggedness of infoNCE vs MSE along random scale directions: strict local minima and total variation
# over net change of 1-D lines (51 points, radius 3 r) for three blocks and three seeds.
# Usage: scripts/landscape-table.sh [WBITS] [MODEL_DIR] [CALIB_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
EVOLQ=build/bin/evolq
W=${1:-4}
MODEL=${2:-resources/models/vit-tiny-fmnist}
CALIB=${3:-data/fashion-mnist/calib}
mkdir -p results
printf '| block | seed | infoNCE minima | MSE minima | infoNCE TV/net | MSE TV/net | seconds |\n|---|---|---|---|---|---|---|\n'
for block in 1 3 5; do
  for seed in 0 1 2; do
    json=$("$EVOLQ" landscape --model "$MODEL" --calib "$CALIB" --wbits "$W" --abits 8 --block "$block" --dims 1 \
      --points 51 --radius 3 --direction random --loss infonce,mse --seed "$seed" \
      --out "results/landscape-w${W}-b${block}-s${seed}.csv" --json 2>/dev/null)
    python3 - "$block" "$seed" "$json" <<'PY'
import json, sys
d = json.loads(sys.argv[3]); j = d["jaggedness"]
f = lambda x: x if isinstance(x, str) else f"{x:.2f}"
print(f"| {sys.argv[1]} | {sys.argv[2]} | {j['infonce']['local_minima']} | {j['mse']['local_minima']} | "
      f"{f(j['infonce']['tv_ratio'])} | {f(j['mse']['tv_ratio'])} | {d['seconds']:.1f} |")
PY
  done
done
