import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradients } from '../../src/autodiff/index.ts';
import { exitBlocksInMemory } from '../../src/export/early_exit_model.ts';
import { checkCriterion, runWithExits, type ExitCriterion } from '../../src/export/early_exit_runner.ts';
import { buildClassifierExport } from '../../src/export/encoder_graph.ts';
import { serializeGraph } from '../../src/graph/index.ts';
import { buildClassifier, classifierParamSpecs } from '../../src/nn/classifier.ts';
import { validateModelConfig, type ModelConfig } from '../../src/nn/config.ts';
import { exitLossWeights, softmaxEntropy } from '../../src/nn/early_exit.ts';
import { initParams, type Parameter } from '../../src/nn/params.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { Random } from '../../src/util/random.ts';
import { checkDirectionalGradients } from '../helpers/directional.ts';
import { maxDiff, paddedBatch, paramFeeds } from '../helpers/padded_batch.ts';

const base = { vocab_size: 200, max_len: 16, d_model: 32, n_layers: 3, n_heads: 2, d_ff: 64, dropout: 0, init_std: 0.3, exit_heads: true };
const preFirst = validateModelConfig(base, 'test');
const postMean = validateModelConfig({ ...base, norm: 'post', pooling: 'mean' }, 'test');
const classes = 3;
const rng = new Random(11);
// Five right-padded rows of different lengths.
const { batch, seq, ids, mask, feeds: batchFeeds } = paddedBatch([16, 7, 3, 12, 9], 16, rng);
const weightsOf = (ps: readonly Parameter[]) => new Map(ps.map((p) => [p.spec.name, p.data]));

/** Random heads and norms, so every exit's logits differ from the others'. */
function paramsOf(model: ModelConfig, seed: number): Parameter[] {
  const params = initParams(classifierParamSpecs(model, classes), model, seed);
  for (const p of params) if (p.spec.init !== 'normal') for (let i = 0; i < p.data.length; i++) p.data[i] += 0.5 * rng.normal();
  return params;
}

/** Every exit's logits from the training graph: (exits, batch * classes). */
async function trainingExits(model: ModelConfig, params: readonly Parameter[]): Promise<Float32Array[]> {
  const cg = buildClassifier(model, classes, { batch, seq }, { dropout: 0, withLabels: false });
  cg.exitLogits!.forEach((t, i) => cg.graph.output(t, `exit${i}`));
  const s = await createSession(serializeGraph(cg.graph), { threads: 1 });
  const out = await s.run({ ...batchFeeds(), ...paramFeeds(params) } as never);
  await s.release();
  return cg.exitLogits!.map((_, i) => out[`exit${i}`].data as Float32Array);
}

/** Where each row leaves under `criterion`, judged on the training graph's exits: its 1-based layer. */
function expectedLayers(exits: readonly Float32Array[], criterion: ExitCriterion): number[] {
  return Array.from({ length: batch }, (_, r) => {
    const row = (e: Float32Array) => Array.from(e.subarray(r * classes, (r + 1) * classes));
    const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs));
    let streak = 0;
    for (let l = 0; l < exits.length - 1; l++) {
      if (criterion.kind === 'entropy' && softmaxEntropy(row(exits[l])) < criterion.threshold) return l + 1;
      if (criterion.kind === 'patience') {
        streak = l > 0 && argmax(row(exits[l])) === argmax(row(exits[l - 1])) ? streak + 1 : 0;
        if (streak >= criterion.patience) return l + 1;
      }
    }
    return exits.length;
  });
}

