#!/usr/bin/env bash
# Equal steps (issue "When does training large pay"): L2-H128, L4-H256 and L6-H384 trained for the
# same 400 steps (batch 32 x 128 tokens: 1.64M tokens each) under the default recipe, seeds 0, 1
# and 2, seed by seed, so the first seed of every size finishes first. Step budgets make the
# result independent of machine load: two runs go side by side on one thread each.
# Usage: bash scripts/experiments/equal-steps.sh OUT_DIR   (finished runs are skipped, interrupted ones resumed)
set -euo pipefail
out="${1:?usage: equal-steps.sh OUT_DIR}"
# shellcheck source=run_one.sh
source "$(dirname "$0")/run_one.sh"
# Checkpoints are kept: the compression-at-matched-quality experiment fine-tunes from them.
export KEEP_CHECKPOINTS='steps400-*'

# The longest run first in each seed, so the two lanes stay busy.
for seed in 0 1 2; do
  for m in L6-H384 L4-H256 L2-H128; do echo "steps400-$m-s$seed $m 400 $seed - - - -"; done
done | xargs -P 2 -L 1 bash -c 'run_one "$@"' _
