#!/usr/bin/env bash
# Compares the fitness figures of two builds of evolq on this machine, run in turn (A B A B ...)
# so that a drift of the machine's speed touches both alike. Prints, per build, the median, min and
# max of: fitness from block 0 (s), its share of the sgemm rate of the same run (%), and the sgemm
# rate itself.
#   scripts/bench-ab.sh BUILD_A/evolq BUILD_B/evolq [ROUNDS] [-- extra bench options]
set -euo pipefail
a=${1:?evolq binary A}
b=${2:?evolq binary B}
rounds=${3:-5}
shift $(( $# >= 3 ? 3 : $# ))
[ "${1:-}" = "--" ] && shift
extra=("$@")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq 1 "$rounds"); do
    for side in A B; do
        bin=$a
        [ "$side" = B ] && bin=$b
        "$bin" bench --quick --deit-images 0 --repeat 5 "${extra[@]}" >"$tmp/out" 2>&1
        t=$(sed -n 's/^fitness from block 0  *\([0-9.]*\) s.*/\1/p' "$tmp/out")
        p=$(sed -n 's/^fitness from block 0: .* = \([0-9.]*\) % of sgemm.*/\1/p' "$tmp/out")
        g=$(sed -n 's/^sgemm 1024^3  *\([0-9.]*\) GFLOP.*/\1/p' "$tmp/out")
        echo "$t $p $g" >>"$tmp/$side"
        echo "round $r $side: fitness from block 0 $t s, $p % of sgemm ($g GFLOP/s)" >&2
    done
done
for side in A B; do
    python3 - "$tmp/$side" "$side" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
cols = list(zip(*rows))
def f(c, d): return f"{statistics.median(c):.{d}f} (min {min(c):.{d}f}, max {max(c):.{d}f})"
print(f"{sys.argv[2]}: fitness from block 0 {f(cols[0], 3)} s; {f(cols[1], 1)} % of sgemm; "
      f"sgemm {f(cols[2], 1)} GFLOP/s; {len(rows)} runs")
PY
done
