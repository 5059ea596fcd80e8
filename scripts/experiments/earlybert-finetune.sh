#!/usr/bin/env bash
# EarlyBERT for fine-tuning (issue "Efficient pretraining methods", item 1, "for fine-tuning as
# well"): one pretrained checkpoint fine-tuned on TASK (default spam) by four arms, seeds 0-2,
# STEPS steps of 16 each (step budgets, so the machine's load does not change the outcome, only
# the seconds), 2 threads, one run at a time:
#   dense    the whole classifier, the control;
#   keep     the early-bird search, then the ticket from the weights where the search ended;
#   rewind   the same search, then the ticket from the pretrained encoder and the head's start;
#   random   a ticket of the early-bird ticket's per-layer sizes drawn at random, kept weights.
# HEADS (default 0.5) is the share of each layer's heads a ticket removes, FFN (default 0.4) the
# share of FFN neurons across layers.
# Usage: [TASK=spam] [HEADS=0.5] [FFN=0.4] bash scripts/experiments/earlybert-finetune.sh CHECKPOINT OUT_DIR [STEPS]
# (finished runs are skipped; tltc report --markdown OUT_DIR)
set -euo pipefail
checkpoint="${1:?usage: earlybert-finetune.sh CHECKPOINT OUT_DIR [STEPS]}"
out="${2:?usage: earlybert-finetune.sh CHECKPOINT OUT_DIR [STEPS]}"
steps="${3:-300}"
cli="$(cd "$(dirname "$0")" && pwd)/../../bin/tltc.js"
ticket=(--earlybert-heads "${HEADS:-0.5}" --earlybert-ffn "${FFN:-0.4}")
for seed in 0 1 2; do
  for arm in dense keep rewind random; do
    run="$out/$arm-s$seed"
    [ -f "$run/finetune.json" ] && continue
    rm -rf "$run"
    case "$arm" in
      dense) flags=() ;;
      keep) flags=(--method earlybert "${ticket[@]}") ;;
      rewind) flags=(--method earlybert --earlybert-weights rewind "${ticket[@]}") ;;
      random) flags=(--method earlybert --earlybert-ticket random "${ticket[@]}") ;;
    esac
    node "$cli" finetune --checkpoint "$checkpoint" --task "${TASK:-spam}" --budget "${steps}steps" --batch-size 16 --lr 1e-4 --seed "$seed" --threads 2 --quiet --out "$run" "${flags[@]}" > /dev/null
  done
done
echo "done: tltc report --markdown $out"
