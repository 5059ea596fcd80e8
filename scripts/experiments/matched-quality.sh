#!/usr/bin/env bash
# Compression at matched quality (issue "When does training large pay", experiment 3; the paper's
# claim b): L2-H128 and L4-H256, seed 0, each pretrained until its validation perplexity first
# reaches TARGET (eval.stop_at_ppl; the 60-minute budget is only an upper bound, so each stops
# partway through its own schedule), then fine-tuned on spam for the same steps and compressed
# over one grid (fp32, int8, 6-, 4-, 3- and 2-bit; 50, 70, 90 and 95% gradual pruning in fp32, and
# 4-bit at 50%), every
# file scored on the whole test split; `tltc plan` then compares the sizes at equal bytes.
# The upper bound is BUDGET (default 60m of wall-clock: one run at a time, 2 threads, on a quiet
# machine); a token budget (BUDGET=1e8tokens) lets the runs share the machine and resume anywhere,
# since they stop at TARGET, not at the bound.
# Usage: [BUDGET=1e8tokens] bash scripts/experiments/matched-quality.sh TARGET_PPL OUT_DIR
set -euo pipefail
target="${1:?usage: matched-quality.sh TARGET_PPL OUT_DIR}"
out="${2:?usage: matched-quality.sh TARGET_PPL OUT_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
cli="$here/../../bin/tltc.js"
mkdir -p "$out"
node -e '
  const fs = require("node:fs");
  const [base, target, file, budget] = process.argv.slice(1);
  const sweep = JSON.parse(fs.readFileSync(base, "utf8"));
  const config = { models: ["L2-H128", "L4-H256"], seeds: [0], budget, base: { ...sweep.base, eval: { evaluations: 60, sequences: 128, stop_at_ppl: +target } } };
  fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n");
' "$here/crossover-sweep.json" "$target" "$out/matched.json" "${BUDGET:-60m}"
node "$cli" sweep --config "$out/matched.json" --out "$out/pretrain"
node "$cli" downstream --sweep "$out/pretrain" --task spam --finetune-budget 300steps --grid fp32,int8,6,4,3,2,fp32+p50,fp32+p70,fp32+p90,fp32+p95,4+p50 --prune-budget 150steps --threads 2 --out "$out/downstream"
node "$cli" plan --dir "$out/downstream" --json > "$out/plan.json"
echo "done: $out/plan.json (equal_bytes), tltc report --markdown $out/pretrain/runs"
