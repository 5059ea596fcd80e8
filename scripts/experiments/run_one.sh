#!/usr/bin/env bash
# Shared by the step-budgeted experiment scripts (sourced, not run): trains one run into
# "$out/$id" from a config written to "$out/configs/$id.json", skipping a finished run and
# resuming an interrupted one. The caller sets $out; sourcing also makes it and run_one
# visible to the child shells that xargs starts.
# One run: RUN_ID MODEL STEPS SEED WARMUP LR DROPOUT BIAS HEAD_SCALE ('-' leaves a field at its default).
run_one() {
  local id=$1 model=$2 steps=$3 seed=$4 warmup=$5 lr=$6 dropout=$7 bias=$8 head=${9:--}
  local dir="$out/$id"
  [ -f "$dir/summary.json" ] && return 0
  mkdir -p "$out/configs"
  node -e '
    const [model, steps, seed, warmup, lr, dropout, bias, head] = process.argv.slice(1);
    const [, layers, width] = /^L(\d+)-H(\d+)$/.exec(model);
    const cfg = { model: dropout === "-" ? model : { n_layers: +layers, d_model: +width, dropout: +dropout },
      budget: `${steps}steps`, seed: +seed, threads: 1, optimizer: {}, init: {} };
    if (warmup !== "-") cfg.optimizer[/%$/.test(warmup) ? "warmup" : "warmup_steps"] = /%$/.test(warmup) ? warmup : +warmup;
    if (lr !== "-") cfg.optimizer.lr = +lr;
    if (bias !== "-") cfg.init.output_bias = bias;
    if (head !== "-") cfg.init.head_norm_scale = +head;
    console.log(JSON.stringify(cfg, null, 2));
  ' "$model" "$steps" "$seed" "$warmup" "$lr" "$dropout" "$bias" "$head" > "$out/configs/$id.json"
  local resume=()
  [ -f "$dir/run.json" ] && resume=(--resume)
  node "$cli" train --config "$out/configs/$id.json" --out "$dir" "${resume[@]}" --quiet --json > "$dir.log" 2>&1 || { echo "failed: $id (see $dir.log)"; return 1; }
  case "$id" in ${KEEP_CHECKPOINTS:-recipe-*}) ;; *) rm -rf "$dir/checkpoints" ;; esac
  echo "done: $id"
}

cli="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/bin/tltc.js"
mkdir -p "$out"
export -f run_one
export out cli
