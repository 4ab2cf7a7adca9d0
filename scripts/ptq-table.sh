#!/usr/bin/env bash
# Baseline (FQ-ViT) post-training quantization table for a model on a labelled validation folder:
# FP32, then W8A8 / W4A8 / W3A8 / W4A4 with minmax and OMSE activation observers, PTF on and off.
# Prints a Markdown table. Usage: scripts/ptq-table.sh [MODEL_DIR] [VAL_DIR] [CALIB_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
EVOLQ=build/bin/evolq
MODEL=${1:-resources/models/vit-tiny-fmnist}
VAL=${2:-data/fashion-mnist/val}
CALIB=${3:-data/fashion-mnist/calib}
top1() { "$EVOLQ" eval --model "$MODEL" --data "$VAL" --json "$@" 2>/dev/null | sed -n 's/.*"top1": \([0-9.]*\).*/\1/p'; }
calib_s() { "$EVOLQ" eval --model "$MODEL" --data "$VAL" --json "$@" 2>/dev/null | sed -n 's/.*"calibration_seconds": \([0-9.]*\).*/\1/p'; }
printf '| precision | observer | PTF | top-1 %% | calibration s |\n|---|---|---|---|---|\n'
printf '| FP32 | - | - | %.2f | - |\n' "$(top1)"
for bits in "8 8" "4 8" "3 8" "4 4"; do
  set -- $bits
  for obs in minmax omse; do
    for ptf in on off; do
      extra=()
      [ "$ptf" = off ] && extra=(--no-ptf)
      out=$("$EVOLQ" eval --model "$MODEL" --data "$VAL" --calib "$CALIB" --json --wbits "$1" --abits "$2" --observer "$obs" "${extra[@]}" 2>/dev/null)
      t=$(echo "$out" | sed -n 's/.*"top1": \([0-9.]*\).*/\1/p')
      c=$(echo "$out" | sed -n 's/.*"calibration_seconds": \([0-9.]*\).*/\1/p')
      printf '| W%sA%s | %s | %s | %.2f | %.2f |\n' "$1" "$2" "$obs" "$ptf" "$t" "$c"
    done
  done
done
