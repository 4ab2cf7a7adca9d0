#!/usr/bin/env bash
# Responsiveness of the workbench during a search: the app quantizes and runs a search with the
# default settings (or PASSES / CYCLES), while a 5 ms QTimer on the GUI thread records every gap
# between its firings; prints p50 / p99 / max of the gaps and writes them as JSON. Runs under Xvfb
# (offscreen when xvfb-run is missing). Goal: p99 <= 16 ms.
#
# Usage: scripts/probe.sh [MODEL_DIR [CALIB_DIR VAL_DIR]]
# Environment: OUT (default docs/probe.json), PASSES, CYCLES, CALIB_SIZE, VAL_SUBSET, EVOLQ_THREADS,
# LIVE (the live landscape: off, 1d:N or 2d:N) and LIVE_SHARE.
set -euo pipefail
cd "$(dirname "$0")/.."
APP=${EVOLQ_WORKBENCH:-build/bin/evolq-workbench}
OUT=${OUT:-docs/probe.json}
MODEL=${1:-resources/models/vit-tiny-fmnist}
CALIB=${2:-data/fashion-mnist/calib}
VAL=${3:-data/fashion-mnist/val}
[ -x "$APP" ] || { echo "$APP is missing: cmake --build build --target evolq-workbench" >&2; exit 1; }
[ -d "$MODEL" ] || { echo "$MODEL: no model folder" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"

settings=$(mktemp --suffix=.ini)
trap 'rm -f "$settings"' EXIT
args=("$MODEL" --calib "$CALIB" --val "$VAL" --settings "$settings" --run-search --probe "$OUT")
[ -n "${PASSES:-}" ] && args+=(--passes "$PASSES")
[ -n "${CYCLES:-}" ] && args+=(--cycles "$CYCLES")
[ -n "${CALIB_SIZE:-}" ] && args+=(--calib-size "$CALIB_SIZE")
[ -n "${VAL_SUBSET:-}" ] && args+=(--val-subset "$VAL_SUBSET")
[ -n "${LIVE:-}" ] && args+=(--live-landscape "$LIVE")
[ -n "${LIVE_SHARE:-}" ] && args+=(--live-share "$LIVE_SHARE")
if command -v xvfb-run > /dev/null; then
  xvfb-run -a -s "-screen 0 1920x1200x24" env QT_QPA_PLATFORM=xcb "$APP" "${args[@]}"
else
  QT_QPA_PLATFORM=offscreen "$APP" "${args[@]}"
fi
python3 - "$OUT" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"GUI-thread gaps of a {r['interval_ms']} ms timer over {r['seconds']:.0f} s of search "
      f"({r['samples']} samples): p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms, "
      f"{r['over_16ms']} gaps over 16 ms")
PY
