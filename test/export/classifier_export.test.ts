import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeQuantize } from '../../src/compress/quantize.ts';
import { buildClassifierExport } from '../../src/export/encoder_graph.ts';
import { int8Linear, int8Weights } from '../../src/export/int8.ts';
import { bcqDecode, bcqEncode } from '../../src/compress/bcq.ts';
import { isPrunableWeight, prunableWeights } from '../../src/compress/constraints.ts';
import { compressedWeight, SEARCH_OPTIONS } from '../../src/compress/layer_search.ts';
import { nmMask } from '../../src/compress/nm.ts';
import { unpackBits, unpackNibbles } from '../../src/export/packing.ts';
import { blockGranularity, embeddingScheme, formatFile, parseWeightFormat, type NbitsBlock, type WeightFormat } from '../../src/export/weight_format.ts';
import { Graph, ops, serializeGraph } from '../../src/graph/index.ts';
import { buildClassifier, classifierParamSpecs } from '../../src/nn/classifier.ts';
import { validateModelConfig } from '../../src/nn/config.ts';
import { initParams } from '../../src/nn/params.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { Random } from '../../src/util/random.ts';

const model = validateModelConfig({ vocab_size: 300, max_len: 16, d_model: 64, n_layers: 2, n_heads: 2, d_ff: 128, dropout: 0.1, init_std: 0.1 }, 'test');
const classes = 5;
const specs = classifierParamSpecs(model, classes);
const rng = new Random(8);
const params = initParams(specs, model, 1);
for (const p of params) if (p.spec.init !== 'normal') for (let i = 0; i < p.data.length; i++) p.data[i] += 0.1 * rng.normal();
const batch = 3;
const seq = 16;
// Right-padded rows of 16, 9 and 4 tokens.
const lengths = [16, 9, 4];
const ids = new BigInt64Array(batch * seq).fill(1n);
const mask = new BigInt64Array(batch * seq);
lengths.forEach((n, b) => {
  for (let t = 0; t < n; t++) {
    ids[b * seq + t] = BigInt(t === 0 ? 0 : 5 + rng.int(295));
    mask[b * seq + t] = 1n;
  }
});

/** Logits of the training-graph classifier (dropout off) with the given weights. */
async function trainingLogits(weights: Map<string, Float32Array>): Promise<Float32Array> {
  const cg = buildClassifier(model, classes, { batch, seq }, { dropout: 0, withLabels: false });
  cg.graph.output(cg.logits, 'logits');
  const s = await createSession(serializeGraph(cg.graph), { threads: 1 });
  const feeds: Record<string, unknown> = { input_ids: ortTensor('int64', ids, [batch, seq]), attention_mask: ortTensor('int64', mask, [batch, seq]) };
  for (const p of params) feeds[p.spec.name] = ortTensor('float32', weights.get(p.spec.name)!, p.spec.shape);
  return (await s.run(feeds as never)).logits.data as Float32Array;
}

