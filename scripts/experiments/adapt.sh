#!/usr/bin/env bash
# (IA)^3 and prompt tuning against full fine-tuning (issue "Knowledge transfer and cheap
# adaptation"): one pretrained checkpoint fine-tuned on spam and sentiment by each method, seeds
# 0-2, STEPS steps each (step budgets, so the machine's load does not change the outcome), 2
# threads; each method at its own default peak rate (full 1e-4, (IA)^3 3e-3, prompt 1e-2 with 20
# vectors). METHODS (default "full ia3") chooses the arms.
# Usage: [METHODS="full ia3 prompt"] bash scripts/experiments/adapt.sh CHECKPOINT OUT_DIR [STEPS]
# (finished runs are skipped; tltc report --markdown OUT_DIR/<task>)
set -euo pipefail
checkpoint="${1:?usage: adapt.sh CHECKPOINT OUT_DIR [STEPS]}"
out="${2:?usage: adapt.sh CHECKPOINT OUT_DIR [STEPS]}"
steps="${3:-300}"
cli="$(cd "$(dirname "$0")" && pwd)/../../bin/tltc.js"
for seed in 0 1 2; do
  for task in spam sentiment; do
    for method in ${METHODS:-full ia3}; do
      run="$out/$task/$method-s$seed"
      [ -f "$run/finetune.json" ] && continue
      rm -rf "$run"
      flags=()
      [ "$method" = full ] || flags=(--method "$method")
      node "$cli" finetune --checkpoint "$checkpoint" --task "$task" --budget "${steps}steps" --seed "$seed" --threads 2 --quiet --out "$run" "${flags[@]}"
    done
  done
done
echo "done: tltc report --markdown $out/spam; tltc report --markdown $out/sentiment"
