import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unigramLogProbs } from '../../src/data/prepare.ts';
import { resolveModel, parseTrainConfig } from '../../src/train/config.ts';
import { initParams, mlmParamSpecs, POSITION_EMBEDDINGS, WORD_EMBEDDINGS } from '../../src/nn/params.ts';
import { embeddingScale, maskedUnigramPerplexity, startAtUnigram } from '../../src/train/unigram_start.ts';

describe('starting at the unigram distribution', () => {
  it('scales the initial embeddings by sqrt(base width / d_model), never above 1', () => {
    const scale = (model: string) => embeddingScale(resolveModel(parseTrainConfig({ model }, 'test')));
    assert.equal(scale('L2-H64'), 1);
    assert.equal(scale('L2-H128'), 1);
    assert.ok(Math.abs(scale('L4-H256') - Math.SQRT1_2) < 1e-12);
    assert.ok(Math.abs(scale('L6-H384') - Math.sqrt(1 / 3)) < 1e-12);
  });

  it('sets the output bias to the training log frequencies and scales the initial embeddings', () => {
    const model = resolveModel(parseTrainConfig({ model: 'L1-H256', data: { vocab_size: 300 } }, 'test'));
    const params = initParams(mlmParamSpecs(model), model, 0);
    const fresh = initParams(mlmParamSpecs(model), model, 0);
    const train = Uint16Array.from([5, 5, 5, 7, 9, 9]);
    startAtUnigram(params, model, train);
    const get = (name: string) => params.find((p) => p.spec.name === name)!.data;
    const logp = unigramLogProbs(train, 300);
    assert.ok(Math.abs(get('lm_head.bias')[5] - logp[5]) < 1e-6);
    assert.ok(get('lm_head.bias')[5] > get('lm_head.bias')[9] && get('lm_head.bias')[9] > get('lm_head.bias')[7]);
    assert.ok(get('lm_head.layer_norm.weight').every((g) => g === 1));
    const freshOf = (name: string) => fresh.find((p) => p.spec.name === name)!.data;
    for (const name of [WORD_EMBEDDINGS, POSITION_EMBEDDINGS]) {
      assert.ok(Math.abs(get(name)[7] - Math.SQRT1_2 * freshOf(name)[7]) < 1e-7, name);
    }
    assert.deepEqual(get('roberta.encoder.layer.0.attention.self.query.weight'), freshOf('roberta.encoder.layer.0.attention.self.query.weight'));
    const again = initParams(mlmParamSpecs(model), model, 0);
    startAtUnigram(again, model, train, { headNorm: 0.25, embeddings: 1 });
    const got = (name: string) => again.find((p) => p.spec.name === name)!.data;
    assert.ok(got('lm_head.layer_norm.weight').every((g) => g === 0.25), 'a configured scale wins');
    assert.deepEqual(got(WORD_EMBEDDINGS), freshOf(WORD_EMBEDDINGS));
  });

  it('measures the unigram perplexity on the masked labels only', () => {
    const train = Uint16Array.from([1, 1, 1, 2]);
    const batch = { inputIds: new BigInt64Array(4), maskedPositions: BigInt64Array.from([0n, 1n]), labels: BigInt64Array.from([1n, 2n]) };
    const logp = unigramLogProbs(train, 4);
    const expected = Math.exp(-(logp[1] + logp[2]) / 2);
    assert.ok(Math.abs(maskedUnigramPerplexity(train, 4, [batch]) - expected) < 1e-9);
  });
});
