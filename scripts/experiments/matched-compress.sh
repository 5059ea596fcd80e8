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
# ARMS (for example "fp32-recover q2 p95") runs only those arms, in that order, for every seed:
# a grid that may not finish in one sitting can do the most telling arms first.
# Usage: [ARMS="..."] bash scripts/experiments/matched-compress.sh OUT_DIR STEPS NAME=CHECKPOINT...
# Finished runs are skipped; tltc report --markdown OUT_DIR/compressed.
set -euo pipefail
usage="usage: matched-compress.sh OUT_DIR STEPS NAME=CHECKPOINT..."
out="${1:?$usage}"
steps="${2:?$usage}"
shift 2
[ $# -ge 1 ] || { echo "$usage" >&2; exit 1; }
cli="$(cd "$(dirname "$0")/../.." && pwd)/bin/tltc.js"

# shellcheck source=compress-arm.sh
source "$(dirname "$0")/compress-arm.sh"
all_arms="fp32-recover int8 q6 q4 q3 q2 p50 p70 p90 p95 q4-p50"
arm_flags() { # ARM: the tltc compress flags of one arm
  case "$1" in
    fp32-recover) echo "--quant fp32 --recover" ;;
    int8) echo "--quant int8 --qat" ;;
    q[0-9]) echo "--quant ${1#q} --qat" ;;
    p[0-9][0-9]) echo "--quant fp32 --prune 0.${1#p}" ;;
    q4-p50) echo "--quant 4 --prune 0.5 --qat" ;;
    *) echo "matched-compress.sh: unknown arm $1 in ARMS (arms: $all_arms)" >&2; return 1 ;;
  esac
}
arms="${ARMS:-$all_arms}"
for arm in $arms; do arm_flags "$arm" > /dev/null || exit 1; done
mkdir -p "$out/finetuned" "$out/compressed"

for seed in 0 1 2; do
  for pair in "$@"; do
    size="${pair%%=*}"
    pre="${pair#*=}"
    ft="$out/finetuned/$size-s$seed"
    [ -f "$ft/finetune.json" ] || node "$cli" finetune --checkpoint "$pre" --task spam --budget "${steps}steps" --batch-size 16 --lr 1e-4 --seed "$seed" --threads 2 --quiet --out "$ft" > /dev/null
    for arm in $arms; do
      # shellcheck disable=SC2046 # the flags are words
      compress_arm "$out/compressed/$size-$arm-s$seed" "$ft" "$seed" "$steps" $(arm_flags "$arm")
    done
  done
done
echo "done: tltc report --markdown $out/compressed"
