#!/usr/bin/env bash
# Compression at matched quality (issue "When does training large pay", experiment 3): pretrained
# checkpoints of different sizes at the same validation perplexity (the long runs' kept/ppl-<T>
# snapshots, eval.keep_at_ppl) are each fine-tuned on spam with seeds 0-2 (STEPS steps of 16 at
# 1e-4), then every fine-tuned model compressed over one grid with STEPS steps of training, every
# file scored on the whole test split through onnxruntime:
#   fp32-recover (the control: the same training, nothing compressed); int8, q6, q4, q3, q2
#   (uniform, blocks of 32, QAT); p50, p70, p90, p95 (gradual magnitude pruning, fp32 values);
#   q4-p50 (4-bit weights and 50% pruning, QAT). Embeddings are compressed with the weights.
# Arms are named SIZE-ARM-sSEED, so one table holds both sizes and its "beaten at no more bytes by"
# column answers the equal-bytes question.
# Usage: bash scripts/experiments/matched-compress.sh OUT_DIR STEPS NAME=CHECKPOINT...
# Finished runs are skipped; tltc report --markdown OUT_DIR/compressed.
set -euo pipefail
usage="usage: matched-compress.sh OUT_DIR STEPS NAME=CHECKPOINT..."
out="${1:?$usage}"
steps="${2:?$usage}"
shift 2
[ $# -ge 1 ] || { echo "$usage" >&2; exit 1; }
cli="$(cd "$(dirname "$0")/../.." && pwd)/bin/tltc.js"
mkdir -p "$out/finetuned" "$out/compressed"

# shellcheck source=compress-arm.sh
source "$(dirname "$0")/compress-arm.sh"
one() { # SIZE ARM SEED FLAGS...
  local size=$1 arm=$2 seed=$3
  shift 3
  compress_arm "$out/compressed/$size-$arm-s$seed" "$out/finetuned/$size-s$seed" "$seed" "$steps" "$@"
}

for seed in 0 1 2; do
  for pair in "$@"; do
    size="${pair%%=*}"
    pre="${pair#*=}"
    ft="$out/finetuned/$size-s$seed"
    [ -f "$ft/finetune.json" ] || node "$cli" finetune --checkpoint "$pre" --task spam --budget "${steps}steps" --batch-size 16 --lr 1e-4 --seed "$seed" --threads 2 --quiet --out "$ft" > /dev/null
    one "$size" fp32-recover "$seed" --quant fp32 --recover
    one "$size" int8 "$seed" --quant int8 --qat
    for b in 6 4 3 2; do one "$size" "q$b" "$seed" --quant "$b" --qat; done
    for p in 50 70 90 95; do one "$size" "p$p" "$seed" --quant fp32 --prune "0.$p"; done
    one "$size" q4-p50 "$seed" --quant 4 --prune 0.5 --qat
  done
done
echo "done: tltc report --markdown $out/compressed"
