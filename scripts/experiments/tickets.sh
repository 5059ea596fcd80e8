#!/usr/bin/env bash
# Lottery tickets on a downstream task (issue "Efficient pretraining methods", item 2): a
# pretrained checkpoint fine-tuned on spam, then at 50%, 70% and 90% sparsity of the encoder's
# linear weights, three ways, each with seeds 0-2 of the compression run (data order, and the
# random mask):
#   imp      iterative magnitude pruning, 20% of the survivors per round, each round rewound to
#            the pretrained weights and trained for STEPS steps (4, 6 and 11 rounds);
#   oneshot  the fine-tuned weights pruned by magnitude at once, then trained for STEPS steps;
#   random   a random mask of the same sparsity, rewound to the pretrained weights, STEPS steps;
# and the dense control: the fine-tuned model trained STEPS more steps with nothing pruned.
# Every model is scored in fp32 through its ONNX export on the whole test split.
# Usage: bash scripts/experiments/tickets.sh PRETRAINED_CHECKPOINT OUT_DIR [STEPS]
# Finished runs (compress.json present) are skipped; an interrupted one is started again.
set -euo pipefail
pre="${1:?usage: tickets.sh PRETRAINED_CHECKPOINT OUT_DIR [STEPS]}"
out="${2:?usage: tickets.sh PRETRAINED_CHECKPOINT OUT_DIR [STEPS]}"
steps="${3:-300}"
cli="$(cd "$(dirname "$0")/../.." && pwd)/bin/tltc.js"
mkdir -p "$out"
ft="$out/finetuned"
[ -f "$ft/finetune.json" ] || node "$cli" finetune --checkpoint "$pre" --task spam --budget "${steps}steps" --threads 2 --quiet --out "$ft" > "$out/finetuned.log" 2>&1

one() {
  local name=$1
  shift
  local dir="$out/$name"
  [ -f "$dir/compress.json" ] && return 0
  rm -rf "$dir"
  node "$cli" compress --checkpoint "$ft" --task spam --quant fp32 --budget "${steps}steps" --threads 2 --quiet --out "$dir" "$@" > "$dir.log" 2>&1 || { echo "failed: $name (see $dir.log)"; exit 1; }
  rm -rf "$dir/checkpoints" "$dir/onnx" "$dir/reference"
  echo "done: $name"
}

for seed in 0 1 2; do
  one "dense-s$seed" --recover --seed "$seed"
  for s in 0.5 0.7 0.9; do
    one "oneshot-$s-s$seed" --prune "$s" --schedule oneshot --seed "$seed"
    one "random-$s-s$seed" --method random --prune "$s" --seed "$seed"
    one "imp-$s-s$seed" --method imp --prune "$s" --prune-per-round 0.2 --seed "$seed"
  done
done
echo "done: tltc report --markdown $out"
