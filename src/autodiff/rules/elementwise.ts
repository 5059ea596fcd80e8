/** Gradient rules for elementwise ops. Broadcasting is undone by the walker. */
import * as ops from '../../graph/ops/index.ts';
import type { Tensor } from '../../graph/tensor.ts';
import { dy, input, NOT_DIFFERENTIABLE, type GradContext, type RuleEntry } from '../rule.ts';

const onlyIf = <T>(need: boolean, build: () => T): T | null => (need ? build() : null);

export const elementwiseRules: Record<string, RuleEntry> = {
  // d(a + b) = (dy, dy)
  Add: (c) => [onlyIf(c.needs[0], () => dy(c)), onlyIf(c.needs[1], () => dy(c))],
  // d(a - b) = (dy, -dy)
  Sub: (c) => [onlyIf(c.needs[0], () => dy(c)), onlyIf(c.needs[1], () => ops.neg(dy(c)))],
  // d(a * b) = (dy * b, dy * a)
  Mul: (c) => [
    onlyIf(c.needs[0], () => ops.mul(dy(c), input(c, 1))),
    onlyIf(c.needs[1], () => ops.mul(dy(c), input(c, 0))),
  ],
  // d(a / b) = (dy / b, -dy * y / b)
  Div: (c) => [
    onlyIf(c.needs[0], () => ops.div(dy(c), input(c, 1))),
    onlyIf(c.needs[1], () => ops.neg(ops.div(ops.mul(dy(c), c.outputs[0]), input(c, 1)))),
  ],
  // d(a ^ b) = (dy * b * a^(b-1), dy * y * ln a)
  Pow: (c) => {
    const [a, b] = [input(c, 0), input(c, 1)];
    return [
      onlyIf(c.needs[0], () => ops.mul(dy(c), ops.mul(b, ops.pow(a, ops.sub(b, 1))))),
      onlyIf(c.needs[1], () => ops.mul(dy(c), ops.mul(c.outputs[0], ops.log(a)))),
    ];
  },
  // y = max(a, b): the gradient goes to whichever input y equals (ties to a)
  Max: (c) => minMax(c),
  Min: (c) => minMax(c),
  Neg: (c) => [ops.neg(dy(c))],
  // d sqrt(x) = dy / (2 y)
  Sqrt: (c) => [ops.div(dy(c), ops.mul(c.outputs[0], 2))],
  // d exp(x) = dy * y
  Exp: (c) => [ops.mul(dy(c), c.outputs[0])],
  // d ln(x) = dy / x
  Log: (c) => [ops.div(dy(c), input(c, 0))],
  // d tanh(x) = dy * (1 - y^2)
  Tanh: (c) => [ops.mul(dy(c), ops.sub(ops.scalarLike(c.outputs[0], 1), ops.mul(c.outputs[0], c.outputs[0])))],
  // d erf(x) = dy * 2/sqrt(pi) * exp(-x^2)
  Erf: (c) => {
    const x = input(c, 0);
    return [ops.mul(dy(c), ops.mul(ops.exp(ops.neg(ops.mul(x, x))), 2 / Math.sqrt(Math.PI)))];
  },
  // d(1/x) = -dy * y^2
  Reciprocal: (c) => [ops.neg(ops.mul(dy(c), ops.mul(c.outputs[0], c.outputs[0])))],
  // d|x| = dy * sign(x)
  Abs: (c) => [ops.mul(dy(c), ops.sign(input(c, 0)))],
  // d relu(x) = dy * [x > 0], and x > 0 exactly where y > 0
  Relu: (c) => {
    const y = c.outputs[0];
    return [ops.where(ops.greater(y, ops.scalarLike(y, 0)), dy(c), ops.scalarLike(dy(c), 0))];
  },
  // d sin(x) = dy * cos(x)
  Sin: (c) => [ops.mul(dy(c), ops.cos(input(c, 0)))],
  // d cos(x) = -dy * sin(x)
  Cos: (c) => [ops.neg(ops.mul(dy(c), ops.sin(input(c, 0))))],
  Identity: (c) => [dy(c)],
  // Only float-to-float casts carry a gradient; cast it back to the input's dtype.
  Cast: (c) => [ops.cast(dy(c), input(c, 0).dtype)],
  // y = cond ? a : b  =>  (none, cond ? dy : 0, cond ? 0 : dy)
  Where: (c) => {
    const cond = input(c, 0);
    const zero = ops.scalarLike(dy(c), 0);
    return [
      null,
      onlyIf(c.needs[1], () => ops.where(cond, dy(c), zero)),
      onlyIf(c.needs[2], () => ops.where(cond, zero, dy(c))),
    ];
  },
  Sum: (c) => c.inputs.map((_, i) => onlyIf(c.needs[i], () => dy(c))),
  Equal: NOT_DIFFERENTIABLE,
  // Piecewise constant: zero almost everywhere; used for run-time sizes only.
  Ceil: NOT_DIFFERENTIABLE,
  Less: NOT_DIFFERENTIABLE,
  Greater: NOT_DIFFERENTIABLE,
  Not: NOT_DIFFERENTIABLE,
  // d sign(x) = 0 wherever it exists: nothing flows back (the walker gives x zeros)
  Sign: NOT_DIFFERENTIABLE,
  BitShift: NOT_DIFFERENTIABLE,
  BitwiseAnd: NOT_DIFFERENTIABLE,
};

function minMax(c: GradContext): (Tensor | null)[] {
  const [a, y] = [input(c, 0), c.outputs[0]];
  const takesA = ops.equal(y, a);
  const zero = ops.scalarLike(dy(c), 0);
  return [
    onlyIf(c.needs[0], () => ops.where(takesA, dy(c), zero)),
    onlyIf(c.needs[1], () => ops.where(takesA, zero, dy(c))),
  ];
}
