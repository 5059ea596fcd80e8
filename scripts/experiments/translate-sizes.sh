#!/usr/bin/env bash
# Deeper and wider against a base at equal budget (issue "Machine translation", the question of
# the paper's MT figures): E2-D2-H128 (base), E4-D4-H128 (deeper), E2-D2-H256 (wider).
# 1. A learning-rate grid: each size at half, one and two times the width rule's rate, seed 0,
#    5 minutes each; the pick is the rate with the lowest final validation perplexity (pick-lr.mjs).
# 2. The comparison: each size at its picked rate, seeds 0-2, 10 minutes each (tltc sweep with
#    learning_rates), every run scored greedily on a fixed 500 test pairs.
# Wall-clock budgets: one run at a time, 2 threads, on a quiet machine.
# Usage: bash scripts/experiments/translate-sizes.sh OUT_DIR   (finished runs are skipped, interrupted ones resumed)
set -euo pipefail
out="${1:?usage: translate-sizes.sh OUT_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
cli="$here/../../bin/tltc.js"
models=(E2-D2-H128 E4-D4-H128 E2-D2-H256)
mkdir -p "$out/lr-grid"
for model in "${models[@]}"; do
  rule=$(node -e "console.log(1e-3 * 128 / ${model##*-H})")
  for factor in 0.5 1 2; do
    dir="$out/lr-grid/$model-x$factor"
    [ -f "$dir/summary.json" ] && continue
    resume=()
    [ -f "$dir/run.json" ] && resume=(--resume)
    node "$cli" train --task translate-en-es --model "$model" --budget 5m --threads 2 --seed 0 --lr "$(node -e "console.log($rule * $factor)")" --out "$dir" "${resume[@]}" --quiet --json > "$dir.log" 2>&1 || { echo "failed: $dir (see $dir.log)"; exit 1; }
    rm -rf "$dir/checkpoints"
  done
done
rates=$(node "$here/pick-lr.mjs" "$out/lr-grid")
echo "picked rates: $rates"
node -e '
  const [models, rates] = [process.argv[1].split(" "), JSON.parse(process.argv[2])];
  const sweep = { models, seeds: [0, 1, 2], budget: "10m", learning_rates: rates, base: { task: "translate-en-es", data: { seq_len: 64 }, threads: 2, keep_checkpoints: 1 } };
  require("node:fs").writeFileSync(process.argv[3], JSON.stringify(sweep, null, 2) + "\n");
' "${models[*]}" "$rates" "$out/sizes.json"
node "$cli" sweep --config "$out/sizes.json" --out "$out/sizes"
for dir in "$out"/sizes/runs/*/; do
  dir="${dir%/}"
  [ -f "$dir/eval.json" ] || node "$cli" eval --checkpoint "$dir" --examples 500 --threads 2 --out "$dir/eval.json" > /dev/null
done
echo "done: tltc report --markdown $out/sizes/runs; tltc plan --dir $out/sizes --report $out/sizes/report.html"
