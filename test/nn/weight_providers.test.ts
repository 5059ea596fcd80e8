import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph, serializeGraph } from '../../src/graph/index.ts';
import { classifierParamSpecs } from '../../src/nn/classifier.ts';
import { classifierHead, encode, modelContext, staticPositions } from '../../src/nn/encoder.ts';
import { attentionBias, rowsLayout } from '../../src/nn/layout.ts';
import { MaskedWeights, pruneMaskName } from '../../src/nn/masked_weights.ts';
import { RowScaledWeights, rowScaleName } from '../../src/nn/row_scaled_weights.ts';
import { ParameterInputs, type GraphWeights } from '../../src/nn/weights.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { tinyClassifier } from '../helpers/classifier.ts';

const classes = 3;
const { model, params } = tinyClassifier({}, classes);
const [batch, seq] = [2, 16];
const OUT = 'classifier.out_proj';

/** Logits of the classifier whose weights `wrap` derives from the plain parameter inputs. */
async function logits(wrap: (p: ParameterInputs) => GraphWeights, extra: Record<string, { data: Float32Array; shape: number[] }> = {}): Promise<Float32Array> {
  const g = new Graph('providers');
  const weights = wrap(new ParameterInputs(g, classifierParamSpecs(model, classes)));
  const ids = g.input('input_ids', 'int64', [batch, seq]);
  const mask = g.input('attention_mask', 'int64', [batch, seq]);
  const ctx = modelContext(model, { weights, layout: rowsLayout({ batch, seq }), kernels: 'contrib', dropout: 0, attentionBias: attentionBias(mask) });
  g.output(classifierHead(encode(ids, staticPositions(ids, seq), model, ctx), mask, model, classes, ctx), 'logits');
  const session = await createSession(serializeGraph(g), { threads: 1 });
  const feeds: Record<string, unknown> = {
    input_ids: ortTensor('int64', BigInt64Array.from({ length: batch * seq }, (_, i) => BigInt(5 + (i % 50))), [batch, seq]),
    attention_mask: ortTensor('int64', new BigInt64Array(batch * seq).fill(1n), [batch, seq]),
  };
  for (const p of params) feeds[p.spec.name] = ortTensor('float32', p.data, p.spec.shape);
  for (const [name, t] of Object.entries(extra)) feeds[name] = ortTensor('float32', t.data, t.shape);
  const out = (await session.run(feeds as never)).logits.data as Float32Array;
  await session.release();
  return out;
}

const filled = (n: number, v: number) => new Float32Array(n).fill(v);

describe('weight providers', () => {
  it('row scaling of the output layer (weight and bias) scales the logits by the same factors', async () => {
    const plain = await logits((p) => p);
    const scale = Float32Array.from([2, 0.5, -1]);
    const scaled = await logits((p) => new RowScaledWeights(p, [`${OUT}.weight`, `${OUT}.bias`]), {
      [rowScaleName(`${OUT}.weight`)]: { data: scale, shape: [classes, 1] },
      [rowScaleName(`${OUT}.bias`)]: { data: scale, shape: [classes] },
    });
    plain.forEach((v, i) => assert.ok(Math.abs(scaled[i] - v * scale[i % classes]) < 1e-5, `logit ${i}: ${scaled[i]} vs ${v * scale[i % classes]}`));
  });

  it('masking keeps the weights where the mask is 1 and zeroes them where it is 0', async () => {
    const plain = await logits((p) => p);
    const kept = await logits((p) => new MaskedWeights(p, [`${OUT}.weight`]), { [pruneMaskName(`${OUT}.weight`)]: { data: filled(classes * model.d_model, 1), shape: [classes, model.d_model] } });
    plain.forEach((v, i) => assert.ok(Math.abs(kept[i] - v) < 1e-6));
    const zeroed = await logits((p) => new MaskedWeights(p, [`${OUT}.weight`]), { [pruneMaskName(`${OUT}.weight`)]: { data: filled(classes * model.d_model, 0), shape: [classes, model.d_model] } });
    const bias = params.find((p) => p.spec.name === `${OUT}.bias`)!.data;
    zeroed.forEach((v, i) => assert.ok(Math.abs(v - bias[i % classes]) < 1e-6, 'with the weight masked out, logits are the bias'));
  });
});