describe('early exit (a head after every layer)', () => {
  it('needs a classification head and no soft prompt; the joint loss weighs deeper exits more', () => {
    assert.throws(() => validateModelConfig({ ...base, prompt_length: 2 }, 'test'), /early exit does not combine with a soft prompt/);
    assert.throws(() => buildClassifier(preFirst, 1, { batch: 1, seq: 4 }, { dropout: 0, withLabels: true, objective: 'regression' }), /early exit needs a classification task/);
    const w = exitLossWeights(4);
    assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.deepEqual(w.map((x) => x * 10), [1, 2, 3, 4]);
    assert.equal(classifierParamSpecs(preFirst, classes).filter((s) => s.name.startsWith('exits.')).length, 2 * 6);
    assert.equal(classifierParamSpecs(postMean, classes).filter((s) => s.name.startsWith('exits.')).length, 2 * 4, 'post-LN exits read normalized states');
  });

  it('entropy is that of the softmax, 0 to ln(classes); criteria outside their range are refused in one line', () => {
    const p = [0.7, 0.2, 0.1];
    const direct = -p.reduce((a, x) => a + x * Math.log(x), 0);
    assert.ok(Math.abs(softmaxEntropy(p.map(Math.log)) - direct) < 1e-12);
    assert.ok(Math.abs(softmaxEntropy([3, 3, 3]) - Math.log(3)) < 1e-12);
    assert.throws(() => checkCriterion({ kind: 'entropy', threshold: 1.2 }, 3), /--exit-entropy 1.2 is outside \[0, ln\(3 classes\) = 1.099\]/);
    assert.throws(() => checkCriterion({ kind: 'entropy', threshold: -0.1 }, 3), /outside/);
    assert.throws(() => checkCriterion({ kind: 'patience', patience: 0 }, 3), /--exit-patience 0 must be a whole number of layers, at least 1/);
    assert.doesNotThrow(() => checkCriterion({ kind: 'entropy', threshold: Math.log(3) }, 3));
  });

  for (const model of [preFirst, postMean]) {
    const name = `${model.norm}-LN, ${model.pooling ?? 'first'} pooling`;
    it(`the blocks run to the end give the deployment graph's logits, and to the first exit the training graph's first exit (${name})`, async () => {
      const params = paramsOf(model, 4);
      const exits = await trainingExits(model, params);
      const input = { model, numLabels: classes, params: weightsOf(params), format: { kind: 'fp32' as const } };
      const whole = await createSession(serializeGraph(buildClassifierExport(input)), { threads: 1 });
      const deployed = (await whole.run(batchFeeds())).logits.data as Float32Array;
      await whole.release();
      assert.ok(maxDiff(deployed, exits[2]) < 1e-4, 'the last exit is the model');
      const blocks = await exitBlocksInMemory(input, { threads: 1 });
      try {
        const never = await runWithExits(blocks, ids, mask, batch, seq, { kind: 'entropy', threshold: 0 });
        assert.deepEqual(Array.from(never.layers), [3, 3, 3, 3, 3]);
        assert.ok(maxDiff(never.logits, exits[2]) < 1e-4);
        const first = await runWithExits(blocks, ids, mask, batch, seq, { kind: 'entropy', threshold: Math.log(classes) });
        assert.deepEqual(Array.from(first.layers), [1, 1, 1, 1, 1]);
        assert.ok(maxDiff(first.logits, exits[0]) < 1e-4);
        assert.ok(maxDiff(exits[0], exits[1]) > 1e-2 && maxDiff(exits[1], exits[2]) > 1e-2, 'the exits differ, so the checks can tell them apart');
      } finally {
        await blocks.release();
      }
    });
  }

  it('rows leave at different layers with their own exit\'s logits, the rest running on as a smaller, shorter batch', async () => {
    const params = paramsOf(preFirst, 9);
    const exits = await trainingExits(preFirst, params);
    const blocks = await exitBlocksInMemory({ model: preFirst, numLabels: classes, params: weightsOf(params), format: { kind: 'fp32' } }, { threads: 1 });
    try {
      // Row 0 leaves first, so the rows that run on are not the batch's first rows: their places must be kept.
      const entropies = Array.from({ length: batch }, (_, r) => softmaxEntropy(exits[0].subarray(r * classes, (r + 1) * classes)));
      const criteria: ExitCriterion[] = [{ kind: 'entropy', threshold: entropies[0] + 1e-6 }, { kind: 'patience', patience: 1 }];
      for (const criterion of criteria) {
        const want = expectedLayers(exits, criterion);
        const got = await runWithExits(blocks, ids, mask, batch, seq, criterion);
        assert.deepEqual(Array.from(got.layers), want, JSON.stringify(criterion));
        want.forEach((l, r) => assert.ok(maxDiff(got.logits.subarray(r * classes, (r + 1) * classes), exits[l - 1].subarray(r * classes, (r + 1) * classes)) < 1e-4, `row ${r} at layer ${l}`));
      }
      const split = expectedLayers(exits, criteria[0]);
      assert.ok(split[0] === 1 && split.some((l) => l > 1), `row 0 leaves first and others run on: ${split}`);
    } finally {
      await blocks.release();
    }
  });

  it('the joint loss matches directional finite differences for every parameter, every exit head included', async () => {
    const cg = buildClassifier(preFirst, classes, { batch, seq }, { dropout: 0, withLabels: true });
    const grads = gradients(cg.loss!, cg.params);
    cg.graph.output(cg.loss!, 'loss');
    grads.forEach((g, i) => cg.graph.output(g, `g${i}`));
    const session = await createSession(serializeGraph(cg.graph), { threads: 1, optimization: 'disabled' });
    const labels = ortTensor('int64', BigInt64Array.from([1n, 2n, 0n, 1n, -100n]), [batch]);
    await checkDirectionalGradients(session, paramsOf(preFirst, 2), { ...batchFeeds(), labels }, rng, { h: 3e-3 });
  });
});
