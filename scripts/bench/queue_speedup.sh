#!/usr/bin/env bash
# The speed-up docs/DISTRIBUTED.md reports: one 4-run grid trained through the job queue by one
# worker at 2 threads, then (a fresh folder) by two workers at 1 thread each, on this machine;
# wall seconds from the first worker's start to the last run's end. Needs redis-server; run it
# on a quiet machine. Writes OUT/speedup.json (with the machine, its CPU flags included).
# Each timing is read from two clocks, the wall clock and the kernel's uptime; when they disagree
# by more than a second (the wall clock was stepped, or the machine paused) the script stops and
# writes nothing rather than a wrong figure.
# Usage: bash scripts/bench/queue_speedup.sh OUT_DIR [STEPS]
set -euo pipefail
out="${1:?usage: queue_speedup.sh OUT_DIR [STEPS]}"
steps="${2:-200}"
cli="$(cd "$(dirname "$0")" && pwd)/../../bin/tltc.js"
mkdir -p "$out"
out=$(cd "$out" && pwd)
port=$(node -e 'const s=require("net").createServer().listen(0,()=>{console.log(s.address().port);s.close()})')
redis-server --port "$port" --bind 127.0.0.1 --dir "$out" --save '' --appendonly no > /dev/null &
redis=$!
trap 'kill $redis 2> /dev/null' EXIT
until redis-cli -p "$port" ping > /dev/null 2>&1; do sleep 0.2; done
url="redis://127.0.0.1:$port"
cat > "$out/grid.json" << JSON
{ "models": ["L2-H64", "L2-H128"], "seeds": [0, 1], "budget": "${steps}steps",
  "base": { "data": { "corpus": "default", "vocab_size": 8192, "seq_len": 128 }, "batch_size": 16, "eval": { "evaluations": 2, "sequences": 32 }, "keep_checkpoints": 1, "threads": 2 } }
JSON
# Prepare the data once (tokenizer and token cache), so neither timing pays for it.
node -e 'const fs=require("fs");const g=JSON.parse(fs.readFileSync(process.argv[1]));fs.writeFileSync(process.argv[2],JSON.stringify({...g,models:["L2-H64"],seeds:[0],budget:"1steps"}))' "$out/grid.json" "$out/warm.json"
node "$cli" sweep --config "$out/warm.json" --out "$out/warm" --quiet > /dev/null
timed() { # NAME WORKERS THREADS
  local dir="$out/$1"
  rm -rf "$dir"
  node "$cli" sweep --config "$out/grid.json" --out "$dir" --queue "$url" > /dev/null
  local t0 u0 pids=()
  t0=$(date +%s.%N)
  u0=$(cut -d' ' -f1 /proc/uptime)
  for _ in $(seq "$2"); do node "$cli" worker --queue "$url" --threads "$3" --quiet > /dev/null & pids+=($!); done
  # The runs' summary.json files, not tltc sweep --status: polling must not take CPU from the workers.
  until [ "$(find "$dir/runs" -name summary.json 2> /dev/null | wc -l)" -ge 4 ]; do sleep 0.5; done
  local t1 u1
  t1=$(date +%s.%N)
  u1=$(cut -d' ' -f1 /proc/uptime)
  kill "${pids[@]}" 2> /dev/null || true
  wait "${pids[@]}" 2> /dev/null || true
  local wall up
  wall=$(echo "$t1 - $t0" | bc)
  up=$(echo "$u1 - $u0" | bc)
  if [ "$(echo "d = $wall - $up; d > 1 || d < -1" | bc)" = 1 ]; then
    echo "queue_speedup.sh: $1 took $wall s by the wall clock but $up s by the uptime clock (the clock moved); run it again" >&2
    exit 1
  fi
  echo "$1 $wall"
}
one=$(timed one-worker-2-threads 1 2 | cut -d' ' -f2)
two=$(timed two-workers-1-thread 2 1 | cut -d' ' -f2)
node --import tsx -e "
  import { machineInfo } from '$(cd "$(dirname "$0")" && pwd)/../../src/util/machine.ts';
  import { writeFileSync } from 'node:fs';
  const r = { grid: '4 runs: L2-H64 and L2-H128, seeds 0 and 1, ${steps} steps of 16 x 128', one_worker_2_threads_s: $one, two_workers_1_thread_s: $two, speedup: $one / $two, machine: machineInfo(2) };
  writeFileSync('$out/speedup.json', JSON.stringify(r, null, 2) + '\n');
  console.log(JSON.stringify(r));
"
