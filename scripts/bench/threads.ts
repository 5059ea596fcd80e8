/**
 * Thread settings, measured: `tsx scripts/bench/threads.ts [SPEC] [seconds] [rounds]` times the training
 * step of SPEC (default mlm-base) with 1 and 2 intra-op threads, idle threads spinning or
 * sleeping, interleaving the settings over `rounds` so the host's load drifts across all of them.
 * Prints JSON lines, then a table of each setting's range over the rounds.
 */
import { readBenchSpec } from '../../src/bench/spec.ts';
import { runBench } from '../../src/bench/train_bench.ts';

const spec = readBenchSpec(process.argv[2] ?? '../shared/bench/mlm-base.json');
const seconds = Number(process.argv[3] ?? 10);
const rounds = Number(process.argv[4] ?? 2);
const settings = [1, 2].flatMap((threads) => [false, true].map((spinning) => ({ threads, spinning })));
const runs = new Map<string, { tokens: number[]; cpu: number[]; mfu: number[] }>();
for (let round = 0; round < rounds; round++) {
  for (const s of settings) {
    const r = await runBench(spec, { seconds, ...s });
    const key = `${s.threads} thread${s.threads > 1 ? 's' : ''}, ${s.spinning ? 'spinning' : 'sleeping'}`;
    const entry = runs.get(key) ?? { tokens: [], cpu: [], mfu: [] };
    entry.tokens.push(r.tokens_per_s);
    entry.cpu.push(r.cpu_ms_per_step);
    entry.mfu.push(r.mfu);
    runs.set(key, entry);
    process.stdout.write(`${JSON.stringify({ spec: spec.name, round, ...s, tokens_per_s: r.tokens_per_s, cpu_ms_per_step: r.cpu_ms_per_step, mfu: r.mfu })}\n`);
  }
}
const range = (xs: number[], digits = 0, scale = 1) => `${(Math.min(...xs) * scale).toFixed(digits)}-${(Math.max(...xs) * scale).toFixed(digits)}`;
process.stdout.write(`\n${spec.name}, ${rounds} rounds of ${seconds} s (lowest-highest)\nsetting                  tokens/s      CPU ms/step   MFU %\n`);
for (const [key, e] of runs) {
  process.stdout.write(`${key.padEnd(24)} ${range(e.tokens).padEnd(13)} ${range(e.cpu).padEnd(13)} ${range(e.mfu, 1, 100)}\n`);
}
