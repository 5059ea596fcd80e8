#!/usr/bin/env bash
# Step 3 of the pre-registered crossover (docs/RESULTS.md, "A pre-registered crossover:
# protocol"): both sizes of the predicted pair, seeds 0 and 1, each trained for MINUTES of
# wall-clock (1.5 times the predicted crossover, at most 90) with the crossover sweep's recipe
# (scripts/experiments/crossover-sweep.json's base), one run at a time on 2 threads; seed 0 of
# both sizes first, so the first pair is complete before the second starts.
# Without PLAN_JSON the budgets are wall-clock (a quiet machine, and resuming on the same machine
# only). With PLAN_JSON (the `tltc plan --json` output the prediction came from) each size gets
# the tokens it would see in MINUTES at the tokens/s that plan used, which is the prediction's
# own conversion: the runs may then share the machine, be interrupted and resume anywhere.
# tltc sweep skips finished runs and resumes interrupted ones, so the script can be run again.
# KEEP_AT_PPL (for example 150,100) keeps each run's checkpoint at the first evaluation at or below
# each perplexity (eval.keep_at_ppl), for compression at matched quality; it changes no training.
# Usage: [KEEP_AT_PPL=150,100] bash scripts/experiments/crossover-long.sh SMALL LARGE MINUTES OUT_DIR [PLAN_JSON]
set -euo pipefail
usage="usage: crossover-long.sh SMALL LARGE MINUTES OUT_DIR [PLAN_JSON]"
small="${1:?$usage}"
large="${2:?$usage}"
minutes="${3:?$usage}"
out="${4:?$usage}"
plan="${5:-}"
here="$(cd "$(dirname "$0")" && pwd)"
[ "$minutes" -le 90 ] || { echo "crossover-long.sh: MINUTES is at most 90 (the protocol's cap), got $minutes" >&2; exit 1; }
[ -z "${ONLY:-}" ] || [ "$ONLY" = "$small" ] || [ "$ONLY" = "$large" ] || { echo "crossover-long.sh: ONLY is $small or $large, got $ONLY" >&2; exit 1; }
[ -z "$plan" ] || [ -f "$plan" ] || { echo "crossover-long.sh: no plan file $plan: give the tltc plan --json output the prediction came from" >&2; exit 1; }
mkdir -p "$out"
write_config() { # SEEDS FILE
  node -e '
    const fs = require("node:fs");
    const [base, small, large, minutes, plan, seeds, file, keep, only] = process.argv.slice(1);
    const sweep = JSON.parse(fs.readFileSync(base, "utf8"));
    const models = only ? [only] : [small, large];
    const config = { ...sweep, models, seeds: JSON.parse(seeds), budget: `${minutes}m` };
    if (plan) {
      const sizes = JSON.parse(fs.readFileSync(plan, "utf8")).sizes;
      const rate = (m) => {
        const s = sizes.find((x) => x.model === m);
        if (!s) throw new Error(`crossover-long.sh: ${plan} has no tokens/s for ${m}`);
        return s.tokens_per_s;
      };
      config.budgets = Object.fromEntries(models.map((m) => [m, `${Math.round(rate(m) * minutes * 60)}tokens`]));
    }
    // One evaluation per minute of the run (the 10-minute sweep had 20), at least 20.
    const keepAtPpl = keep ? { keep_at_ppl: keep.split(",").map(Number) } : {};
    config.base = { ...sweep.base, eval: { ...sweep.base.eval, evaluations: Math.max(20, Math.ceil(+minutes)), ...keepAtPpl } };
    fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n");
  ' "$here/crossover-sweep.json" "$small" "$large" "$minutes" "$plan" "$1" "$2" "${KEEP_AT_PPL:-}" "${ONLY:-}"
}
if [ -n "${SEEDS:-}${ONLY:-}" ]; then
  write_config "[${SEEDS:-0, 1}]" "$out/long-part.json"
  node "$here/../../bin/tltc.js" sweep --config "$out/long-part.json" --out "$out"
else
  write_config '[0]' "$out/long-seed0.json"
  write_config '[0, 1]' "$out/long.json"
  node "$here/../../bin/tltc.js" sweep --config "$out/long-seed0.json" --out "$out"
  node "$here/../../bin/tltc.js" sweep --config "$out/long.json" --out "$out"
fi
echo "done: tltc report --markdown $out/runs; compare with the prediction in docs/RESULTS.md"
