#!/usr/bin/env bash
# Evol-Q beyond its default settings on the bundled model: a harder starting point (W2A8, W3A4), a larger
# mutation range r, MSE instead of infoNCE, and r relative to each scale (--relative-mutation). Runs each search once (scripts/search-table.sh with
# SKIP_EXISTING=1, so finished runs are reused), then prints one Markdown row per setting with the mean
# and spread over its seeds. Top-1 is on the full validation folder, measured after each search only.
# Usage: scripts/search-explore.sh [PASSES]
set -euo pipefail
cd "$(dirname "$0")/.."
PASSES=${1:-10}
run() { SKIP_EXISTING=1 VAL_SUBSET=0 "$@" scripts/search-table.sh "$PASSES" > /dev/null; }
run env WBITS=3 SEEDS="0 1 2"
run env WBITS=3 SEEDS=0 EXTRA="--mutation 1e-2" TAG=-r1e-2
run env WBITS=2 SEEDS="0 1 2"
run env WBITS=2 SEEDS=0 EXTRA="--loss mse" TAG=-mse
run env WBITS=2 SEEDS="0 1 2" EXTRA="--mutation 1e-2" TAG=-r1e-2
run env WBITS=2 SEEDS=0 EXTRA="--mutation 3e-2" TAG=-r3e-2
run env WBITS=3 ABITS=4 SEEDS=0
run env WBITS="2 3 4" SEEDS=0 EXTRA="--relative-mutation --mutation 0.1" TAG=-rel0.1
python3 - <<'PY'
import glob, json, statistics
runs = [
    ("W3A8", "1e-3 (default)", "infoNCE", "results/search-w3a8-s[012].json"),
    ("W3A8", "1e-2", "infoNCE", "results/search-w3a8-s[012]-r1e-2.json"),
    ("W2A8", "1e-3 (default)", "infoNCE", "results/search-w2a8-s[012].json"),
    ("W2A8", "1e-3 (default)", "MSE", "results/search-w2a8-s[012]-mse.json"),
    ("W2A8", "1e-2", "infoNCE", "results/search-w2a8-s[012]-r1e-2.json"),
    ("W2A8", "3e-2", "infoNCE", "results/search-w2a8-s[012]-r3e-2.json"),
    ("W3A4", "1e-3 (default)", "infoNCE", "results/search-w3a4-s[012].json"),
    ("W2A8", "0.1 of each scale", "infoNCE", "results/search-w2a8-s[012]-rel0.1.json"),
    ("W3A8", "0.1 of each scale", "infoNCE", "results/search-w3a8-s[012]-rel0.1.json"),
    ("W4A8", "0.1 of each scale", "infoNCE", "results/search-w4a8-s[012]-rel0.1.json"),
]
print("| precision | r | loss | seeds | FP32 | baseline | Evol-Q mean (per seed) | gain mean ± sd | gap closed |")
print("|---|---|---|---|---|---|---|---|---|")
for prec, r, loss, pattern in runs:
    ds = [json.load(open(f)) for f in sorted(glob.glob(pattern))]
    if not ds:
        continue
    fp, base = ds[0]["validation"]["fp32_top1"], ds[0]["validation"]["baseline_top1"]
    ev = [d["validation"]["evolq_top1"] for d in ds]
    gains = [e - base for e in ev]
    sd = statistics.stdev(gains) if len(gains) > 1 else 0.0
    seeds = ",".join(str(d["search"]["settings"]["seed"]) for d in ds)
    print(f"| {prec} | {r} | {loss} | {seeds} | {fp:.2f} | {base:.2f} | {statistics.mean(ev):.2f} "
          f"({', '.join(f'{e:.2f}' for e in ev)}) | {statistics.mean(gains):+.2f} ± {sd:.2f} | "
          f"{100 * statistics.mean(gains) / (fp - base):+.0f} % |")
PY