async function exportedLogits(format: WeightFormat, weights: Map<string, Float32Array>, b = batch, quantizeEmbeddings = false): Promise<Float32Array> {
  const bytes = serializeGraph(buildClassifierExport({ model, numLabels: classes, params: weights, format, quantizeEmbeddings }));
  const s = await createSession(bytes, { threads: 1 });
  const out = await s.run({ input_ids: ortTensor('int64', ids.subarray(0, b * seq), [b, seq]), attention_mask: ortTensor('int64', mask.subarray(0, b * seq), [b, seq]) });
  return out.logits.data as Float32Array;
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const weights = new Map(params.map((p) => [p.spec.name, p.data]));

describe('classifier export', () => {
  it('fp32 export matches the training graph, with padding and dynamic batch and sequence axes', async () => {
    const ref = await trainingLogits(weights);
    const got = await exportedLogits({ kind: 'fp32' }, weights);
    assert.ok(maxDiff(ref, got) < 1e-4, `max diff ${maxDiff(ref, got)}`);
    // One row alone gives the same logits as within the batch.
    const single = await exportedLogits({ kind: 'fp32' }, weights, 1);
    assert.ok(maxDiff(single, ref.subarray(0, classes)) < 1e-4);
  });

  /** The weights an n-bit export computes with: linears (and optionally word embeddings) fake-quantized as the exporter quantizes them. */
  function fakeQuantized(bits: number, block: NbitsBlock, embeddings: boolean): Map<string, Float32Array> {
    const scheme = { bits, symmetric: false, granularity: blockGranularity(block) };
    const fq = new Map(weights);
    for (const s of specs) {
      const linear = s.shape.length === 2 && !s.name.includes('embeddings');
      if (linear) fq.set(s.name, fakeQuantize(weights.get(s.name)!, s.shape, scheme));
      if (embeddings && s.shape.length === 2 && s.name.includes('embeddings')) fq.set(s.name, fakeQuantize(weights.get(s.name)!, s.shape, embeddingScheme(bits, block)));
    }
    return fq;
  }

  for (const [bits, block, embeddings] of [
    [4, 32, false],
    [4, 32, true],
    [2, 32, true],
    [3, 32, false],
    [6, 64, true],
    [8, 32, false],
    [4, 'channel', true],
    [5, 'channel', false],
  ] as const) {
    const kernel = block === 'channel' ? 'int8 kernels, per channel' : `MatMulNBits, block ${block}`;
    it(`${bits}-bit export (${kernel}${embeddings ? ', quantized embeddings' : ''}) computes with its dequantized weights`, async () => {
      const ref = await trainingLogits(fakeQuantized(bits, block, embeddings));
      const got = await exportedLogits({ kind: 'nbits', bits, block }, weights, batch, embeddings);
      // MatMulNBits is weight-only, so exact; the per-channel path also quantizes activations to uint8 per call.
      const tolerance = block === 'channel' ? 0.02 * maxAbs(ref) : 1e-3;
      assert.ok(maxDiff(ref, got) < tolerance, `max diff ${maxDiff(ref, got)}, tolerance ${tolerance}`);
      const fp32 = await trainingLogits(weights);
      assert.ok(maxDiff(fp32, got) > 1e-5, `${bits}-bit weights should change the logits`);
    });
  }

  it('4-bit blocks with int8 compute (accuracy_level 4) stay close to the weight-only file, and the format parses and names its file', async () => {
    const format = parseWeightFormat('4:int8-compute');
    assert.deepEqual(format, { kind: 'nbits', bits: 4, block: 32, int8Compute: true });
    assert.equal(formatFile(format), 'model_q4_int8compute.onnx');
    assert.throws(() => parseWeightFormat('4:per-channel:int8-compute'), /per-channel weights already compute in int8/);
    const bytes = serializeGraph(buildClassifierExport({ model, numLabels: classes, params: weights, format }));
    assert.ok(Buffer.from(bytes).includes(Buffer.from('accuracy_level')), 'the attribute is written');
    const weightOnly = await exportedLogits({ kind: 'nbits', bits: 4, block: 32 }, weights, batch);
    const int8 = await exportedLogits(format, weights, batch);
    // Activations quantized to int8 per block: close to, not equal to, the float computation.
    assert.ok(maxDiff(weightOnly, int8) < 0.05 * maxAbs(weightOnly), `max diff ${maxDiff(weightOnly, int8)}`);
  });

  it('4-bit g32 with quantized embeddings is under 1/6 of the fp32 file at L2-H256 proportions', () => {
    const big = validateModelConfig({ vocab_size: 8192, max_len: 128, d_model: 256, n_layers: 2, n_heads: 4, d_ff: 1024 }, 'test');
    const bigParams = new Map(initParams(classifierParamSpecs(big, 15), big, 2).map((p) => [p.spec.name, p.data]));
    const size = (f: WeightFormat, e: boolean) => serializeGraph(buildClassifierExport({ model: big, numLabels: 15, params: bigParams, format: f, quantizeEmbeddings: e })).length;
    const fp32 = size({ kind: 'fp32' }, false);
    const q4 = size({ kind: 'nbits', bits: 4, block: 32 }, true);
    const q4fp32Emb = size({ kind: 'nbits', bits: 4, block: 32 }, false);
    assert.ok(q4 < q4fp32Emb, `${q4} vs ${q4fp32Emb}`);
    assert.ok(q4 <= fp32 / 6, `4-bit file ${q4} vs fp32 ${fp32} (${(fp32 / q4).toFixed(2)}x)`);
  });

  it('nibble-packed int8 constants unpack exactly, odd row counts included', async () => {
    for (const [rows, cols] of [
      [7, 5],
      [64, 3],
    ]) {
      const values = Int8Array.from({ length: rows * cols }, () => rng.int(16) - 8);
      const g = new Graph();
      g.output(ops.cast(unpackNibbles(g, values, rows, cols, 'w'), 'int32'), 'y');
      const y = (await (await createSession(serializeGraph(g), { threads: 1 })).run({})).y;
      assert.deepEqual([...y.dims], [rows, cols]);
      assert.deepEqual(Array.from(y.data as Int32Array), Array.from(values));
    }
  });

  it('int8 linear (DynamicQuantizeLinear + MatMulInteger) is within the activation-quantization bound of x @ dequantized W^T', async () => {
    const [m, k, n] = [4, 64, 8];
    const w = Float32Array.from({ length: n * k }, () => rng.normal() * 0.1);
    const x = Float32Array.from({ length: m * k }, () => rng.normal());
    const { codesT, scales } = int8Weights(w, n, k);
    const g = new Graph();
    const xi = g.input('x', 'float32', [m, k]);
    g.output(int8Linear(g, xi, w, g.constant(new Float32Array(n), 'float32', [n], 'bias'), 'w', n, k), 'y');
    const y = (await (await createSession(serializeGraph(g), { threads: 1 })).run({ x: ortTensor('float32', x, [m, k]) })).y.data as Float32Array;
    // Activations become uint8 over [min(x, 0), max(x, 0)]: each is off by at most half a step.
    const step = (Math.max(0, ...x) - Math.min(0, ...x)) / 255;
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        let ref = 0;
        let bound = 1e-5;
        for (let i = 0; i < k; i++) {
          const wq = codesT[i * n + c] * scales[c];
          ref += x[r * k + i] * wq;
          bound += (Math.abs(wq) * step) / 2;
        }
        assert.ok(Math.abs(y[r * n + c] - ref) <= bound, `row ${r} col ${c}: ${y[r * n + c]} vs ${ref} (bound ${bound})`);
      }
    }
  });

  it('int8 export runs end to end and keeps the logits in the fp32 ballpark', async () => {
    const ref = await trainingLogits(weights);
    const got = await exportedLogits({ kind: 'int8' }, weights);
    // A loose sanity bound on this deliberately perturbed random model; accuracy is measured on real tasks.
    assert.ok(maxDiff(ref, got) < 0.2 * maxAbs(ref), `max diff ${maxDiff(ref, got)} of max |logit| ${maxAbs(ref)}`);
  });

  /** The weights an N:M or binary-coded export computes with: `each` applied to every linear weight (prunable or not), embeddings optionally too. */
  function transformed(each: (name: string, w: Float32Array, rows: number, cols: number) => Float32Array, embeddings = false): Map<string, Float32Array> {
    const out = new Map(weights);
    for (const s of specs) {
      const isEmbedding = s.name.includes('embeddings');
      if (s.shape.length === 2 && (!isEmbedding || embeddings)) out.set(s.name, each(s.name, weights.get(s.name)!, s.shape[0], s.shape[1]));
    }
    return out;
  }
  const pruned24 = (name: string, w: Float32Array, rows: number, cols: number) => {
    if (!isPrunableWeight(name)) return w;
    const mask = nmMask(w, rows, cols, 2, 4);
    return w.map((v, i) => (mask[i] ? v : 0));
  };

  it('N:M export with fp32 values computes with the 2:4-pruned encoder weights', async () => {
    const ref = await trainingLogits(transformed(pruned24));
    const got = await exportedLogits({ kind: 'nm', n: 2, m: 4, values: null }, weights);
    assert.ok(maxDiff(ref, got) < 1e-4, `max diff ${maxDiff(ref, got)}`);
    assert.ok(maxDiff(await trainingLogits(weights), got) > 1e-3, '2:4 pruning should change the logits');
  });

  it('N:M export with 4-bit values runs the pruned, per-channel quantized weights on int8 kernels', async () => {
    const scheme = { bits: 4, symmetric: true, granularity: { kind: 'channel' as const } };
    const ref = await trainingLogits(transformed((name, w, rows, cols) => fakeQuantize(pruned24(name, w, rows, cols), [rows, cols], scheme)));
    const got = await exportedLogits({ kind: 'nm', n: 2, m: 4, values: 4 }, weights);
    const tolerance = 0.02 * maxAbs(ref); // activations are quantized to uint8 per call
    assert.ok(maxDiff(ref, got) < tolerance, `max diff ${maxDiff(ref, got)}, tolerance ${tolerance}`);
  });

  it('a searched N:M file stores each matrix as chosen (sparse or dense, its own bits) and the head as int8', async () => {
    const names = prunableWeights(model);
    const options = names.map((_, i) => SEARCH_OPTIONS[(3 * i + 1) % SEARCH_OPTIONS.length]);
    const perWeight = Object.fromEntries(names.map((n, i) => [n, { sparse: options[i].pattern !== null, bits: options[i].bits }]));
    const ref = await trainingLogits(
      transformed((name, w, rows, cols) => {
        const i = names.indexOf(name);
        return i >= 0 ? compressedWeight(w, rows, cols, options[i]) : fakeQuantize(w, [rows, cols], { bits: 7, symmetric: true, granularity: { kind: 'channel' } });
      }),
    );
    const got = await exportedLogits({ kind: 'nm', n: 2, m: 4, values: 'int8', perWeight }, weights);
    const tolerance = 0.02 * maxAbs(ref); // activations are quantized to uint8 per call
    assert.ok(maxDiff(ref, got) < tolerance, `max diff ${maxDiff(ref, got)}, tolerance ${tolerance}`);
  });

  it('binary-coded export (3 planes, groups of 32, embeddings too) computes with its decoded weights', async () => {
    const ref = await trainingLogits(transformed((_, w, rows, cols) => bcqDecode(bcqEncode(w, rows, cols, { q: 3, block: 32 })), true));
    const got = await exportedLogits({ kind: 'bcq', q: 3, block: 32 }, weights, batch, true);
    assert.ok(maxDiff(ref, got) < 1e-4, `max diff ${maxDiff(ref, got)}`);
  });

  it('N:M files store the kept values and a 1-bit mask: 2:4 saves half the encoder weights less 1/32', () => {
    const big = validateModelConfig({ vocab_size: 512, max_len: 32, d_model: 128, n_layers: 2, n_heads: 2, d_ff: 512 }, 'test');
    const bigParams = new Map(initParams(classifierParamSpecs(big, 4), big, 2).map((p) => [p.spec.name, p.data]));
    const size = (f: WeightFormat) => serializeGraph(buildClassifierExport({ model: big, numLabels: 4, params: bigParams, format: f, quantizeEmbeddings: false })).length;
    const prunable = prunableWeights(big).reduce((n, name) => n + bigParams.get(name)!.length, 0);
    const saved = size({ kind: 'fp32' }) - size({ kind: 'nm', n: 2, m: 4, values: null });
    const expected = 4 * prunable - (2 * prunable + prunable / 8);
    // Less the decoding ops' own bytes in the graph (a few kB per matrix, whatever its size).
    const decoders = prunableWeights(big).length * 4096;
    assert.ok(saved <= expected && saved > expected - decoders, `saved ${saved} bytes, expected ${expected} less at most ${decoders}`);
  });

  it('bit-packed codes unpack exactly at 1, 2 and 4 bits, partial last bytes included', async () => {
    for (const container of [1, 2, 4] as const) {
      const count = 37;
      const codes = Array.from({ length: count }, () => rng.int(1 << container));
      const g = new Graph();
      g.output(ops.cast(unpackBits(g, codes, count, container, 'c'), 'int32'), 'y');
      const y = (await (await createSession(serializeGraph(g), { threads: 1 })).run({})).y;
      assert.deepEqual(Array.from(y.data as Int32Array), codes, `container ${container}`);
    }
  });
});
