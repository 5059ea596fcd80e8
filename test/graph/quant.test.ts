import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph, MS_DOMAIN, ops, serializeGraph, type Tensor } from '../../src/graph/index.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';

/** Serializes the graph `build` makes from an input x (float32 [2, 3, 4]) and a uint8 table [2, 5]. */
function bytes(build: (g: Graph, x: Tensor, table: Tensor) => Tensor[]): Uint8Array {
  const g = new Graph('q');
  const x = g.input('x', 'float32', [2, 3, 4]);
  const table = g.input('table', 'uint8', [2, 5]);
  build(g, x, table).forEach((t, i) => g.output(t, `y${i}`));
  return serializeGraph(g);
}

const u8 = (g: Graph, v: number, name: string) => g.constant(new Uint8Array([v]), 'uint8', [], name);

describe('quantized and bitwise op builders', () => {
  it('emit the same nodes as hand-written addNode calls', () => {
    const raw = bytes((g, x, table) => {
      const [xq, xScale, xZero] = g.addNode('DynamicQuantizeLinear', [x], {}, [
        { dtype: 'uint8', shape: x.shape },
        { dtype: 'float32', shape: [] },
        { dtype: 'uint8', shape: [] },
      ]);
      const w = g.constant(new Int8Array(12), 'int8', [4, 3], 'w');
      const zp = g.constant(new Int8Array(3), 'int8', [3], 'zp');
      const acc = g.addNode('MatMulInteger', [xq, w, xZero], {}, [{ dtype: 'int32', shape: [2, 3, 3] }])[0];
      const acc2 = g.addNode('MatMulInteger', [xq, w, xZero, zp], {}, [{ dtype: 'int32', shape: [2, 3, 3] }])[0];
      const b = g.constant(new Uint8Array(3 * 1 * 16), 'uint8', [3, 1, 16], 'b');
      const scales = g.constant(new Float32Array(3), 'float32', [3], 'scales');
      const zeros = g.constant(new Uint8Array(3), 'uint8', [3], 'zeros');
      const nb = g.addNode('MatMulNBits', [x, b, scales, zeros], { K: 4, N: 3, bits: 4, block_size: 32 }, [{ dtype: 'float32', shape: [2, 3, 3] }], { domain: MS_DOMAIN })[0];
      const lo = g.addNode('BitwiseAnd', [table, u8(g, 15, 'mask')], {}, [{ dtype: 'uint8', shape: [2, 5] }])[0];
      const hi = g.addNode('BitShift', [table, u8(g, 4, 'shift')], { direction: 'RIGHT' }, [{ dtype: 'uint8', shape: [2, 5] }])[0];
      const gelu = g.addNode('Gelu', [x], {}, [{ dtype: 'float32', shape: x.shape }])[0];
      return [xScale, acc, acc2, nb, lo, hi, gelu];
    });
    const built = bytes((g, x, table) => {
      const q = ops.dynamicQuantizeLinear(x);
      const w = g.constant(new Int8Array(12), 'int8', [4, 3], 'w');
      const zp = g.constant(new Int8Array(3), 'int8', [3], 'zp');
      const acc = ops.matMulInteger(q.y, w, q.zeroPoint);
      const acc2 = ops.matMulInteger(q.y, w, q.zeroPoint, zp);
      const b = g.constant(new Uint8Array(3 * 1 * 16), 'uint8', [3, 1, 16], 'b');
      const scales = g.constant(new Float32Array(3), 'float32', [3], 'scales');
      const zeros = g.constant(new Uint8Array(3), 'uint8', [3], 'zeros');
      const nb = ops.matMulNBits(x, b, scales, zeros, { K: 4, N: 3, bits: 4, blockSize: 32 });
      const lo = ops.bitwiseAnd(table, u8(g, 15, 'mask'));
      const hi = ops.bitShift(table, u8(g, 4, 'shift'), 'RIGHT');
      return [q.scale, acc, acc2, nb, lo, hi, ops.gelu(x, { standard: true })];
    });
    assert.deepEqual(built, raw);
  });

  it('infer shapes and dtypes, and omit a missing first zero point with an empty input', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['batch', 7, 4]);
    const q = ops.dynamicQuantizeLinear(x);
    assert.deepEqual([q.y.dtype, q.y.shape, q.scale.shape, q.zeroPoint.dtype], ['uint8', ['batch', 7, 4], [], 'uint8']);
    const w = g.input('w', 'int8', [4, 6]);
    const acc = ops.matMulInteger(q.y, w, null, g.input('wz', 'int8', [6]));
    assert.deepEqual([acc.dtype, acc.shape], ['int32', ['batch', 7, 6]]);
    assert.deepEqual(g.nodes.at(-1)!.inputs, [q.y.name, 'w', '', 'wz']);
    assert.equal(ops.matMulInteger(q.y, w).graph.nodes.at(-1)!.inputs.length, 2);
  });

  it('name the op and shapes when inputs do not fit', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 4]);
    const b = g.input('b', 'uint8', [3, 2, 16]);
    const s = g.input('s', 'float32', [6]);
    const z = g.input('z', 'uint8', [3]);
    assert.throws(() => ops.matMulNBits(x, b, s, z, { K: 4, N: 3, bits: 4, blockSize: 32 }), /MatMulNBits: weights \[3, 2, 16\] must be \[3, 1, 16\]/);
    assert.throws(() => ops.bitwiseAnd(x, x), /BitwiseAnd: input x has dtype float32/);
    assert.throws(() => ops.matMulInteger(g.input('a', 'uint8', [2, 5]), g.input('w', 'int8', [4, 3])), /MatMulInteger: inner dimensions differ \(5 vs 4\)/);
  });

  it('run in onnxruntime: nibbles, logical not, and an integer product', async () => {
    const g = new Graph();
    const table = g.input('table', 'uint8', [3]);
    const x = g.input('x', 'float32', [1, 2]);
    g.output(ops.bitwiseAnd(table, u8(g, 15, 'mask')), 'lo');
    g.output(ops.bitShift(table, u8(g, 4, 'shift'), 'RIGHT'), 'hi');
    g.output(ops.not(ops.greater(x, ops.scalarLike(x, 0))), 'notPositive');
    const q = ops.dynamicQuantizeLinear(x);
    const w = g.constant(Int8Array.from([1, -1, 2, 3]), 'int8', [2, 2], 'w');
    g.output(ops.mul(ops.cast(ops.matMulInteger(q.y, w, q.zeroPoint), 'float32'), q.scale), 'y');
    const s = await createSession(serializeGraph(g), { threads: 1 });
    const out = await s.run({
      table: ortTensor('uint8', new Uint8Array([0x12, 0xab, 0xf0]), [3]),
      x: ortTensor('float32', new Float32Array([-1, 2]), [1, 2]),
    });
    assert.deepEqual(Array.from(out.lo.data as Uint8Array), [0x2, 0xb, 0x0]);
    assert.deepEqual(Array.from(out.hi.data as Uint8Array), [0x1, 0xa, 0xf]);
    assert.deepEqual(Array.from(out.notPositive.data as Uint8Array, Boolean), [true, false]);
    // x @ w = [-1 + 4, 1 + 6] = [3, 7], up to the uint8 step (3 / 255)
    const y = Array.from(out.y.data as Float32Array);
    assert.ok(Math.abs(y[0] - 3) < 0.05 && Math.abs(y[1] - 7) < 0.05, `got ${y}`);
  });
});
