# Sourced by the compression experiments (sparse-lowbit.sh, matched-compress.sh): one arm of a
# grid. compress_arm DIR CHECKPOINT SEED STEPS FLAGS... runs `tltc compress` on the fine-tuned
# CHECKPOINT for spam with STEPS steps of training into DIR (its log beside it as DIR.log),
# unless DIR already holds compress.json, and keeps only what the tables read (no checkpoints,
# no fp32 reference copy). Needs $cli, the path of bin/tltc.js.
compress_arm() {
  local dir=$1 checkpoint=$2 seed=$3 steps=$4
  shift 4
  [ -f "$dir/compress.json" ] && return 0
  rm -rf "$dir"
  node "$cli" compress --checkpoint "$checkpoint" --task spam --budget "${steps}steps" --seed "$seed" --threads 2 --quiet --out "$dir" "$@" > "$dir.log" 2>&1 || { echo "failed: $(basename "$dir") (see $dir.log)"; exit 1; }
  rm -rf "$dir/checkpoints" "$dir/reference"
  echo "done: $(basename "$dir")"
}
