#!/usr/bin/env bash
# The downstream check of a methods-pretrain.sh batch: each method's seed-0 pretrained run (its
# newest checkpoint) fine-tuned on TASK (default spam) the same way, STEPS steps of 16 at 1e-4
# (default 300), seed 0, 2 threads, one run at a time (step budgets: the machine's load changes
# the seconds, not the outcome). One folder per method: OUT_DIR/downstream/<method>-s0.
# Usage: [TASK=spam] bash scripts/experiments/methods-downstream.sh OUT_DIR [STEPS]
# (finished fine-tunes are skipped; tltc report --markdown OUT_DIR/downstream)
set -euo pipefail
out="${1:?usage: methods-downstream.sh OUT_DIR [STEPS]}"
steps="${2:-300}"
cli="$(cd "$(dirname "$0")" && pwd)/../../bin/tltc.js"
mkdir -p "$out/downstream"
for pretrained in "$out"/*/runs/*-s0; do
  method="$(basename "$(dirname "$(dirname "$pretrained")")")"
  run="$out/downstream/$method-s0"
  [ -f "$run/finetune.json" ] && continue
  rm -rf "$run"
  node "$cli" finetune --checkpoint "$pretrained" --task "${TASK:-spam}" --budget "${steps}steps" --batch-size 16 --lr 1e-4 --seed 0 --threads 2 --quiet --out "$run" > /dev/null
  echo "done: $run"
done
echo "done: tltc report --markdown $out/downstream"
