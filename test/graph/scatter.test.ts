import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradients } from '../../src/autodiff/index.ts';
import { Graph, ops, serializeGraph } from '../../src/graph/index.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';

// An embedding gradient as training meets it: 4,096 token rows into a table of 1,000, with the
// frequent tokens repeated hundreds of times (here half the rows hit row 0).
const [vocab, width, tokens] = [1000, 64, 4096];
const ids = BigInt64Array.from({ length: tokens }, (_, i) => BigInt(i % 2 === 0 ? 0 : (i * 7919) % vocab));
const upstream = Float32Array.from({ length: tokens * width }, (_, i) => Math.sin(i) * 1e-2 + 1e-7 * i);

/** The serial sum every scatter-add must equal: row ids[i] of the table gets upstream row i. */
function serialSum(): Float32Array {
  const want = new Float32Array(vocab * width);
  for (let i = 0; i < tokens; i++) for (let j = 0; j < width; j++) want[Number(ids[i]) * width + j] += upstream[i * width + j];
  return want;
}

describe('scatter-add', () => {
  it('ScatterElements checks its shapes, and writes or accumulates along its axis', async () => {
    const bad = new Graph('bad');
    assert.throws(() => ops.scatterElements(bad.input('data', 'float32', [3, 2]), bad.input('i', 'int64', [2]), bad.input('u', 'float32', [2])), /must match, with the rank of \[3, 2\]/);
    const g = new Graph('se');
    const data = g.input('data', 'float32', [3, 2]);
    const idx = g.input('idx', 'int64', [2, 2]);
    const upd = g.input('upd', 'float32', [2, 2]);
    g.output(ops.scatterElements(data, idx, upd, 0, 'add'), 'sum');
    g.output(ops.scatterElements(data, g.input('cols', 'int64', [2, 2]), upd, 1), 'set');
    const s = await createSession(serializeGraph(g), { threads: 1 });
    const out = await s.run({ data: ortTensor('float32', new Float32Array(6).fill(1), [3, 2]), idx: ortTensor('int64', BigInt64Array.from([2n, 0n, 2n, 1n]), [2, 2]), upd: ortTensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2]), cols: ortTensor('int64', BigInt64Array.from([1n, 0n, 0n, 1n]), [2, 2]) });
    assert.deepEqual(Array.from(out.sum.data as Float32Array), [1, 3, 1, 5, 5, 1]);
    assert.deepEqual(Array.from(out.set.data as Float32Array), [2, 1, 3, 4, 1, 1]);
  });

  it("Gather's gradient at 2 threads equals the serial sum exactly, every time, with heavily repeated indices", async () => {
    const g = new Graph('embedding');
    const table = g.input('table', 'float32', [vocab, width]);
    const idx = g.input('ids', 'int64', [tokens]);
    const dy = g.input('dy', 'float32', [tokens, width]);
    const loss = ops.reduceSum(ops.mul(ops.gather(table, idx), dy), [0, 1], { keepdims: false });
    g.output(gradients(loss, [table])[0], 'grad');
    const s = await createSession(serializeGraph(g), { threads: 2 });
    const want = serialSum();
    const feeds = { table: ortTensor('float32', new Float32Array(vocab * width), [vocab, width]), ids: ortTensor('int64', ids, [tokens]), dy: ortTensor('float32', upstream, [tokens, width]) };
    for (let run = 0; run < 30; run++) {
      const got = (await s.run(feeds)).grad.data as Float32Array;
      const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
      assert.equal(worst, 0, `run ${run}: off the serial sum by ${worst}`);
    }
  });
});
