#!/usr/bin/env bash
# The pooling comparison of docs/RESULTS.md: each current-recipe checkpoint of the ablation
# (scripts/experiments/ablation.sh) of L2-H128 and L4-H256 fine-tuned on genre with the first-token head and with the
# mean-pooling head, the same 200 steps of batch 16 at the default fine-tuning rate, scored on
# the whole val and test splits. One thread, so it can share the machine with the ablation.
# Usage: bash scripts/experiments/pooling.sh ABLATION_DIR OUT_DIR   (finished runs are skipped)
set -euo pipefail
ablation="${1:?usage: pooling.sh ABLATION_DIR OUT_DIR}"
out="${2:?usage: pooling.sh ABLATION_DIR OUT_DIR}"
cli="$(cd "$(dirname "$0")/../.." && pwd)/bin/tltc.js"
mkdir -p "$out"
for run in {L2-H128,L4-H256}-s{0,1,2}; do
  [ -f "$ablation/recipe-$run/summary.json" ] || { echo "not trained yet: recipe-$run"; continue; }
  for pooling in first mean; do
    dir="$out/$run-$pooling"
    [ -f "$dir/finetune.json" ] && continue
    rm -rf "$dir"
    node "$cli" finetune --checkpoint "$ablation/recipe-$run" --task genre --out "$dir" --budget 200steps --pooling "$pooling" --threads 1 --quiet > /dev/null
    rm -rf "$dir/checkpoints" "$dir"/*.safetensors
    echo "done: $run $pooling"
  done
done
