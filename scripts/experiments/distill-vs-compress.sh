#!/usr/bin/env bash
# Does distilling the large model beat compressing it, at equal bytes? (issue "Knowledge transfer
# and cheap adaptation"). The teacher (a pretrained checkpoint) and the students it taught (the
# distillation pilot's: STUDENTS/<method>/runs/<run>-s<seed>/, with STUDENTS/dense the students
# trained from scratch) are fine-tuned on spam the same way (STEPS steps, seed = the run's seed,
# 2 threads); then every fine-tuned model trains STEPS more steps as its compression asks: the
# teacher at fp32 (the control), int8, 4-, 3- and 2-bit and N:M 2:4 with 4-bit values (QAT), each
# student at fp32 (the control) and int8 (QAT); 2-plane binary codes of the teacher are fitted
# after training (post-training, no QAT exists for them). Every file is scored on the whole test split. All compress.json files go to
# OUT/compressed/<arm>-s<seed>, so tltc report --markdown OUT/compressed sets every arm beside
# the smallest that beats it.
# Usage: bash scripts/experiments/distill-vs-compress.sh TEACHER STUDENTS OUT_DIR [STEPS]
set -euo pipefail
teacher="${1:?usage: distill-vs-compress.sh TEACHER STUDENTS OUT_DIR [STEPS]}"
students="${2:?usage: distill-vs-compress.sh TEACHER STUDENTS OUT_DIR [STEPS]}"
out="${3:?usage: distill-vs-compress.sh TEACHER STUDENTS OUT_DIR [STEPS]}"
steps="${4:-300}"
cli="$(cd "$(dirname "$0")/../.." && pwd)/bin/tltc.js"
mkdir -p "$out/finetuned" "$out/compressed"

finetune() { # NAME CHECKPOINT SEED
  local dir="$out/finetuned/$1"
  [ -f "$dir/finetune.json" ] && return 0
  node "$cli" finetune --checkpoint "$2" --task spam --budget "${steps}steps" --seed "$3" --threads 2 --quiet --out "$dir" $([ -d "$dir/resume" ] && echo --resume) > "$dir.log" 2>&1 || { echo "failed: finetune $1 (see $dir.log)"; exit 1; }
}

compress() { # ARM SEED FINETUNED FLAGS...
  local dir="$out/compressed/$1-s$2" from="$out/finetuned/$3"
  shift 3
  [ -f "$dir/compress.json" ] && return 0
  rm -rf "$dir"
  node "$cli" compress --checkpoint "$from" --task spam --budget "${steps}steps" --threads 2 --quiet --out "$dir" "$@" > "$dir.log" 2>&1 || { echo "failed: compress $dir (see $dir.log)"; exit 1; }
  rm -rf "$dir/checkpoints" "$dir/reference" "$dir/onnx"
  echo "done: $dir"
}

for seed in 0 1 2; do
  finetune "teacher-s$seed" "$teacher" "$seed"
  compress teacher-fp32 "$seed" "teacher-s$seed" --quant fp32 --recover --seed "$seed"
  compress teacher-int8 "$seed" "teacher-s$seed" --quant int8 --qat --seed "$seed"
  for b in 4 3 2; do compress "teacher-q$b" "$seed" "teacher-s$seed" --quant "$b" --qat --seed "$seed"; done
  compress teacher-nm2of4-q4 "$seed" "teacher-s$seed" --quant nm2:4:q4 --qat --seed "$seed"
  compress teacher-bcq2 "$seed" "teacher-s$seed" --quant bcq2
  for method in "$students"/*/; do
    method="$(basename "$method")"
    for run in "$students/$method"/runs/*-s"$seed"; do
      [ -d "$run" ] || continue
      finetune "$method-s$seed" "$run" "$seed"
      compress "student-$method-fp32" "$seed" "$method-s$seed" --quant fp32 --recover --seed "$seed"
      compress "student-$method-int8" "$seed" "$method-s$seed" --quant int8 --qat --seed "$seed"
    done
  done
done
echo "done: tltc report --markdown $out/compressed"
