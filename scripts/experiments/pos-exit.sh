#!/usr/bin/env bash
# Part-of-speech tagging with token-level early exit (issue "Faster inference", item 2): one
# pretrained checkpoint fine-tuned on Brown POS (12 universal tags), seeds 0-2, STEPS steps of 16
# (step budgets, so the machine's load does not change the outcome), with a head after every
# layer trained by self-sampling (--early-exit; finetune.json holds the token-exit curve) and
# without (the control). Every word of 1,000 test sentences is scored.
# Usage: bash scripts/experiments/pos-exit.sh CHECKPOINT OUT_DIR [STEPS]
# (finished runs are skipped; tltc report --markdown OUT_DIR)
set -euo pipefail
usage="usage: pos-exit.sh CHECKPOINT OUT_DIR [STEPS]"
checkpoint="${1:?$usage}"
out="${2:?$usage}"
steps="${3:-1000}"
cli="$(cd "$(dirname "$0")" && pwd)/../../bin/tltc.js"
for seed in 0 1 2; do
  for arm in exits plain; do
    run="$out/$arm-s$seed"
    [ -f "$run/finetune.json" ] && continue
    rm -rf "$run"
    flags=()
    [ "$arm" = exits ] && flags=(--early-exit)
    node "$cli" finetune --checkpoint "$checkpoint" --task pos --budget "${steps}steps" --seed "$seed" --eval-examples 1000 --threads 2 --quiet --out "$run" "${flags[@]}" > /dev/null
  done
done
echo "done: tltc report --markdown $out"
