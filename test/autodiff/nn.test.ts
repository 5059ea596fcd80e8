import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph, ops, serializeGraph } from '../../src/graph/index.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { gradcheck } from '../helpers/gradcheck.ts';

describe('nn gradients', () => {
  for (const axis of [-1, 1]) {
    it(`Softmax axis ${axis}`, () => gradcheck({ name: 'Softmax', inputs: [{ shape: [2, 3, 5] }], build: (_, [x]) => ops.softmax(x, axis) }));
    it(`LogSoftmax axis ${axis}`, () => gradcheck({ name: 'LogSoftmax', inputs: [{ shape: [2, 3, 5] }], build: (_, [x]) => ops.logSoftmax(x, axis) }));
  }
  it('LayerNormalization (x, scale, bias)', () =>
    gradcheck({
      name: 'LayerNormalization',
      inputs: [{ shape: [2, 3, 5] }, { shape: [5] }, { shape: [5] }],
      build: (_, [x, s, b]) => ops.layerNorm(x, s, b, 1e-5).y,
    }));
  // Gelu decomposes to Erf in onnxruntime, which is float32-only (see Erf).
  it('Gelu (float32)', () => gradcheck({ name: 'Gelu', dtype: 'float32', inputs: [{ shape: [4, 5] }], build: (_, [x]) => ops.gelu(x) }));
  it('standard Gelu-20 (float32)', () =>
    gradcheck({ name: 'Gelu-20', dtype: 'float32', inputs: [{ shape: [4, 5] }], build: (_, [x]) => ops.gelu(x, { standard: true }) }));
  it('gelu emits com.microsoft Gelu for float32 unless asked for the standard op', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2]);
    ops.gelu(x);
    ops.gelu(x, { standard: true });
    ops.gelu(g.input('x64', 'float64', [2]));
    assert.deepEqual(g.nodes.map((n) => [n.op, n.domain]), [['Gelu', 'com.microsoft'], ['Gelu', ''], ['Gelu', '']]);
  });

  it('Softmax rows sum to 1 and match a hand-computed vector', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [1, 3]);
    g.output(ops.softmax(x), 'y');
    const s = await createSession(serializeGraph(g), { threads: 1 });
    const y = (await s.run({ x: ortTensor('float32', new Float32Array([1, 2, 3]), [1, 3]) })).y.data as Float32Array;
    const e = [1, 2, 3].map((v) => Math.exp(v));
    const z = e[0] + e[1] + e[2];
    e.forEach((v, i) => assert.ok(Math.abs(y[i] - v / z) < 1e-6));
  });

  it('LogSoftmax stays finite where softmax underflows to 0', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [1, 2]);
    g.output(ops.logSoftmax(x), 'y');
    const s = await createSession(serializeGraph(g), { threads: 1 });
    const y = (await s.run({ x: ortTensor('float32', new Float32Array([0, 200]), [1, 2]) })).y.data as Float32Array;
    assert.ok(Math.abs(y[0] + 200) < 1e-3 && Math.abs(y[1]) < 1e-6, `got ${[...y]}`);
  });
});
