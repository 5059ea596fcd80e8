import { describe, it } from 'node:test';
import { ops, type Tensor } from '../../src/graph/index.ts';
import { gradcheck, type Domain } from '../helpers/gradcheck.ts';

// Shared broadcast matrix for binary ops: same shape, scalar either side, trailing 1-D, rank extension.
const BROADCASTS: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[2, 3], []],
  [[], [2, 3]],
  [[2, 3], [3]],
  [[2, 1, 3], [4, 1]],
];

const binary: [string, (a: Tensor, b: Tensor) => Tensor, Domain, Domain][] = [
  ['Add', ops.add, 'normal', 'normal'],
  ['Sub', ops.sub, 'normal', 'normal'],
  ['Mul', ops.mul, 'normal', 'normal'],
  ['Div', ops.div, 'normal', 'awayFromZero'],
  ['Pow', ops.pow, 'positive', 'normal'],
  ['Max', ops.max, 'normal', 'normal'],
  ['Min', ops.min, 'normal', 'normal'],
];

describe('elementwise gradients', () => {
  for (const [name, op, da, db] of binary) {
    for (const [sa, sb] of BROADCASTS) {
      it(`${name} [${sa}] x [${sb}]`, () =>
        gradcheck({
          name: `${name} [${sa}] x [${sb}]`,
          inputs: [{ shape: sa, domain: da }, { shape: sb, domain: db }],
          build: (_, [a, b]) => op(a, b),
        }));
    }
  }

  const unary: [string, (x: Tensor) => Tensor, Domain][] = [
    ['Neg', ops.neg, 'normal'],
    ['Sqrt', ops.sqrt, 'positive'],
    ['Exp', ops.exp, 'normal'],
    ['Log', ops.log, 'positive'],
    ['Tanh', ops.tanh, 'normal'],
    ['Reciprocal', ops.reciprocal, 'awayFromZero'],
    ['Abs', ops.abs, 'awayFromZero'],
    ['Relu', ops.relu, 'awayFromZero'],
    ['Sin', ops.sin, 'normal'],
    ['Cos', ops.cos, 'normal'],
    // Sign is flat away from 0: the check confirms the gradient is exactly zero there.
    ['Sign', ops.sign, 'awayFromZero'],
    ['Identity', ops.identity, 'normal'],
    ['Cast', (x) => ops.cast(ops.cast(x, 'float32'), 'float64'), 'unit'],
  ];
  for (const [name, op, domain] of unary) {
    it(name, () =>
      gradcheck({
        name,
        inputs: [{ shape: [3, 4], domain }],
        build: (_, [x]) => op(x),
        // float64 -> float32 -> float64 loses precision: the tolerance reflects float32 rounding.
        ...(name === 'Cast' ? { step: 1e-3, rtol: 1e-4, atol: 1e-4 } : {}),
      }));
  }

  // onnxruntime's Erf kernel is float32-only: float32 with a step of 1e-2 (truncation error
  // ~1e-5 for this smooth function) and a tolerance of 2e-3, which a wrong rule misses by far.
  it('Erf (float32)', () =>
    gradcheck({ name: 'Erf', dtype: 'float32', inputs: [{ shape: [3, 4], domain: 'normal' }], build: (_, [x]) => ops.erf(x) }));

  it('Where with broadcast branches', () =>
    gradcheck({
      name: 'Where',
      inputs: [{ shape: [2, 3] }, { shape: [2, 3] }, { shape: [3] }],
      build: (_, [c, a, b]) => ops.where(ops.greater(c, ops.scalarLike(c, 0)), a, b),
      wrt: [1, 2],
    }));

  it('Sum of three with fan-out', () =>
    gradcheck({ name: 'Sum', inputs: [{ shape: [2, 3] }, { shape: [3] }], build: (_, [a, b]) => ops.sum([a, b, ops.mul(a, a)]) }));
});
