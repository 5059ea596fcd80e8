import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConstantWeights } from '../../src/export/constant_weights.ts';
import { Graph, serializeGraph } from '../../src/graph/index.ts';
import { cmowEncode, cmowInputs, CmowConfigSchema, initCmow, parseCmowName, type CmowConfig } from '../../src/nn/cmow.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';

const c: CmowConfig = CmowConfigSchema.parse({ arch: 'cmow-cbow', vocab_size: 30, max_len: 8, matrix_dim: 3, cbow_dim: 4, init_std: 0.4 });
const params = new Map(initCmow(c, 5, 3).map((p) => [p.spec.name, p.data]));

/** m x m row-major product a @ b. */
function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) for (let k = 0; k < m; k++) out[i * m + j] += a[i * m + k] * b[k * m + j];
  return out;
}

/** The representation by the definition: products in order and reversed over the real tokens, layer-normalized together, then the mean vector. */
function reference(ids: number[]): number[] {
  const m = c.matrix_dim;
  const matrix = (id: number) => Float64Array.from(params.get('cmow.matrices')!.subarray(id * m * m, (id + 1) * m * m));
  const identity = Float64Array.from({ length: m * m }, (_, i) => (i % (m + 1) === 0 ? 1 : 0));
  const fwd = ids.reduce<Float64Array>((acc, id) => matmul(acc, matrix(id), m), identity);
  const bwd = ids.reduceRight<Float64Array>((acc, id) => matmul(acc, matrix(id), m), identity);
  const both = [...fwd, ...bwd];
  const mean = both.reduce((a, b) => a + b, 0) / both.length;
  const sd = Math.sqrt(both.reduce((a, b) => a + (b - mean) ** 2, 0) / both.length + 1e-5);
  const cbow = Array.from({ length: c.cbow_dim }, (_, k) => ids.reduce((s, id) => s + params.get('cbow.embeddings')![id * c.cbow_dim + k], 0) / ids.length);
  return [...both.map((v) => (v - mean) / sd), ...cbow];
}

describe('CMOW/CBOW hybrid', () => {
  it('encodes a sequence as the ordered product of its matrices (both directions) and the mean of its vectors; padding changes nothing', async () => {
    const g = new Graph();
    const { ids, mask } = cmowInputs(g, c, 'batch');
    g.output(cmowEncode(ids, mask, c, new ConstantWeights(g, params)), 'rep');
    const session = await createSession(serializeGraph(g), { threads: 1 });
    const rows = [
      [3, 7, 11, 2, 9],
      [5, 1, 8, 8, 4, 12, 20, 6],
    ];
    const idData = new BigInt64Array(2 * 8);
    const maskData = new BigInt64Array(2 * 8);
    rows.forEach((r, b) => r.forEach((id, t) => ((idData[b * 8 + t] = BigInt(id)), (maskData[b * 8 + t] = 1n))));
    idData.fill(25n, 5, 8); // padding ids whose matrices are not the identity: the mask must override them
    const rep = (await session.run({ input_ids: ortTensor('int64', idData, [2, 8]), attention_mask: ortTensor('int64', maskData, [2, 8]) })).rep.data as Float32Array;
    const width = 2 * 9 + 4;
    rows.forEach((r, b) => {
      const want = reference(r);
      want.forEach((v, i) => assert.ok(Math.abs(rep[b * width + i] - v) < 1e-4, `row ${b} feature ${i}: ${rep[b * width + i]} vs ${v}`));
    });
  });

  it('reads student names and refuses a sequence length that is not a power of two', () => {
    assert.deepEqual(parseCmowName('cmow'), {});
    assert.deepEqual(parseCmowName('cmow-M20-C400'), { matrix_dim: 20, cbow_dim: 400 });
    assert.equal(parseCmowName('L2-H128'), null);
    assert.throws(() => CmowConfigSchema.parse({ arch: 'cmow-cbow', vocab_size: 30, max_len: 100 }), /power of two/);
  });
});
