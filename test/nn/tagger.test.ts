import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradients } from '../../src/autodiff/index.ts';
import { buildTagExitBlocks } from '../../src/export/tagger_graphs.ts';
import { checkTokenCriterion, runTokenExits } from '../../src/export/token_exit_runner.ts';
import { serializeGraph } from '../../src/graph/index.ts';
import { validateModelConfig } from '../../src/nn/config.ts';
import { softmaxEntropy } from '../../src/nn/early_exit.ts';
import { initParams, type Parameter } from '../../src/nn/params.ts';
import { buildTagger, taggerParamSpecs } from '../../src/nn/tagger.ts';
import { keepMasks } from '../../src/pipeline/finetune_tagger.ts';
import { createSession, ortTensor, type ort } from '../../src/runtime/session.ts';
import { tagBaselines } from '../../src/train/tagger_scores.ts';
import { Random } from '../../src/util/random.ts';
import { checkDirectionalGradients } from '../helpers/directional.ts';

const model = validateModelConfig({ vocab_size: 200, max_len: 12, d_model: 32, n_layers: 3, n_heads: 2, d_ff: 64, dropout: 0, init_std: 0.3, exit_heads: true }, 'test');
const tags = 4;
const rng = new Random(5);
const [batch, seq, lengths] = [3, 12, [12, 5, 9]];
const ids = new BigInt64Array(batch * seq).fill(1n);
const mask = new BigInt64Array(batch * seq);
lengths.forEach((n, b) => {
  for (let t = 0; t < n; t++) [ids[b * seq + t], mask[b * seq + t]] = [BigInt(t === 0 ? 0 : 5 + rng.int(190)), 1n];
});
const tokens = batch * seq;
const feedsOf = (ps: readonly Parameter[]) => ({ input_ids: ortTensor('int64', ids, [batch, seq]), attention_mask: ortTensor('int64', mask, [batch, seq]), ...Object.fromEntries(ps.map((p) => [p.spec.name, ortTensor('float32', p.data, p.spec.shape)])) });
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

function paramsOf(seed: number): Parameter[] {
  const params = initParams(taggerParamSpecs(model, tags), model, seed);
  for (const p of params) if (p.spec.init !== 'normal') for (let i = 0; i < p.data.length; i++) p.data[i] += 0.5 * rng.normal();
  return params;
}

/** The training graph's exit logits with tokens halted after `ran[token]` layers (self-sampling's keep-masks). */
async function trainingExits(params: readonly Parameter[], ran: Int32Array): Promise<Float32Array[]> {
  const tg = buildTagger(model, tags, { batch, seq }, { dropout: 0, withLabels: false, selfSampling: true });
  tg.exitLogits.forEach((t, i) => tg.graph.output(t, `exit${i}`));
  const s = await createSession(serializeGraph(tg.graph), { threads: 1 });
  const keep = Object.fromEntries([1, 2].map((l) => [`keep/${l}`, ortTensor('float32', Float32Array.from(ran, (r) => (l < r ? 1 : 0)), [tokens, 1])]));
  const out = await s.run({ ...feedsOf(params), ...keep } as never);
  await s.release();
  return tg.exitLogits.map((_, i) => out[`exit${i}`].data as Float32Array);
}

async function blocksOf(params: readonly Parameter[]): Promise<{ embeddings: ort.InferenceSession; layers: ort.InferenceSession[]; classes: number; dModel: number }> {
  const sessions = [];
  for (const b of buildTagExitBlocks({ model, tags, params: new Map(params.map((p) => [p.spec.name, p.data])), format: { kind: 'fp32' } })) sessions.push(await createSession(serializeGraph(b.graph), { threads: 1 }));
  const [embeddings, ...layers] = sessions;
  return { embeddings, layers, classes: tags, dModel: model.d_model };
}

