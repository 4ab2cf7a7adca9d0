#!/usr/bin/env bash
# README's comparison of search strategies on one model: baseline, random search, the similarity
# interval search, similarity + mixed precision, reconstruction (MGRQ), Evol-Q, and Evol-Q with the
# extended genome (all weights and the block's activation scales); at `evolq search`'s default
# precision and at one harder one; each for seeds 0 1 2; top-1 on the full validation folder
# (mean ± sample sd over seeds) and search time. Every run writes its scale file, log and console
# output under results/compare/; the table is printed as Markdown.
#
# Settings are `evolq search`'s own defaults: the default-precision runs pass no bit options, and the
# harder precision is derived from the bits the first run's scale file records (weights one step
# lower in 8 -> 4 -> 3; at 3-bit weights, 4-bit activations instead). Mixed precision uses the
# row's own weight bits as its average budget, so it spends no more bits than the uniform row.
# At 2-bit weights (the lowest of the choices 2, 3, 4, 8) there is nothing to trade: the row is
# left out and the table says so.
#
# Usage: scripts/compare-strategies.sh [MODEL_DIR] [VAL_DIR] [CALIB_DIR]
# Environment: SEEDS (default "0 1 2"), STRATEGIES (default all rows), PRECISIONS (default
# "default harder"), EXTRA (more `evolq search` options for every run, e.g. "--passes 2"),
# OUT (default results/compare), SKIP_EXISTING=1 (reuse scale files present), TABLE_ONLY=1 (run
# nothing: the table of the scale files present), SMOKE=1 (a tiny check
# of the script: one seed, one pass of one cycle, 64 calibration images, a few candidates).
set -euo pipefail
cd "$(dirname "$0")/.."
EVOLQ=${EVOLQ:-build/bin/evolq}
MODEL=${1:-resources/models/vit-tiny-fmnist}
VAL=${2:-data/fashion-mnist/val}
CALIB=${3:-data/fashion-mnist/calib}
SEEDS=${SEEDS:-0 1 2}
STRATEGIES=${STRATEGIES:-random similarity similarity+mp reconstruct evolq evolq+genome}
PRECISIONS=${PRECISIONS:-default harder}
OUT=${OUT:-results/compare}
EXTRA=${EXTRA:-}
if [ "${SMOKE:-0}" = 1 ]; then
  SEEDS=${SMOKE_SEEDS:-0}
  EXTRA="--passes 1 --cycles 1 --calib-size 64 --sim-candidates 8 --sim-rounds 1 --val-subset 0 $EXTRA"
fi
mkdir -p "$OUT"

# Options of one row.
row_options() {
  case "$1" in
    random) echo "--strategy random" ;;
    similarity) echo "--strategy similarity" ;;
    similarity+mp) echo "--strategy similarity --mixed-precision $2" ;;
    reconstruct) echo "--strategy reconstruct" ;;
    evolq) echo "--strategy evolq" ;;
    evolq+genome) echo "--strategy evolq --genome weights+activations" ;;
    *) echo "unknown strategy row '$1'" >&2; exit 2 ;;
  esac
}

# Reads weight and activation bits from a scale file.
bits_of() {
  python3 -c 'import json,sys; q=json.load(open(sys.argv[1]))["quant_config"]; print(q["weight_bits"], q["act_bits"])' "$1"
}

