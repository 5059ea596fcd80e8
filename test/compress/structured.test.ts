import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attentionOutput, maskStructures, parseStructured, removeStructures, selectKept, structureImportance } from '../../src/compress/structured.ts';
import { fakeQuantize } from '../../src/compress/quantize.ts';
import { buildClassifierExport } from '../../src/export/encoder_graph.ts';
import { blockGranularity } from '../../src/export/weight_format.ts';
import { serializeGraph } from '../../src/graph/index.ts';
import { buildClassifier, classifierParamSpecs } from '../../src/nn/classifier.ts';
import type { ModelConfig } from '../../src/nn/config.ts';
import { countParams } from '../../src/nn/params.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { syntheticSplit, tinyClassifier } from '../helpers/classifier.ts';

const classes = 3;
const seq = 16;
const batch = 4;
const { model, params } = tinyClassifier({}, classes);
const weights = new Map(params.map((p) => [p.spec.name, p.data]));
const split = syntheticSplit(8, seq, classes);

async function exported(m: ModelConfig, w: ReadonlyMap<string, Float32Array>): Promise<Float32Array> {
  const s = await createSession(serializeGraph(buildClassifierExport({ model: m, numLabels: classes, params: w, format: { kind: 'fp32' } })), { threads: 1 });
  const out = await s.run({ input_ids: ortTensor('int64', split.ids.subarray(0, batch * seq), [batch, seq]), attention_mask: ortTensor('int64', split.mask.subarray(0, batch * seq), [batch, seq]) });
  return out.logits.data as Float32Array;
}

async function trainingGraph(m: ModelConfig, w: ReadonlyMap<string, Float32Array>): Promise<Float32Array> {
  const cg = buildClassifier(m, classes, { batch, seq }, { dropout: 0, withLabels: false });
  cg.graph.output(cg.logits, 'logits');
  const s = await createSession(serializeGraph(cg.graph), { threads: 1 });
  const feeds: Record<string, unknown> = { input_ids: ortTensor('int64', split.ids.subarray(0, batch * seq), [batch, seq]), attention_mask: ortTensor('int64', split.mask.subarray(0, batch * seq), [batch, seq]) };
  for (const spec of classifierParamSpecs(m, classes)) feeds[spec.name] = ortTensor('float32', w.get(spec.name)!, spec.shape);
  return (await s.run(feeds as never)).logits.data as Float32Array;
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('structured pruning', () => {
  const keptHeads = [[0, 2, 3], [1]];
  const keptNeurons = [Array.from({ length: 96 }, (_, i) => i).filter((i) => i % 3 !== 1), [5, 17, 40, 41, 95]];

  it('the physically smaller model computes the same function as the masked unpruned model', async () => {
    const smaller = removeStructures(model, weights, keptHeads, keptNeurons);
    assert.deepEqual(smaller.model.layer_heads, [3, 1]);
    assert.deepEqual(smaller.model.layer_ffn, [64, 5]);
    assert.ok(countParams(classifierParamSpecs(smaller.model, classes)) < countParams(classifierParamSpecs(model, classes)));
    const masked = await exported(model, maskStructures(model, weights, keptHeads, keptNeurons));
    const pruned = await exported(smaller.model, smaller.params);
    assert.ok(maxDiff(masked, pruned) < 1e-5, `max diff ${maxDiff(masked, pruned)}`);
    // Removing structures does change the function: the test would notice a no-op.
    assert.ok(maxDiff(await exported(model, weights), pruned) > 1e-3);
    // The training graph builds the per-layer sizes too, and agrees with the export.
    assert.ok(maxDiff(await trainingGraph(smaller.model, smaller.params), pruned) < 1e-4);
  });

  for (const block of [32, 'channel'] as const) {
    it(`a 4-bit ${block === 'channel' ? 'per-channel' : 'g32'} export of the pruned model (FFN widths not a multiple of the block) computes with its dequantized weights`, async () => {
      const smaller = removeStructures(model, weights, keptHeads, keptNeurons);
      const scheme = { bits: 4, symmetric: false, granularity: blockGranularity(block) };
      const fq = new Map(smaller.params);
      for (const spec of classifierParamSpecs(smaller.model, classes)) {
        if (spec.shape.length === 2 && !spec.name.includes('embeddings')) fq.set(spec.name, fakeQuantize(smaller.params.get(spec.name)!, spec.shape, scheme));
      }
      const s = await createSession(serializeGraph(buildClassifierExport({ model: smaller.model, numLabels: classes, params: smaller.params, format: { kind: 'nbits', bits: 4, block } })), { threads: 1 });
      const out = await s.run({ input_ids: ortTensor('int64', split.ids.subarray(0, batch * seq), [batch, seq]), attention_mask: ortTensor('int64', split.mask.subarray(0, batch * seq), [batch, seq]) });
      const ref = await exported(smaller.model, fq);
      // Per channel, activations are quantized to uint8 per call as well (int8 kernels).
      const tolerance = block === 'channel' ? 0.02 * ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0) : 1e-3;
      assert.ok(maxDiff(out.logits.data as Float32Array, ref) < tolerance, `max diff ${maxDiff(out.logits.data as Float32Array, ref)}, tolerance ${tolerance}`);
    });
  }

  it('selects the lowest layer-normalized scores, never the last structure of a layer', () => {
    const scores = [Float64Array.from([1, 2, 3, 4]), Float64Array.from([10, 0.1])];
    // Normalized: layer 0 [0.18, 0.37, 0.55, 0.73], layer 1 [1.0, 0.01].
    assert.deepEqual(selectKept(scores, 0.5), [[2, 3], [0]]);
    assert.deepEqual(selectKept(scores, 0.67), [[3], [0]]);
    assert.deepEqual(selectKept(scores, 0), [[0, 1, 2, 3], [0, 1]]);
    const most = selectKept(scores, 0.99);
    assert.ok(most.every((k) => k.length >= 1));
  });

  it('importance is data-driven: a head whose output is already zero scores 0, the others more', async () => {
    const w = new Map(weights);
    const o = Float32Array.from(w.get(attentionOutput(0))!);
    const hs = 16;
    for (let r = 0; r < 64; r++) for (let c = hs; c < 2 * hs; c++) o[r * 64 + c] = 0; // head 1 of layer 0
    w.set(attentionOutput(0), o);
    const ps = classifierParamSpecs(model, classes).map((spec) => ({ spec, data: w.get(spec.name)! }));
    const imp = await structureImportance(model, classes, ps, split, { batch, seq, batches: 2, threads: 1 });
    assert.deepEqual(imp.heads.map((h) => h.length), [4, 4]);
    assert.deepEqual(imp.neurons.map((n) => n.length), [96, 96]);
    assert.equal(imp.heads[0][1], 0);
    for (const j of [0, 2, 3]) assert.ok(imp.heads[0][j] > 0);
    assert.ok(imp.neurons.every((n) => n.every((v) => Number.isFinite(v) && v >= 0)));
  });

  it('parses heads=..,ffn=.. and refuses anything else with the reason', () => {
    assert.deepEqual(parseStructured('heads=0.3,ffn=0.4'), { heads: 0.3, ffn: 0.4 });
    assert.deepEqual(parseStructured('ffn=0.5'), { heads: 0, ffn: 0.5 });
    assert.throws(() => parseStructured('heads=1'), /heads must be a fraction in \[0, 1\)/);
    assert.throws(() => parseStructured('layers=0.2'), /is not heads=<fraction> or ffn=<fraction>/);
    assert.throws(() => parseStructured('heads=-0.1'), /fraction/);
  });
});
