#!/usr/bin/env bash
# Step 3 of the pre-registered crossover (docs/RESULTS.md, "A pre-registered crossover:
# protocol"): both sizes of the predicted pair, seeds 0 and 1, each trained for MINUTES of
# wall-clock (1.5 times the predicted crossover, at most 90) with the crossover sweep's recipe
# (scripts/experiments/crossover-sweep.json's base), one run at a time on 2 threads, on a quiet
# machine. tltc sweep skips finished runs and resumes interrupted ones, so the script can be run
# again after an interruption (on the same machine: the budgets are wall-clock).
# Usage: bash scripts/experiments/crossover-long.sh SMALL LARGE MINUTES OUT_DIR
set -euo pipefail
small="${1:?usage: crossover-long.sh SMALL LARGE MINUTES OUT_DIR}"
large="${2:?usage: crossover-long.sh SMALL LARGE MINUTES OUT_DIR}"
minutes="${3:?usage: crossover-long.sh SMALL LARGE MINUTES OUT_DIR}"
out="${4:?usage: crossover-long.sh SMALL LARGE MINUTES OUT_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
[ "$minutes" -le 90 ] || { echo "crossover-long.sh: MINUTES is at most 90 (the protocol's cap), got $minutes" >&2; exit 1; }
mkdir -p "$out"
node -e '
  const fs = require("node:fs");
  const [base, small, large, minutes, file] = process.argv.slice(1);
  const sweep = JSON.parse(fs.readFileSync(base, "utf8"));
  // Evaluations every 3 minutes or so, as in the 10-minute sweep (20 per 10 minutes at most 60 s apart).
  const config = { ...sweep, models: [small, large], seeds: [0, 1], budget: `${minutes}m`, base: { ...sweep.base, eval: { ...sweep.base.eval, evaluations: Math.max(20, Math.ceil(+minutes)) } } };
  fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n");
' "$here/crossover-sweep.json" "$small" "$large" "$minutes" "$out/long.json"
node "$here/../../bin/tltc.js" sweep --config "$out/long.json" --out "$out"
echo "done: tltc report --markdown $out/runs; compare with the prediction in docs/RESULTS.md"
