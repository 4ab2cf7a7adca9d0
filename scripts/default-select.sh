#!/usr/bin/env bash
# Chooses the bundled default's search settings without looking at the validation (test) folder.
# Candidates are scored on a tuning split: TUNE_PER_CLASS training images per class (seeded, none of
# them in the calibration folder), as the mean top-1 gain over the baseline of seeds 0 1 2. Only the
# chosen candidate is then measured on the full validation folder.
# Usage: scripts/default-select.sh            (writes results/default-select.md)
# Environment: WBITS (default 2), ABITS (8), CANDIDATES (evolq search options per candidate,
# separated by ';'), SEEDS ("0 1 2"), TUNE_PER_CLASS (300), PASSES (10), SKIP_EXISTING=1.
set -euo pipefail
cd "$(dirname "$0")/.."
EVOLQ=build/bin/evolq
DATA=data/fashion-mnist
WBITS=${WBITS:-2}
ABITS=${ABITS:-8}
SEEDS=${SEEDS:-0 1 2}
PASSES=${PASSES:-10}
PER_CLASS=${TUNE_PER_CLASS:-300}
CANDIDATES=${CANDIDATES:---mutation 1e-3;--mutation 3e-3;--mutation 1e-2;--mutation 3e-2;--relative-mutation --mutation 0.1}
TUNE=$DATA/tune
OUT=results/default-select
mkdir -p "$OUT"

# The tuning split: symlinks to training images that are not calibration images.
if [ ! -d "$TUNE" ]; then
  for cls in "$DATA"/train/*/; do
    c=$(basename "$cls")
    mkdir -p "$TUNE/$c"
    comm -23 <(ls "$DATA/train/$c" | sort) <(ls "$DATA/calib/$c" | sort) |
      shuf -n "$PER_CLASS" --random-source=<(yes 20261202) |
      while read -r f; do ln -s "$(realpath "$DATA/train/$c/$f")" "$TUNE/$c/$f"; done
  done
fi

tag() { echo "$1" | tr -d ' -' | tr '.' 'p'; }
IFS=';' read -ra CANDS <<< "$CANDIDATES"
for cand in "${CANDS[@]}"; do
  t=$(tag "$cand")
  for seed in $SEEDS; do
    f=$OUT/w${WBITS}a${ABITS}-$t-s$seed
    if [ "${SKIP_EXISTING:-0}" = 1 ] && [ -f "$f.json" ]; then continue; fi
    # shellcheck disable=SC2086
    "$EVOLQ" search --wbits "$WBITS" --abits "$ABITS" --passes "$PASSES" --seed "$seed" \
      --val "$TUNE" --val-subset 0 $cand --out "$f.json" > "$f.txt" 2>&1
  done
done

python3 - "$OUT" "$WBITS" "$ABITS" "$SEEDS" "$CANDIDATES" > "$OUT/tuning.md" <<'PY'
import json, statistics, sys
out, w, a, seeds, cands = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5].split(";")
tag = lambda c: c.replace(" ", "").replace("-", "").replace(".", "p")
print("| candidate | tuning baseline | gains per seed (tuning split) | mean ± sd | search s |")
print("|---|---|---|---|---|")
best = None
for c in cands:
    ds = [json.load(open(f"{out}/w{w}a{a}-{tag(c)}-s{s}.json")) for s in seeds]
    base = ds[0]["validation"]["baseline_top1"]
    gains = [d["validation"]["evolq_top1"] - d["validation"]["baseline_top1"] for d in ds]
    m, sd = statistics.mean(gains), statistics.stdev(gains) if len(gains) > 1 else 0.0
    secs = [d["search"]["seconds"] for d in ds]
    print(f"| `{c}` | {base:.2f} | {', '.join(f'{g:+.2f}' for g in gains)} | {m:+.2f} ± {sd:.2f} | "
          f"{min(secs):.0f}-{max(secs):.0f} |")
    if best is None or m > best[1]:
        best = (c, m)
print(f"\nChosen on the tuning split: `{best[0]}`")
open(f"{out}/chosen.txt", "w").write(best[0] + "\n")
PY
cat "$OUT/tuning.md"