describe('the tagger and token-level early exit', () => {
  it('run to the end, the blocks give the training graph\'s last exit for every real token', async () => {
    const params = paramsOf(3);
    const want = await trainingExits(params, new Int32Array(tokens).fill(3));
    const blocks = await blocksOf(params);
    const r = await runTokenExits(blocks, ids, mask, batch, seq, { threshold: 0, window: 2 });
    for (let i = 0; i < tokens; i++) {
      assert.equal(r.layers[i], mask[i] ? 3 : 0);
      if (mask[i]) assert.ok(maxDiff(r.logits.subarray(i * tags, (i + 1) * tags), want[2].subarray(i * tags, (i + 1) * tags)) < 1e-4, `token ${i}`);
    }
  });

  it('halted tokens keep their layer\'s tags and their states, as self-sampling\'s keep-masks compute them in training', async () => {
    const params = paramsOf(8);
    const blocks = await blocksOf(params);
    const first = await trainingExits(params, new Int32Array(tokens).fill(3));
    const entropies = Array.from({ length: tokens }, (_, i) => (mask[i] ? softmaxEntropy(first[0].subarray(i * tags, (i + 1) * tags)) : 0)).filter((_, i) => mask[i]).sort((a, b) => a - b);
    const criterion = { threshold: entropies[Math.floor(entropies.length * 0.6)], window: 0 };
    const r = await runTokenExits(blocks, ids, mask, batch, seq, criterion);
    const ranReal = Array.from(r.layers).filter((_, i) => mask[i]);
    assert.ok(ranReal.includes(1) && ranReal.some((l) => l > 1), `some tokens halt after layer 1, some run on: ${ranReal}`);
    const want = await trainingExits(params, Int32Array.from(r.layers, (l) => Math.max(l, 1)));
    for (let i = 0; i < tokens; i++) if (mask[i]) assert.ok(maxDiff(r.logits.subarray(i * tags, (i + 1) * tags), want[r.layers[i] - 1].subarray(i * tags, (i + 1) * tags)) < 1e-4, `token ${i} at layer ${r.layers[i]}`);
    const wide = await runTokenExits(blocks, ids, mask, batch, seq, { ...criterion, window: 2 });
    const sum = (a: Int32Array) => a.reduce((x, y) => x + y, 0);
    assert.ok(sum(wide.layers) >= sum(r.layers), 'a wider window halts no token earlier');
    assert.throws(() => checkTokenCriterion({ threshold: 2, window: 1 }, 4), /outside \[0, ln\(4 tags\) = 1.386\]/);
  });

  it('self-sampling draws the same masks for a step, halts about half the tokens, and a halted token stays halted', () => {
    const a = keepMasks(4, 2000, 1, 7);
    assert.deepEqual(a, keepMasks(4, 2000, 1, 7));
    assert.notDeepEqual(a, keepMasks(4, 2000, 1, 8));
    assert.deepEqual(Object.keys(a), ['keep/1', 'keep/2', 'keep/3']);
    const full = a['keep/3'].reduce((s, v) => s + v, 0) / 2000;
    assert.ok(full > 0.45 && full < 0.55, `${full} run every layer`);
    for (let i = 0; i < 2000; i++) assert.ok(a['keep/1'][i] >= a['keep/2'][i] && a['keep/2'][i] >= a['keep/3'][i]);
  });

  it('the joint loss with halted tokens matches directional finite differences for every parameter', async () => {
    const tg = buildTagger(model, tags, { batch, seq }, { dropout: 0, withLabels: true, selfSampling: true });
    const grads = gradients(tg.loss!, tg.params);
    tg.graph.output(tg.loss!, 'loss');
    grads.forEach((g, i) => tg.graph.output(g, `g${i}`));
    const session = await createSession(serializeGraph(tg.graph), { threads: 1, optimization: 'disabled' });
    const labels = BigInt64Array.from({ length: tokens }, (_, i) => (mask[i] && i % seq !== 0 ? BigInt(rng.int(tags)) : -100n));
    const keep = Object.fromEntries(Object.entries(keepMasks(3, tokens, 2, 1)).map(([k, v]) => [k, ortTensor('float32', v, [tokens, 1])]));
    const { input_ids, attention_mask } = feedsOf([]);
    await checkDirectionalGradients(session, paramsOf(2), { input_ids, attention_mask, labels: ortTensor('int64', labels, [batch, seq]), ...keep }, rng, { h: 3e-3 });
  });

  it('the baselines: the most frequent tag, and each word\'s most frequent training tag', () => {
    const train = [{ words: ['the', 'dog', 'runs'], tags: [1, 0, 2] }, { words: ['the', 'run'], tags: [1, 0] }, { words: ['dog'], tags: [0] }];
    const b = tagBaselines(train, [{ words: ['the', 'dog', 'cat'], tags: [1, 0, 2] }], 3);
    assert.equal(b.majority_tag.accuracy, 1 / 3);
    assert.equal(b.most_frequent_tag.accuracy, 2 / 3, 'the, dog right; cat unseen gets the majority tag');
  });
});
