/**
 * Per-op time table of a training step (ORT profiling): `tsx bench/profile.ts SPEC [steps]`.
 * Prints the op types by total time, as JSON lines and a table.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readBenchSpec } from '../src/bench/spec.ts';
import { maskedPerSequence } from '../src/data/mlm_batches.ts';
import { validateModelConfig } from '../src/nn/config.ts';
import { initParams, mlmParamSpecs } from '../src/nn/params.ts';
import { ort, ortTensor } from '../src/runtime/session.ts';
import { buildTrainStep, momentInputName } from '../src/train/step_graph.ts';
import { Random } from '../src/util/random.ts';

const spec = readBenchSpec(process.argv[2] ?? '../shared/bench/mlm-base.json');
const steps = Number(process.argv[3] ?? 5);
const model = validateModelConfig({ ...spec.model }, spec.name);
const { batch_size: b, seq_len: t } = spec.batch;
const masked = b * maskedPerSequence(t, spec.batch.mask_prob);
const opt = { ...spec.optimizer, betas: spec.optimizer.betas as [number, number], clip_norm: 1, warmup_steps: 10, schedule: 'linear' as const, min_lr_ratio: 0.1 };
const step = buildTrainStep(model, { batch: b, seq: t, masked }, opt);
const feedsMasks: Record<string, unknown> = {};
step.dropoutMasks.forEach((shape, i) => (feedsMasks[`dropout_mask/${i}`] = ortTensor('float32', new Float32Array(shape.reduce((x, y) => x * y, 1)).fill(1), shape)));
const dir = mkdtempSync(path.join(os.tmpdir(), 'tltc-profile-'));
const session = await ort.InferenceSession.create(step.bytes, {
  intraOpNumThreads: spec.threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  enableProfiling: true,
  profileFilePrefix: path.join(dir, 'profile'),
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});
const rng = new Random(1);
const feeds: Record<string, unknown> = {
  input_ids: ortTensor('int64', BigInt64Array.from({ length: b * t }, () => BigInt(5 + rng.int(model.vocab_size - 5))), [b, t]),
  masked_positions: ortTensor('int64', BigInt64Array.from({ length: masked }, (_, i) => BigInt(i)), [masked]),
  labels: ortTensor('int64', BigInt64Array.from({ length: masked }, () => BigInt(5 + rng.int(model.vocab_size - 5))), [masked]),
  step: ortTensor('float32', Float32Array.of(1), []),
  progress: ortTensor('float32', Float32Array.of(0), []),
  ...feedsMasks,
};
for (const p of initParams(mlmParamSpecs(model), model, 0)) {
  feeds[p.spec.name] = ortTensor('float32', p.data, p.spec.shape);
  feeds[momentInputName('m', p.spec.name)] = ortTensor('float32', new Float32Array(p.data.length), p.spec.shape);
  feeds[momentInputName('v', p.spec.name)] = ortTensor('float32', new Float32Array(p.data.length), p.spec.shape);
}
for (let i = 0; i < steps; i++) await session.run(feeds as never);
session.endProfiling();
await session.release();
const file = readdirSync(dir).find((f) => f.endsWith('.json'))!;
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
