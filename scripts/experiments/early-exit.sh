#!/usr/bin/env bash
# Sentence-level early exit (issue "Faster inference", item 1): one pretrained checkpoint
# fine-tuned on spam and sentiment, seeds 0-2, STEPS steps (step budgets, so the machine's load
# does not change the outcome), with a head after every layer (--early-exit) and without (the
# control: what joint training costs the last exit); each early-exit model exported (fp32) and
# its accuracy drawn against layers run and measured time over entropy thresholds.
#   train:   bash scripts/experiments/early-exit.sh train CHECKPOINT OUT_DIR [STEPS]
#   measure: bash scripts/experiments/early-exit.sh measure OUT_DIR   (times: run it on a quiet machine)
# Finished runs are skipped; tltc report --markdown OUT_DIR/<task> gives the tables.
set -euo pipefail
usage="usage: early-exit.sh train CHECKPOINT OUT_DIR [STEPS] | measure OUT_DIR"
stage="${1:?$usage}"
cli="$(cd "$(dirname "$0")" && pwd)/../../bin/tltc.js"
tasks="spam sentiment"
thresholds="0,0.02,0.05,0.1,0.15,0.2,0.3,0.4,0.5,0.6,0.693"
case "$stage" in
  train)
    checkpoint="${2:?$usage}"
    out="${3:?$usage}"
    steps="${4:-300}"
    for seed in 0 1 2; do
      for task in $tasks; do
        for arm in exits plain; do
          run="$out/$task/$arm-s$seed"
          if [ ! -f "$run/finetune.json" ]; then
            rm -rf "$run"
            flags=()
            [ "$arm" = exits ] && flags=(--early-exit)
            node "$cli" finetune --checkpoint "$checkpoint" --task "$task" --budget "${steps}steps" --seed "$seed" --threads 2 --quiet --out "$run" "${flags[@]}" > /dev/null
          fi
          if [ "$arm" = exits ] && [ ! -f "$run/export/export.json" ]; then
            rm -rf "$run/export"
            node "$cli" export --checkpoint "$run" --out "$run/export" --format transformersjs --quant fp32 > /dev/null
          fi
        done
      done
    done
    echo "trained: now, on a quiet machine, bash scripts/experiments/early-exit.sh measure $out"
    ;;
  measure)
    out="${2:?$usage}"
    for task in $tasks; do
      for run in "$out/$task"/exits-s*; do
        [ -f "$run/eval-exits.json" ] && continue
        node "$cli" eval --onnx "$run/export/onnx/model.onnx" --task "$task" --exit-entropy "$thresholds" --batch 8 --threads 2 --out "$run/eval-exits.json" > /dev/null
      done
    done
    echo "measured: tltc report --markdown $out/spam; tltc report --markdown $out/sentiment"
    ;;
  *) echo "$usage" >&2; exit 1 ;;
esac
