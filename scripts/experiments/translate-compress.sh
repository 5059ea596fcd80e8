#!/usr/bin/env bash
# Compression and decoding of finished translation runs (issue "Machine translation"): each run is
# exported for transformers.js (fp32, int8 and 4-bit weights) and every format scored on the same
# fixed 500 test pairs with its change from fp32 (paired bootstrap) and milliseconds per sentence;
# then beam search (4) against greedy decoding on a fixed 500 validation pairs. One command at a
# time on 2 threads (latency is measured). Results land in each run folder as onnx-eval-*.json and
# eval-validation-beam4.json; `tltc report --markdown RUNS_DIR` tabulates them.
# Usage: bash scripts/experiments/translate-compress.sh RUNS_DIR   (files already written are kept)
set -euo pipefail
runs="${1:?usage: translate-compress.sh RUNS_DIR}"
cli="$(cd "$(dirname "$0")/../.." && pwd)/bin/tltc.js"
for dir in "$runs"/*/; do
  dir="${dir%/}"
  [ -f "$dir/summary.json" ] || continue
  export_dir="$dir/export"
  [ -f "$export_dir/onnx/decoder_model_merged_q4.onnx" ] || node "$cli" export --checkpoint "$dir" --out "$export_dir" --quant fp32,int8,int4 > /dev/null
  for pair in fp32: int8:_quantized q4:_q4; do
    name="${pair%%:*}"
    suffix="${pair#*:}"
    out="$dir/onnx-eval-$name.json"
    [ -f "$out" ] || node "$cli" eval --onnx "$export_dir/onnx/encoder_model$suffix.onnx" --examples 500 --threads 2 --out "$out" > /dev/null
  done
  beam="$dir/eval-validation-beam4.json"
  [ -f "$beam" ] || node "$cli" eval --checkpoint "$dir" --split validation --beam 4 --examples 500 --threads 2 --out "$beam" > /dev/null
  echo "done: $dir"
done
