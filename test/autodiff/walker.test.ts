import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gradients, RULES } from '../../src/autodiff/index.ts';
import { withRule } from '../../src/autodiff/testing.ts';
import { Graph, ops, serializeGraph } from '../../src/graph/index.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { gradcheck } from '../helpers/gradcheck.ts';

describe('autodiff walker', () => {
  it('a deliberately wrong rule fails its gradient check', async () => {
    const wrongMul = RULES.get('Mul')!;
    assert.equal(typeof wrongMul, 'function');
    // d(a * b)/da wrongly taken as dy * a instead of dy * b.
    await withRule('Mul', (c) => [ops.mul(c.dys[0]!, c.inputs[0]!), ops.mul(c.dys[0]!, c.inputs[0]!)], async () => {
      await assert.rejects(
        gradcheck({ name: 'wrong Mul', inputs: [{ shape: [2, 3] }, { shape: [2, 3] }], build: (_, [a, b]) => ops.mul(a, b) }),
        /analytic .* vs numeric/,
      );
    });
    // A Softmax rule missing its "- sum(dy * y)" term is caught too.
    await withRule('Softmax', (c) => [ops.mul(c.outputs[0], c.dys[0]!)], async () => {
      await assert.rejects(
        gradcheck({ name: 'wrong Softmax', inputs: [{ shape: [2, 4] }], build: (_, [x]) => ops.softmax(x) }),
        /analytic .* vs numeric/,
      );
    });
  });

  it('sums fan-out, gives zeros to unused inputs, and names gradient nodes after their op', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [3]);
    const unused = g.input('unused', 'float64', [2]);
    const y = ops.reduceSum(ops.add(ops.mul(x, x), x)); // dy/dx = 2x + 1
    const [dx, du] = gradients(y, [x, unused]);
    g.output(dx, 'dx');
    g.output(du, 'du');
    assert.ok(g.nodes.some((n) => n.name.startsWith('Mul_grad/')));
    assert.ok(g.nodes.some((n) => n.op === 'Sum' && n.name.startsWith('x_grad')));
    const s = await createSession(serializeGraph(g), { threads: 1 });
    const out = await s.run({ x: ortTensor('float64', new Float64Array([1, -2, 3]), [3]), unused: ortTensor('float64', new Float64Array(2), [2]) });
    assert.deepEqual(Array.from(out.dx.data as Float64Array), [3, -3, 7]);
    assert.deepEqual(Array.from(out.du.data as Float64Array), [0, 0]);
  });

  it('gives the gradient of a computed wrt tensor and still carries it on to the inputs', async () => {
    const g = new Graph();
    const w = g.input('w', 'float64', [3]);
    const mask = g.input('mask', 'float64', [3]);
    const effective = ops.mul(w, mask);
    const y = ops.reduceSum(ops.mul(effective, effective)); // dy/d(effective) = 2 w mask, dy/dw = 2 w mask^2
    const [dw, de] = gradients(y, [w, effective]);
    g.output(dw, 'dw');
    g.output(de, 'de');
    const s = await createSession(serializeGraph(g), { threads: 1 });
    const out = await s.run({ w: ortTensor('float64', new Float64Array([1, -2, 3]), [3]), mask: ortTensor('float64', new Float64Array([1, 0, 2]), [3]) });
    assert.deepEqual(Array.from(out.de.data as Float64Array, (v) => v + 0), [2, 0, 12]);
    assert.deepEqual(Array.from(out.dw.data as Float64Array, (v) => v + 0), [2, 0, 24]);
  });

  it('names the op when no rule exists', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [3]);
    const [y] = g.addNode('Celu', [x], {}, [{ dtype: 'float32', shape: [3] }]);
    assert.throws(() => gradients(ops.reduceSum(y), [x]), /no gradient rule for Celu \(node Celu\)/);
  });

  it('every op a builder emits has a rule or an explicit not-differentiable marker', () => {
    const dir = new URL('../../src/graph/ops/', import.meta.url);
    const emitted = new Set<string>();
    for (const file of readdirSync(dir)) {
      const src = readFileSync(new URL(file, dir), 'utf8');
      // The statement's text says the domain: MS_DOMAIN alone, or a variable that may be either.
      for (const m of src.matchAll(/(?:addNode|binary|unary|reduce)\('(\w+)'([^;]*)/g)) {
        const [, op, rest] = m;
        if (!rest.includes('domain: MS_DOMAIN')) emitted.add(op);
        if (rest.includes('domain')) emitted.add(`com.microsoft:${op}`);
      }
    }
    assert.ok(emitted.size > 30, `found only ${emitted.size} ops`);
    const missing = [...emitted].filter((op) => !RULES.has(op));
    assert.deepEqual(missing, []);
  });
});
