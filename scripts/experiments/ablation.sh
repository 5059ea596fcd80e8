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
# shellcheck source=run_one.sh
source "$(dirname "$0")/run_one.sh"

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
