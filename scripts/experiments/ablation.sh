#!/usr/bin/env bash
# The recipe ablation of docs/RESULTS.md: three sizes, each for the steps it trains in 5 minutes
# on the 2-core test machine (the lr grid's budgets), under the older recipe (rate 1e-3 for every
# width, warm-up of 50 steps, dropout 0.1, zero output bias), the older recipe with one change
# each, and the current defaults with seeds 0, 1 and 2. Step budgets make every result
# independent of machine load, so two runs go side by side on one thread each.
# Usage: bash scripts/experiments/ablation.sh OUT_DIR   (finished runs are skipped, interrupted ones resumed)
# Checkpoints are kept only for the current recipe's runs; copy metrics.jsonl, run.json and
# summary.json to docs/results/.
set -euo pipefail
out="${1:?usage: ablation.sh OUT_DIR}"
cli="$(cd "$(dirname "$0")/../.." && pwd)/bin/tltc.js"
mkdir -p "$out"

# One run: RUN_ID MODEL STEPS SEED WARMUP LR DROPOUT BIAS HEAD_SCALE ('-' leaves a field at its default).
run_one() {
  local id=$1 model=$2 steps=$3 seed=$4 warmup=$5 lr=$6 dropout=$7 bias=$8 head=${9:--}
  local dir="$out/$id"
  [ -f "$dir/summary.json" ] && return 0
  mkdir -p "$out/configs"
  node -e '
    const [model, steps, seed, warmup, lr, dropout, bias, head] = process.argv.slice(1);
    const [, layers, width] = /^L(\d+)-H(\d+)$/.exec(model);
    const cfg = { model: dropout === "-" ? model : { n_layers: +layers, d_model: +width, dropout: +dropout },
      budget: `${steps}steps`, seed: +seed, threads: 1, optimizer: {}, init: {} };
    if (warmup !== "-") cfg.optimizer[/%$/.test(warmup) ? "warmup" : "warmup_steps"] = /%$/.test(warmup) ? warmup : +warmup;
    if (lr !== "-") cfg.optimizer.lr = +lr;
    if (bias !== "-") cfg.init.output_bias = bias;
    if (head !== "-") cfg.init.head_norm_scale = +head;
    console.log(JSON.stringify(cfg, null, 2));
  ' "$model" "$steps" "$seed" "$warmup" "$lr" "$dropout" "$bias" "$head" > "$out/configs/$id.json"
  local resume=()
  [ -f "$dir/run.json" ] && resume=(--resume)
  node "$cli" train --config "$out/configs/$id.json" --out "$dir" "${resume[@]}" --quiet --json > "$dir.log" 2>&1 || { echo "failed: $id (see $dir.log)"; return 1; }
  case "$id" in recipe-*) ;; *) rm -rf "$dir/checkpoints" ;; esac
  echo "done: $id"
}
export -f run_one
export out cli

plan() {
  for spec in L2-H128:1100 L4-H256:210 L6-H384:70; do
    local m="${spec%%:*}" s="${spec##*:}"
    for seed in 0 1 2; do echo "recipe-$m-s$seed $m $s $seed - - - -"; done
  done
  for spec in L2-H128:1100 L4-H256:210 L6-H384:70; do
    local m="${spec%%:*}" s="${spec##*:}"
    echo "old-$m $m $s 0 50 1e-3 0.1 zeros"
    echo "old+warmup-$m $m $s 0 5% 1e-3 0.1 zeros"
    echo "old+unigram-$m $m $s 0 50 1e-3 0.1 unigram"
    echo "old+dropout0-$m $m $s 0 50 1e-3 0 zeros"
    echo "old+width-lr-$m $m $s 0 50 - 0.1 zeros"
  done
}
plan | xargs -P 2 -L 1 bash -c 'run_one "$@"' _
