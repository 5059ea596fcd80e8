#!/usr/bin/env bash
# Efficient pretraining methods against the dense recipe at equal wall-clock (issue "Efficient
# pretraining methods"): one size, seeds 0-2, BUDGET each, one run at a time on 2 threads on a
# quiet machine, the crossover sweep's recipe otherwise. Each method is its own sweep folder:
#   dense; static, rigl and gradual at 80% sparsity of the encoder's linear weights;
#   earlybert (weights kept), earlybert-rewind, and earlybert-random (the random ticket);
#   switch: MODEL with 8 Switch experts per FFN (MODEL-E8: the same active FLOPs per token);
#   distill: MODEL distilled from the teacher in $TEACHER (soft targets, alpha 0.5, T 2);
#   distill-all: the same with hidden-state and attention matching (weights 1 and 1);
#   layerwise: Go Wide, Then Narrow from $TEACHER (imitation for 30% of the budget, then MLM).
# Usage: [TEACHER=RUN_DIR] bash scripts/experiments/methods-pretrain.sh MODEL BUDGET OUT_DIR [METHOD...]
# (finished runs are skipped, interrupted ones resumed; tltc report --markdown OUT_DIR/<method>/runs)
set -euo pipefail
model="${1:?usage: methods-pretrain.sh MODEL BUDGET OUT_DIR [METHOD...]}"
budget="${2:?usage: methods-pretrain.sh MODEL BUDGET OUT_DIR [METHOD...]}"
out="${3:?usage: methods-pretrain.sh MODEL BUDGET OUT_DIR [METHOD...]}"
shift 3
methods=("$@")
[ ${#methods[@]} -gt 0 ] || methods=(dense static rigl gradual earlybert earlybert-rewind earlybert-random)
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
for method in "${methods[@]}"; do
  node -e '
    const fs = require("node:fs");
    const [base, model, budget, method, file, teacher] = process.argv.slice(1);
    if ((method.startsWith("distill") || method === "layerwise") && !teacher) { console.error(`methods-pretrain.sh: method ${method} needs TEACHER=RUN_DIR`); process.exit(1); }
    const sweep = JSON.parse(fs.readFileSync(base, "utf8"));
    const extra = {
      dense: {},
      static: { sparse: { method: "static", sparsity: 0.8 } },
      rigl: { sparse: { method: "rigl", sparsity: 0.8 } },
      gradual: { sparse: { method: "gradual", sparsity: 0.8 } },
      earlybert: { earlybert: {} },
      "earlybert-rewind": { earlybert: { weights: "rewind" } },
      "earlybert-random": { earlybert: { ticket: "random" } },
      switch: {},
      distill: { distill: { teacher } },
      "distill-all": { distill: { teacher, hidden_weight: 1, attention_weight: 1 } },
      layerwise: { distill: { teacher, method: "layerwise" } },
    }[method];
    if (!extra) { console.error(`methods-pretrain.sh: unknown method ${method}`); process.exit(1); }
    const models = [method === "switch" ? `${model}-E8` : model];
    fs.writeFileSync(file, JSON.stringify({ models, seeds: [0, 1, 2], budget, base: { ...sweep.base, ...extra } }, null, 2) + "\n");
  ' "$here/crossover-sweep.json" "$model" "$budget" "$method" "$out/$method.json" "${TEACHER:+$(cd "$TEACHER" && pwd)}"
  node "$here/../../bin/tltc.js" sweep --config "$out/$method.json" --out "$out/$method"
done
echo "done: tltc report --markdown $out"
