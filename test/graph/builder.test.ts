import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph, ops, serializeGraph } from '../../src/graph/index.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';

describe('graph builder shape inference', () => {
  const g = new Graph();
  const a = g.input('a', 'float32', [2, 3]);
  const b = g.input('b', 'float32', [4, 5]);

  it('names the op and both shapes when a matmul does not fit', () => {
    assert.throws(() => ops.matmul(a, b), /MatMul: inner dimensions differ \(3 vs 4\) .*\[2, 3\] and \[4, 5\]/);
  });
  it('rejects shapes that do not broadcast', () => {
    assert.throws(() => ops.add(a, b), /Add: shapes \[2, 3\] \(a\) and \[4, 5\] \(b\) do not broadcast/);
  });
  it('rejects bad axes and impossible reshapes', () => {
    assert.throws(() => ops.softmax(a, 2), /Softmax: axis 2 is out of range for shape \[2, 3\]/);
    assert.throws(() => ops.reshape(a, [4, -1]), /Reshape: cannot reshape \[2, 3\]/);
    assert.throws(() => ops.transpose(a, [0, 0]), /Transpose: perm \[0, 0\]/);
  });
  it('infers broadcast, reduce, gather, gemm and symbolic shapes', () => {
    assert.deepEqual(ops.add(a, g.input('c', 'float32', [3])).shape, [2, 3]);
    assert.deepEqual(ops.reduceSum(a, [1], { keepdims: true }).shape, [2, 1]);
    const table = g.input('table', 'float32', [10, 4]);
    const idx = g.input('idx', 'int64', ['batch', 'seq']);
    const e = ops.gather(table, idx);
    assert.deepEqual(e.shape, ['batch', 'seq', 4]);
    assert.deepEqual(ops.reshape(e, [0, 0, 2, 2]).shape, ['batch', 'seq', 2, 2]);
    assert.deepEqual(ops.gemm(a, g.input('w', 'float32', [7, 3]), null, { transB: true }).shape, [2, 7]);
  });
  it('ArgMax, Ceil, and Reshape and Expand to run-time shapes run as their shapes say', async () => {
    const h = new Graph();
    const x = h.input('x', 'float32', ['n', 3]);
    const top = ops.argMax(x, 1, { keepdims: true });
    assert.deepEqual([top.dtype, top.shape], ['int64', ['n', 1]]);
    h.output(top, 'top');
    h.output(ops.ceil(x), 'up');
    const flat = ops.reshape(x, [-1]);
    h.output(ops.reshapeTo(flat, ops.shapeOf(x), x.shape), 'back');
    const filled = ops.expandTo(ops.scalar(h, 7, 'float32'), ops.shapeOf(x, 0, 1), ['n']);
    assert.deepEqual(filled.shape, ['n']);
    h.output(filled, 'sevens');
    assert.throws(() => ops.reshapeTo(flat, ops.shapeOf(x), ['n']), /run-time shape \[2\] must be a vector of 1 sizes/);
    const s = await createSession(serializeGraph(h), { threads: 1 });
    const data = new Float32Array([0.5, -2, 1.5, 3, 3, -1]);
    const out = await s.run({ x: ortTensor('float32', data, [2, 3]) });
    assert.deepEqual(Array.from(out.top.data as BigInt64Array), [2n, 0n]); // the first of equal maxima
    assert.deepEqual(Array.from(out.up.data as Float32Array), [1, -2, 2, 3, 3, -1]);
    assert.deepEqual(out.back.dims, [2, 3]);
    assert.deepEqual(Array.from(out.sevens.data as Float32Array), [7, 7]);
  });
  it('serializes a graph that onnxruntime runs', async () => {
    const h = new Graph();
    const x = h.input('x', 'float32', ['n', 2]);
    h.output(ops.mul(ops.add(x, 1), 2), 'y');
    const s = await createSession(serializeGraph(h), { threads: 1 });
    const y = await s.run({ x: ortTensor('float32', new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]) });
    assert.deepEqual(Array.from(y.y.data as Float32Array), [4, 6, 8, 10, 12, 14]);
  });

  it('reads dynamic dimensions at run time, a zero-length one included', async () => {
    const h = new Graph();
    const past = h.input('past', 'float32', ['batch', 2, 'past', 4]);
    h.output(ops.shapeOf(past, 2, 3), 'length');
    h.output(ops.shapeOf(past), 'all');
    assert.throws(() => ops.shapeOf(past, 3, 2), /Shape: dimensions \[3:2\] .* are empty or out of range/);
    const s = await createSession(serializeGraph(h), { threads: 1 });
    for (const p of [0, 5]) {
      const out = await s.run({ past: ortTensor('float32', new Float32Array(3 * 2 * p * 4), [3, 2, p, 4]) });
      assert.deepEqual(Array.from(out.length.data as BigInt64Array), [BigInt(p)]);
      assert.deepEqual(Array.from(out.all.data as BigInt64Array), [3n, 2n, BigInt(p), 4n]);
    }
  });
});
