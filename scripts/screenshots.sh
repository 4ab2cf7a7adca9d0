#!/usr/bin/env bash
# Screenshots of the workbench for docs/screenshots/: the window during a real (short) Evol-Q search
# with the live landscape (and that plot alone), when it ends, and a 2-D loss landscape, made by the app itself (QWidget::grab) under Xvfb, or the
# offscreen platform when xvfb-run is missing. The app quantizes, searches, sweeps, saves and quits.
#
# Usage: scripts/screenshots.sh [MODEL_DIR [CALIB_DIR VAL_DIR]]
# Environment: OUT (default docs/screenshots), PASSES (1), CYCLES (3), CALIB_SIZE (1000),
#              VAL_SUBSET (1000), POINTS (21, per axis of the 2-D landscape), EVOLQ_THREADS,
#              LIVE (the live landscape during the search: 1d:21; off), LIVE_SHARE (1), LIVE_AXES
#              (random), EVOLQ_PROBE=FILE (GUI-thread timer gaps during the search, as JSON).
set -euo pipefail
cd "$(dirname "$0")/.."
APP=${EVOLQ_WORKBENCH:-build/bin/evolq-workbench}
OUT=${OUT:-docs/screenshots}
MODEL=${1:-resources/models/vit-tiny-fmnist}
CALIB=${2:-data/fashion-mnist/calib}
VAL=${3:-data/fashion-mnist/val}
[ -x "$APP" ] || { echo "$APP is missing: cmake --build build --target evolq-workbench" >&2; exit 1; }
[ -d "$MODEL" ] || { echo "$MODEL: no model folder" >&2; exit 1; }
mkdir -p "$OUT"

# A settings file of its own: the user's saved layout and settings stay out of the pictures.
settings=$(mktemp --suffix=.ini)
trap 'rm -f "$settings"' EXIT
args=("$MODEL" --calib "$CALIB" --val "$VAL" --settings "$settings" --screenshot-dir "$OUT"
      --passes "${PASSES:-1}" --cycles "${CYCLES:-3}" --calib-size "${CALIB_SIZE:-1000}"
      --val-subset "${VAL_SUBSET:-1000}" --landscape-points "${POINTS:-21}"
      --live-landscape "${LIVE:-1d:21}" --live-share "${LIVE_SHARE:-1}" --live-axes "${LIVE_AXES:-random}")
if command -v xvfb-run > /dev/null; then
  xvfb-run -a -s "-screen 0 1920x1200x24" env QT_QPA_PLATFORM=xcb "$APP" "${args[@]}"
else
  QT_QPA_PLATFORM=offscreen "$APP" "${args[@]}"
fi
ls -l "$OUT"/*.png
