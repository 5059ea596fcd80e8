#!/usr/bin/env bash
# N:M sparsity with low-bit values and binary-coding quantization against unstructured pruning
# and uniform quantization at the same bytes (issue "Faster inference", items 3 and 4): one
# pretrained checkpoint fine-tuned on spam with seeds 0-2 (STEPS steps, as adapt.sh's full
# fine-tuning), then each fine-tuned model compressed over one grid, every file scored on the
# whole test split through onnxruntime:
#   trained (STEPS steps of recovery training, the run's seed; QAT wherever values are quantized):
#     fp32-recover (the control: the same training with nothing compressed), int8, q4, q3, q2
#     (uniform, blocks of 32), p50-q4 and p75-q4 (unstructured magnitude pruning, gradual, with
#     4-bit weights), nm2of4 (fp32 values), nm2of4-int8, nm2of4-q4, nm2of4-q3, nm4of8-q4, nm1of4-q4;
#   post-training (no training): bcq1..bcq4 (binary planes, groups of 128 inputs) beside uniform
#     q2-g128, q3-g128, q4-g128 (the same groups, asymmetric), all with embeddings coded too.
# Usage: bash scripts/experiments/sparse-lowbit.sh PRETRAINED_CHECKPOINT OUT_DIR [STEPS]
# Finished runs (compress.json present) are skipped; tltc report --markdown OUT_DIR/compressed.
set -euo pipefail
pre="${1:?usage: sparse-lowbit.sh PRETRAINED_CHECKPOINT OUT_DIR [STEPS]}"
out="${2:?usage: sparse-lowbit.sh PRETRAINED_CHECKPOINT OUT_DIR [STEPS]}"
steps="${3:-300}"
cli="$(cd "$(dirname "$0")/../.." && pwd)/bin/tltc.js"
mkdir -p "$out/compressed"

# shellcheck source=compress-arm.sh
source "$(dirname "$0")/compress-arm.sh"
one() { # NAME SEED FLAGS...
  local name=$1 seed=$2
  shift 2
  compress_arm "$out/compressed/$name-s$seed" "$out/finetuned-s$seed" "$seed" "$steps" "$@"
}

for seed in 0 1 2; do
  ft="$out/finetuned-s$seed"
  [ -f "$ft/finetune.json" ] || node "$cli" finetune --checkpoint "$pre" --task spam --budget "${steps}steps" --seed "$seed" --threads 2 --quiet --out "$ft"
  for q in 1 2 3 4; do one "bcq$q" "$seed" --quant "bcq$q"; done
  for b in 2 3 4; do one "q$b-g128" "$seed" --quant "$b:g128"; done
  one fp32-recover "$seed" --quant fp32 --recover
  one int8 "$seed" --quant int8 --qat
  for b in 4 3 2; do one "q$b" "$seed" --quant "$b" --qat; done
  for p in 50 75; do one "p$p-q4" "$seed" --quant 4 --prune "0.$p" --qat; done
  one nm2of4 "$seed" --quant nm2:4
  one nm2of4-int8 "$seed" --quant nm2:4:int8 --qat
  for v in q4 q3; do one "nm2of4-$v" "$seed" --quant "nm2:4:$v" --qat; done
  one nm4of8-q4 "$seed" --quant nm4:8:q4 --qat
  one nm1of4-q4 "$seed" --quant nm1:4:q4 --qat
done
echo "done: tltc report --markdown $out/compressed"
