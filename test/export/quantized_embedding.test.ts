import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCmowExport } from '../../src/export/cmow_graph.ts';
import { embeddingBlock } from '../../src/export/quantized_embedding.ts';
import type { WeightFormat } from '../../src/export/weight_format.ts';
import { serializeGraph } from '../../src/graph/index.ts';
import { CmowConfigSchema, initCmow } from '../../src/nn/cmow.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';

// Tables of 9 and 20 columns: neither a whole number of 32-wide blocks, as in small CMOW students.
const c = CmowConfigSchema.parse({ arch: 'cmow-cbow', vocab_size: 2000, max_len: 8, matrix_dim: 3, cbow_dim: 20, init_std: 0.4 });
const params = new Map(initCmow(c, 6, 11).map((p) => [p.spec.name, p.data]));

async function embed(format: WeightFormat): Promise<{ bytes: number; out: Float32Array }> {
  const bytes = serializeGraph(buildCmowExport(c, 6, params, format, true));
  const session = await createSession(bytes, { threads: 1 });
  const ids = BigInt64Array.from({ length: 16 }, (_, i) => BigInt(7 + ((i * 137) % 1990)));
  const mask = new BigInt64Array(16).fill(1n);
  const out = (await session.run({ input_ids: ortTensor('int64', ids, [2, 8]), attention_mask: ortTensor('int64', mask, [2, 8]) })).logits.data as Float32Array;
  await session.release();
  return { bytes: bytes.length, out };
}

describe('quantized embedding tables', () => {
  it('stores a table whose rows are not whole blocks with one scale per row, and one whose codes do not fill bytes in fp32', () => {
    assert.equal(embeddingBlock(64, 8, 32), 32);
    assert.equal(embeddingBlock(16, 8, 32), 'channel');
    assert.equal(embeddingBlock(48, 4, 32), 'channel');
    assert.equal(embeddingBlock(9, 8, 'channel'), 'channel');
    assert.equal(embeddingBlock(9, 4, 32), null);
    assert.equal(embeddingBlock(18, 2, 32), null);
  });

  it('an int8 CMOW file of narrow tables is well under half the fp32 file (per-row scales included) and computes nearly the same embedding', async () => {
    const [fp32, int8] = [await embed({ kind: 'fp32' }), await embed({ kind: 'int8' })];
    assert.ok(int8.bytes < 0.4 * fp32.bytes, `int8 ${int8.bytes} bytes vs fp32 ${fp32.bytes}`);
    const scale = Math.max(...fp32.out.map(Math.abs));
    fp32.out.forEach((v, i) => assert.ok(Math.abs(int8.out[i] - v) < 0.05 * scale, `output ${i}: ${int8.out[i]} vs ${v}`));
  });
});