files=()
skipped=()
default_bits=""
for prec in $PRECISIONS; do
  bitopts=""
  wbits=""
  if [ "$prec" = harder ]; then
    if [ -z "$default_bits" ]; then
      echo "the harder precision follows from a default-precision run: list 'default' first" >&2
      exit 2
    fi
    read -r w a <<<"$default_bits"
    case "$w" in
      8) bitopts="--wbits 4 --abits $a"; wbits=4 ;;
      4) bitopts="--wbits 3 --abits $a"; wbits=3 ;;
      *) bitopts="--wbits $w --abits 4"; wbits=$w ;;
    esac
  elif [ "$prec" != default ]; then
    echo "unknown precision '$prec' (default, harder)" >&2
    exit 2
  fi
  for row in $STRATEGIES; do
    for seed in $SEEDS; do
      base="$OUT/$prec-$row-s$seed"
      if [ "$row" = similarity+mp ] && [ -z "$wbits" ]; then
        # The budget is the default weight bits: known once a default run wrote its file.
        read -r wbits _ <<<"$default_bits"
      fi
      opts=$(row_options "$row" "${wbits:-4}")
      if [ "$row" = similarity+mp ] && [ "${wbits:-4}" = 2 ]; then
        # 2 bits is the lowest choice: an average of 2 leaves no bits to trade, and the run would
        # be the similarity row again.
        read -r _ a_bits <<<"$default_bits"
        [ "$prec" = harder ] && a_bits=4
        skipped+=("W2A${a_bits}")
        continue
      fi
      if [ "${TABLE_ONLY:-0}" = 1 ] && [ ! -f "$base.json" ]; then
        continue  # not run: the table lists the runs there are
      fi
      reuse=0  # an existing result is kept with SKIP_EXISTING=1 or TABLE_ONLY=1
      if [ -f "$base.json" ] && { [ "${SKIP_EXISTING:-0}" = 1 ] || [ "${TABLE_ONLY:-0}" = 1 ]; }; then
        reuse=1
      fi
      if [ "$reuse" = 0 ]; then
        start=$(date +%s.%N)
        # shellcheck disable=SC2086
        "$EVOLQ" search --model "$MODEL" --calib "$CALIB" --val "$VAL" --seed "$seed" $bitopts $opts \
          --out "$base.json" --log "$base.csv" $EXTRA > "$base.txt" 2>&1 ||
          { echo "failed: $base (see $base.txt)" >&2; tail -3 "$base.txt" >&2; exit 1; }
        end=$(date +%s.%N)
        python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$start" "$end" > "$base.wall"
      fi
      [ -n "$default_bits" ] || default_bits=$(bits_of "$base.json")
      files+=("$base.json")
    done
  done
done

SKIPPED="${skipped[*]:-}" python3 - "${files[@]}" <<'PY'
import json, os, statistics, sys
label = {"random": "random search", "similarity": "similarity (Liu et al.)",
         "similarity+mp": "similarity + mixed precision", "reconstruct": "reconstruction (MGRQ)",
         "evolq": "Evol-Q", "evolq+genome": "Evol-Q, extended genome"}
sd = lambda xs: statistics.stdev(xs) if len(xs) > 1 else 0.0
rows, base, fp = {}, {}, {}
order = []
for path in sys.argv[1:]:
    d = json.load(open(path))
    name = os.path.basename(path)[:-5]
    prec_kind, rest = name.split("-", 1)
    row = rest.rsplit("-s", 1)[0]
    q, v, s = d["quant_config"], d.get("validation", {}), d["search"]
    prec = f"W{q['weight_bits']}A{q['act_bits']}"
    if prec not in order: order.append(prec)
    wall = float(open(path[:-5] + ".wall").read()) if os.path.exists(path[:-5] + ".wall") else float("nan")
    rows.setdefault((prec, row), []).append((v.get("evolq_top1", float("nan")), s["seconds"], wall,
                                             s.get("evaluations", 0)))
    base.setdefault(prec, v.get("baseline_top1", float("nan")))
    fp.setdefault(prec, v.get("fp32_top1", float("nan")))
print("| precision | strategy | runs | top-1 mean ± sd | min..max | evaluations | search s | total s |")
print("|---|---|---|---|---|---|---|---|")
for prec in order:
    print(f"| {prec} | FP32 | - | {fp[prec]:.2f} | - | - | - | - |")
    print(f"| {prec} | baseline (FQ-ViT) | - | {base[prec]:.2f} | - | - | - | - |")
    for (p, row), r in rows.items():
        if p != prec: continue
        if row == "reconstruct" and prec in os.environ.get("SKIPPED", "").split():
            print(f"| {prec} | similarity + mixed precision | - | as similarity: at a 2-bit budget "
                  f"every layer keeps the lowest choice, 2 bits | - | - | - | - |")
        top = [x[0] for x in r]
        print(f"| {prec} | {label.get(row, row)} | {len(r)} | {statistics.mean(top):.2f} ± {sd(top):.2f} | "
              f"{min(top):.2f}..{max(top):.2f} | {r[0][3]} | {statistics.mean(x[1] for x in r):.0f} | "
              f"{statistics.mean(x[2] for x in r):.0f} |")
PY
