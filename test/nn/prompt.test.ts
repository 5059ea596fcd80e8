import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradients } from '../../src/autodiff/index.ts';
import { buildClassifierExport } from '../../src/export/encoder_graph.ts';
import { serializeGraph } from '../../src/graph/index.ts';
import { buildClassifier, classifierParamSpecs } from '../../src/nn/classifier.ts';
import { validateModelConfig, type ModelConfig } from '../../src/nn/config.ts';
import { initParams, PROMPT_EMBEDDINGS, type Parameter } from '../../src/nn/params.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { Random } from '../../src/util/random.ts';
import { checkDirectionalGradients } from '../helpers/directional.ts';
import { maxDiff, paddedBatch, paramFeeds } from '../helpers/padded_batch.ts';

const base = { vocab_size: 200, max_len: 16, d_model: 32, n_layers: 2, n_heads: 2, d_ff: 64, dropout: 0, init_std: 0.2, prompt_length: 4 };
const firstModel = validateModelConfig(base, 'test');
const meanModel = validateModelConfig({ ...base, pooling: 'mean' }, 'test');
const classes = 3;
const rng = new Random(7);
// Two right-padded rows of 16 and 7 tokens.
const lengths = [16, 7];
const { batch, seq, ids, mask, feeds: batchFeeds } = paddedBatch(lengths, 16, rng);

async function trainingLogits(model: ModelConfig, params: readonly Parameter[]): Promise<Float32Array> {
  const cg = buildClassifier(model, classes, { batch, seq }, { dropout: 0, withLabels: false });
  cg.graph.output(cg.logits, 'logits');
  const s = await createSession(serializeGraph(cg.graph), { threads: 1 });
  const out = (await s.run({ ...batchFeeds(), ...paramFeeds(params) } as never)).logits.data as Float32Array;
  await s.release();
  return out;
}

/** The deployment graph's logits of row `row` alone, cut to `width` positions. */
async function exportedRow(model: ModelConfig, params: readonly Parameter[], row: number, width: number): Promise<Float32Array> {
  const weights = new Map(params.map((p) => [p.spec.name, p.data]));
  const s = await createSession(serializeGraph(buildClassifierExport({ model, numLabels: classes, params: weights, format: { kind: 'fp32' } })), { threads: 1 });
  const cut = (a: BigInt64Array) => a.slice(row * seq, row * seq + width);
  const out = await s.run({ input_ids: ortTensor('int64', cut(ids), [1, width]), attention_mask: ortTensor('int64', cut(mask), [1, width]) });
  await s.release();
  return out.logits.data as Float32Array;
}

describe('prompt tuning (soft prompts before the tokens)', () => {
  for (const model of [firstModel, meanModel]) {
    it(`the deployment graph computes what the training graph computes, padded or not (${model.pooling ?? 'first'} pooling)`, async () => {
      const params = initParams(classifierParamSpecs(model, classes), model, 4);
      const trained = await trainingLogits(model, params);
      assert.ok(maxDiff(await exportedRow(model, params, 0, seq), trained.subarray(0, classes)) < 1e-4);
      assert.ok(maxDiff(await exportedRow(model, params, 1, lengths[1]), trained.subarray(classes, 2 * classes)) < 1e-4, 'unpadded');
      assert.ok(maxDiff(await exportedRow(model, params, 1, seq), trained.subarray(classes, 2 * classes)) < 1e-4, 'padded to 16');
    });
  }

  it('the prompt is read: other vectors give other logits, and the prompt is a parameter of its own', async () => {
    const params = initParams(classifierParamSpecs(firstModel, classes), firstModel, 4);
    const prompt = params.find((p) => p.spec.name === PROMPT_EMBEDDINGS)!;
    assert.deepEqual(prompt.spec.shape, [4, 32]);
    const before = await trainingLogits(firstModel, params);
    // A random change: a constant shift of every feature would vanish in the LayerNorms.
    prompt.data = prompt.data.map((v) => v + rng.normal());
    assert.ok(maxDiff(before, await trainingLogits(firstModel, params)) > 1e-3);
  });

  it('matches directional finite differences for every parameter, the prompt included', async () => {
    const cg = buildClassifier(firstModel, classes, { batch, seq }, { dropout: 0, withLabels: true });
    const grads = gradients(cg.loss!, cg.params);
    cg.graph.output(cg.loss!, 'loss');
    grads.forEach((g, i) => cg.graph.output(g, `g${i}`));
    const session = await createSession(serializeGraph(cg.graph), { threads: 1, optimization: 'disabled' });
    const params = initParams(classifierParamSpecs(firstModel, classes), firstModel, 2);
    for (const p of params) if (p.spec.init !== 'normal') for (let i = 0; i < p.data.length; i++) p.data[i] += 0.3 * rng.normal();
    const labels = ortTensor('int64', BigInt64Array.from([1n, 2n]), [batch]);
    // Word embeddings at this scale curve enough that a step of 1e-2 is no longer central (with or without a prompt).
    await checkDirectionalGradients(session, params, { ...batchFeeds(), labels }, rng, { h: 3e-3 });
  });

  it('refuses a prompt longer than the sequences', () => {
    assert.throws(() => validateModelConfig({ ...base, prompt_length: 17 }, 'model'), /prompt_length: 17 is longer than the model's sequences of 16 tokens/);
  });
});
