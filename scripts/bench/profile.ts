/**
 * Per-op time table of a training step (ORT profiling): `tsx scripts/bench/profile.ts SPEC [steps]`.
 * Profiles the step `tltc bench` times (src/bench/train_bench.ts). Prints the op types by total
 * time, one line each.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readBenchSpec } from '../../src/bench/spec.ts';
import { benchStep, randomBatch } from '../../src/bench/train_bench.ts';
import { initParams } from '../../src/nn/params.ts';
import { ortTensor } from '../../src/runtime/session.ts';
import { buildTrainStep } from '../../src/train/step_graph.ts';
import { StepRunner } from '../../src/train/step_runner.ts';
import { Random } from '../../src/util/random.ts';

const spec = readBenchSpec(process.argv[2] ?? '../shared/bench/mlm-base.json');
const steps = Number(process.argv[3] ?? 5);
const { model, shape, opt, specs } = benchStep(spec);
const dir = mkdtempSync(path.join(os.tmpdir(), 'tltc-profile-'));
const runner = await StepRunner.create(buildTrainStep(model, shape, opt), initParams(specs, model, 0), null, { ratio: model.dropout, seed: 0 }, {
  threads: spec.threads,
  profile: path.join(dir, 'profile'),
});
const batch = randomBatch(shape, model.vocab_size, new Random(11));
const feeds = {
  input_ids: ortTensor('int64', batch.inputIds, [shape.batch, shape.seq]),
  masked_positions: ortTensor('int64', batch.maskedPositions, [shape.masked]),
  labels: ortTensor('int64', batch.labels, [shape.masked]),
};
for (let i = 0; i < steps; i++) await runner.step(feeds, i + 1, 0);
await runner.release(); // writes the profile
const file = readdirSync(dir).find((f) => f.endsWith('.json'));
if (!file) throw new Error(`onnxruntime wrote no profile in ${dir}`);
const events = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
const byOp = new Map<string, { us: number; count: number }>();
let total = 0;
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const op = e.args?.op_name ?? '?';
  const cur = byOp.get(op) ?? { us: 0, count: 0 };
  cur.us += e.dur;
  cur.count += 1;
  byOp.set(op, cur);
  total += e.dur;
}
const rows = [...byOp.entries()].sort((a, b) => b[1].us - a[1].us);
for (const [op, { us, count }] of rows) {
  process.stdout.write(`${op.padEnd(28)} ${(us / steps / 1000).toFixed(1).padStart(8)} ms/step ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(count / steps).toFixed(0).padStart(5)} calls/step\n`);
}
process.stdout.write(`total kernel time ${(total / steps / 1000).toFixed(1)} ms/step over ${steps} steps (first step included)\n`);
