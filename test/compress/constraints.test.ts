import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompressionConstraints, prunableWeights } from '../../src/compress/constraints.ts';
import { fakeQuantize, type QuantScheme } from '../../src/compress/quantize.ts';
import { serializeGraph } from '../../src/graph/index.ts';
import { buildClassifier } from '../../src/nn/classifier.ts';
import { quantDeltaName } from '../../src/nn/fake_quant_weights.ts';
import type { Parameter } from '../../src/nn/params.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { parseBudget } from '../../src/train/budget.ts';
import { batchOf } from '../../src/train/classifier_data.ts';
import { trainClassifier } from '../../src/train/classifier_training.ts';
import type { OptimizerConfig } from '../../src/train/optimizer.ts';
import { syntheticSplit, tinyClassifier } from '../helpers/classifier.ts';

const classes = 3;
const seq = 16;
const batch = 8;
const opt: OptimizerConfig = { lr: 3e-3, betas: [0.9, 0.98], eps: 1e-6, weight_decay: 0.01, clip_norm: 1, warmup_steps: 2, schedule: 'linear', min_lr_ratio: 0 };
const zerosOf = (params: readonly Parameter[], names: readonly string[]) => {
  let zeros = 0;
  let total = 0;
  for (const p of params.filter((q) => names.includes(q.spec.name))) {
    total += p.data.length;
    for (const v of p.data) if (v === 0) zeros++;
  }
  return { zeros, total };
};

describe('pruning masks and fake quantization in the training graph', () => {
  it('gradual pruning reaches exactly the final sparsity, and pruned weights stay exactly zero through further training', async () => {
    const { model, params } = tinyClassifier({ dropout: 0.1 }, classes);
    const names = prunableWeights(model);
    const train = syntheticSplit(64, seq, classes);
    const constraints = new CompressionConstraints(names, { sparsity: 0.6, schedule: 'gradual', scope: 'global', rampEnd: 0.5 }, null);
    const seen: number[] = [];
    const tracking = {
      pruned: constraints.pruned,
      fakeQuant: constraints.fakeQuant,
      beforeStep: (step: number, progress: number, ps: readonly Parameter[]) => {
        const feeds = constraints.beforeStep(step, progress, ps);
        seen.push(zerosOf(ps, names).zeros);
        return feeds;
      },
    };
    await trainClassifier({ model, classes, params, train, batch, seq, opt, budget: parseBudget('30steps'), seed: 1, threads: 1, quiet: true, constraints: tracking });
    const { zeros, total } = zerosOf(params, names);
    assert.equal(zeros, Math.floor(0.6 * total), `${zeros} of ${total} zero after training`);
    // The cubic schedule raised the sparsity in several steps, never lowering it.
    assert.ok(constraints.maskUpdates >= 4, `${constraints.maskUpdates} mask updates`);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `sparsity fell at step ${i + 1}`);
    assert.equal(seen[0], 0);
    // Other weights kept training: the classifier head is dense.
    assert.ok(zerosOf(params, ['classifier.dense.weight']).zeros === 0);
  });

  it('one-shot pruning holds the sparsity from the first step on', async () => {
    const { model, params } = tinyClassifier({}, classes, 2);
    const names = prunableWeights(model);
    const constraints = new CompressionConstraints(names, { sparsity: 0.3, schedule: 'oneshot', scope: 'layer', rampEnd: 0.75 }, null);
    await trainClassifier({ model, classes, params, train: syntheticSplit(32, seq, classes), batch, seq, opt, budget: parseBudget('6steps'), seed: 1, threads: 1, quiet: true, constraints });
    assert.equal(constraints.maskUpdates, 1);
    for (const p of params.filter((q) => names.includes(q.spec.name))) assert.equal(zerosOf([p], [p.spec.name]).zeros, Math.floor(0.3 * p.data.length), p.spec.name);
  });

  it('fake quantization: the graph computes with the quantized weights, and the straight-through gradient trains the float ones', async () => {
    const { model, params } = tinyClassifier({}, classes, 3);
    const scheme: QuantScheme = { bits: 3, symmetric: false, granularity: { kind: 'group', size: 32 } };
    const names = prunableWeights(model);
    const constraints = new CompressionConstraints(names, null, new Map(names.map((n) => [n, scheme])));
    const split = syntheticSplit(batch, seq, classes);
    const { input_ids, attention_mask } = batchOf(split, Array.from({ length: batch }, (_, i) => i), batch, seq);
    const logits = async (fakeQuant: readonly string[], weights: ReadonlyMap<string, Float32Array>, extra: Record<string, unknown>) => {
      const cg = buildClassifier(model, classes, { batch, seq }, { dropout: 0, withLabels: false, fakeQuant });
      cg.graph.output(cg.logits, 'logits');
      const s = await createSession(serializeGraph(cg.graph), { threads: 1 });
      const feeds: Record<string, unknown> = { input_ids, attention_mask, ...extra };
      for (const p of params) feeds[p.spec.name] = ortTensor('float32', weights.get(p.spec.name)!, p.spec.shape);
      return (await s.run(feeds as never)).logits.data as Float32Array;
    };
    const weights = new Map(params.map((p) => [p.spec.name, p.data]));
    const quantized = new Map(weights);
    for (const n of names) quantized.set(n, fakeQuantize(weights.get(n)!, params.find((p) => p.spec.name === n)!.spec.shape, scheme));
    const feeds = constraints.beforeStep(1, 0, params);
    assert.ok(quantDeltaName(names[0]) in feeds);
    const withQat = await logits(names, weights, feeds);
    const reference = await logits([], quantized, {});
    const diff = withQat.reduce((m, v, i) => Math.max(m, Math.abs(v - reference[i])), 0);
    assert.ok(diff < 1e-5, `max diff ${diff}`);
    const before = Float32Array.from(params.find((p) => p.spec.name === names[0])!.data);
    await trainClassifier({ model, classes, params, train: syntheticSplit(32, seq, classes), batch, seq, opt, budget: parseBudget('3steps'), seed: 1, threads: 1, quiet: true, constraints });
    const after = params.find((p) => p.spec.name === names[0])!.data;
    assert.ok(after.some((v, i) => v !== before[i]), 'the float weights under fake quantization got gradient updates');
  });
});
