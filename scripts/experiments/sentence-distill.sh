#!/usr/bin/env bash
# A real pretrained teacher (issue "Knowledge transfer and cheap adaptation", item 3): the
# Universal Sentence Encoder Lite, imported by tltc import, teaches pretrained tltc encoders of
# different sizes its sentence embeddings (cosine distance on SENTENCES corpus sentences, STEPS
# steps of 32, 2 threads); each student's fidelity on sentences of held-out documents, its fp32
# and int8 files, and a linear probe on spam for teacher, student and the undistilled student.
# A student is NAME=PRETRAINED_CHECKPOINT (a transformer, its weights and tokenizer), or
# NAME=cmow-M<m>-C<c>@PRETRAINED_CHECKPOINT (a CMOW/CBOW hybrid trained from scratch on that
# checkpoint's tokenizer).
# Usage: bash scripts/experiments/sentence-distill.sh OUT_DIR STEPS NAME=STUDENT...
# (SENTENCES defaults to 20000; finished students are skipped; tltc report --markdown OUT_DIR/students)
set -euo pipefail
out="${1:?usage: sentence-distill.sh OUT_DIR STEPS NAME=PRETRAINED_CHECKPOINT...}"
steps="${2:?usage: sentence-distill.sh OUT_DIR STEPS NAME=PRETRAINED_CHECKPOINT...}"
shift 2
cli="$(cd "$(dirname "$0")/../.." && pwd)/bin/tltc.js"
mkdir -p "$out/students"
[ -f "$out/use/config.json" ] || node "$cli" import --out "$out/use" --quant fp32 --threads 2
for pair in "$@"; do
  name="${pair%%=*}"
  spec="${pair#*=}"
  dir="$out/students/$name"
  [ -f "$dir/distill.json" ] && continue
  student=(--student "$spec")
  case "$spec" in cmow*@*) student=(--student "${spec%%@*}" --tokenizer "${spec#*@}") ;; esac
  node "$cli" distill --teacher "$out/use" "${student[@]}" --budget "${steps}steps" --sentences "${SENTENCES:-20000}" --threads 2 --quiet --json --out "$dir" $([ -d "$dir/resume" ] && echo --resume) > "$dir.log" 2>&1 || { echo "failed: $name (see $dir.log)"; exit 1; }
  rm -rf "$dir/checkpoints" "$dir/onnx"
  echo "done: $name"
done
echo "done: tltc report --markdown $out/students"
