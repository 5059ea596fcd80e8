#!/usr/bin/env bash
# Copies the files a result is computed from (run.json, summary.json, metrics.jsonl, ticket.json,
# eval*.json and onnx-eval-*.json of finished training runs, finetune.json and compress.json of
# fine-tuning and compression runs, distill.json of sentence-encoder distillations, sweep.json of sweeps, configs/*.json) from a folder of runs into
# docs/results/, keeping the folder structure and leaving checkpoints, ONNX files, logs and
# unfinished runs behind.
# Usage: bash scripts/experiments/keep-raw.sh RUNS_DIR DOCS_DIR
set -euo pipefail
src="${1:?usage: keep-raw.sh RUNS_DIR DOCS_DIR}"
dst="${2:?usage: keep-raw.sh RUNS_DIR DOCS_DIR}"
mkdir -p "$dst"
dst=$(cd "$dst" && pwd)
cd "$src"
copy() { mkdir -p "$dst/$(dirname "$1")" && cp "$1" "$dst/$1"; }
find . -path '*/checkpoints' -prune -o -type f \( -name summary.json -o -name finetune.json -o -name compress.json -o -name distill.json \) -print |
  while read -r f; do
    dir=$(dirname "$f")
    for keep in run.json summary.json metrics.jsonl ticket.json finetune.json compress.json distill.json "$dir"/eval*.json "$dir"/onnx-eval-*.json; do
      keep="${keep#"$dir/"}"
      if [ -f "$dir/$keep" ]; then copy "$dir/$keep"; fi
    done
  done
find . -path './configs/*.json' -type f | while read -r f; do copy "$f"; done
find . -path '*/checkpoints' -prune -o -type f -name sweep.json -print | while read -r f; do copy "$f"; done
