#!/usr/bin/env bash
# Translation at a 10-minute budget (issue "Machine translation"): three encoder-decoder sizes
# trained on translate-en-es for 10 minutes each on 2 threads, one at a time (wall-clock budgets
# need a quiet machine), seed 0, the default recipe (rate by width, 5% warm-up, label smoothing
# 0.1, 64 tokens per side); each then scored on a fixed random 500 of the 1,778 test pairs,
# greedy, with the copy-the-source baseline.
# Usage: bash scripts/experiments/translate-10m.sh OUT_DIR   (finished runs are skipped, interrupted ones resumed)
set -euo pipefail
out="${1:?usage: translate-10m.sh OUT_DIR}"
cli="$(cd "$(dirname "$0")/../.." && pwd)/bin/tltc.js"
mkdir -p "$out"
for m in E1-D1-H64 E2-D2-H128 E3-D3-H192; do
  dir="$out/$m-s0"
  if [ ! -f "$dir/summary.json" ]; then
    resume=()
    [ -f "$dir/run.json" ] && resume=(--resume)
    node "$cli" train --task translate-en-es --model "$m" --budget 10m --threads 2 --seed 0 --out "$dir" "${resume[@]}" --quiet --json > "$dir.log" 2>&1 || { echo "failed: $m (see $dir.log)"; exit 1; }
  fi
  [ -f "$dir/eval.json" ] || node "$cli" eval --checkpoint "$dir" --examples 500 --threads 2 --out "$dir/eval.json" > /dev/null
  echo "done: $m"
done
