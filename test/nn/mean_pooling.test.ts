import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildClassifierExport } from '../../src/export/encoder_graph.ts';
import { serializeGraph } from '../../src/graph/index.ts';
import { buildClassifier, classifierParamSpecs } from '../../src/nn/classifier.ts';
import { validateModelConfig, type ModelConfig } from '../../src/nn/config.ts';
import { hfArchitectureOf } from '../../src/nn/hf_names.ts';
import { initParams } from '../../src/nn/params.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { Random } from '../../src/util/random.ts';
import { maxDiff, paddedBatch } from '../helpers/padded_batch.ts';

const base = { vocab_size: 200, max_len: 16, d_model: 32, n_layers: 2, n_heads: 2, d_ff: 64, dropout: 0, init_std: 0.2 };
const meanModel = validateModelConfig({ ...base, pooling: 'mean' }, 'test');
const firstModel = validateModelConfig(base, 'test');
const classes = 3;
const params = initParams(classifierParamSpecs(meanModel, classes), meanModel, 4);
const weights = new Map(params.map((p) => [p.spec.name, p.data]));
const rng = new Random(5);
// Two right-padded rows of 16 and 7 tokens.
const lengths = [16, 7];
const { batch, seq, ids, mask } = paddedBatch(lengths, 16, rng);

async function trainingLogits(model: ModelConfig): Promise<Float32Array> {
  const cg = buildClassifier(model, classes, { batch, seq }, { dropout: 0, withLabels: false });
  cg.graph.output(cg.logits, 'logits');
  const s = await createSession(serializeGraph(cg.graph), { threads: 1 });
  const feeds: Record<string, unknown> = { input_ids: ortTensor('int64', ids, [batch, seq]), attention_mask: ortTensor('int64', mask, [batch, seq]) };
  for (const p of params) feeds[p.spec.name] = ortTensor('float32', p.data, p.spec.shape);
  const out = (await s.run(feeds as never)).logits.data as Float32Array;
  await s.release();
  return out;
}

/** Exported logits of row `row` alone, cut to `width` positions. */
async function exportedRow(model: ModelConfig, row: number, width: number): Promise<Float32Array> {
  const s = await createSession(serializeGraph(buildClassifierExport({ model, numLabels: classes, params: weights, format: { kind: 'fp32' } })), { threads: 1 });
  const cut = (a: BigInt64Array) => a.slice(row * seq, row * seq + width);
  const out = await s.run({ input_ids: ortTensor('int64', cut(ids), [1, width]), attention_mask: ortTensor('int64', cut(mask), [1, width]) });
  await s.release();
  return out.logits.data as Float32Array;
}


describe('mean-pooling classifier head', () => {
  it('the export computes what the training graph computes, whatever the padding', async () => {
    const trained = await trainingLogits(meanModel);
    const shortRow = trained.subarray(classes, 2 * classes);
    assert.ok(maxDiff(await exportedRow(meanModel, 1, seq), shortRow) < 1e-4, 'padded to 16');
    assert.ok(maxDiff(await exportedRow(meanModel, 1, lengths[1]), shortRow) < 1e-4, 'unpadded');
    assert.ok(maxDiff(await exportedRow(meanModel, 0, seq), trained.subarray(0, classes)) < 1e-4);
  });

  it('pools differently from the first token', async () => {
    const [mean, first] = [await trainingLogits(meanModel), await trainingLogits(firstModel)];
    assert.ok(maxDiff(mean, first) > 1e-3, `${maxDiff(mean, first)}`);
  });

  it('is refused by the Hugging Face export, whose RoBERTa head reads the first token', () => {
    assert.throws(() => hfArchitectureOf(meanModel), /pools the mean of its tokens.*--pooling first/);
    assert.equal(hfArchitectureOf(firstModel), 'roberta-prelayernorm');
  });
});
