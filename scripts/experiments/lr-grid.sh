#!/usr/bin/env bash
# The learning-rate grid of docs/RESULTS.md: each size at half, one and two times the width
# rule's rate (the middle run takes the default, so its run.json records the rule), for the steps
# it trains in 5 minutes on the 2-core test machine, default recipe otherwise. Step budgets make
# the result independent of machine load. Keeps metrics.jsonl, run.json and summary.json.
# Usage: bash scripts/experiments/lr-grid.sh OUT_DIR   (finished runs are skipped, interrupted ones resumed)
set -euo pipefail
out="${1:?usage: lr-grid.sh OUT_DIR}"
tltc() { node "$(dirname "$0")/../../bin/tltc.js" "$@"; }
for spec in L2-H128:1100 L4-H256:210 L6-H384:70; do
  model="${spec%%:*}" steps="${spec##*:}"
  width="${model##*-H}"
  rule=$(node -e "console.log(1e-3 * 128 / $width)")
  for factor in 0.5 1 2; do
    dir="$out/$model-x$factor"
    [ -f "$dir/summary.json" ] && continue
    lr=()
    [ "$factor" != 1 ] && lr=(--lr "$(node -e "console.log($rule * $factor)")")
    resume=()
    [ -f "$dir/run.json" ] && resume=(--resume)
    tltc train --model "$model" --budget "${steps}steps" --out "$dir" "${lr[@]}" "${resume[@]}" --quiet --json
    rm -rf "$dir/checkpoints"
  done
done
