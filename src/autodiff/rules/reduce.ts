/** Gradient rules for reductions: spread dy back over the reduced axes. */
import type { Graph } from '../../graph/graph.ts';
import * as ops from '../../graph/ops/index.ts';
import { staticNumel } from '../../graph/shape.ts';
import type { Tensor } from '../../graph/tensor.ts';
import { dy, input, intAttr, NOT_DIFFERENTIABLE, type GradContext, type RuleEntry } from '../rule.ts';

/** Reads the constant axes input of a Reduce node. */
function reducedAxes(c: GradContext): number[] {
  const x = input(c, 0);
  const axesName = c.node.inputs[1];
  if (!axesName) return x.shape.map((_, i) => i);
  const init = constantValues(c.g, axesName);
  return init.map((a) => (a < 0 ? a + x.rank : a));
}

export function constantValues(g: Graph, name: string): number[] {
  const init = g.initializers.find((i) => i.tensor.name === name);
  if (!init) throw new Error(`gradient: ${name} must be a constant to differentiate through it`);
  return Array.from(init.data as ArrayLike<number | bigint>, Number);
}

/** dy with the reduced axes restored as size-1 axes, then broadcast to x's shape. */
function spread(c: GradContext): Tensor {
  const x = input(c, 0);
  const axes = reducedAxes(c);
  const keepShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const g = intAttr(c, 'keepdims', 1) ? dy(c) : ops.reshape(dy(c), keepShape.map((d) => staticDim(d)));
  return ops.expand(g, x.shape.map((d) => staticDim(d)));
}

function staticDim(d: number | string): number {
  if (typeof d !== 'number') throw new Error(`gradient of a reduction needs static shapes, found dimension ${d}`);
  return d;
}

export const reduceRules: Record<string, RuleEntry> = {
  // d sum(x) = broadcast(dy)
  ReduceSum: (c) => [spread(c), null],
  // d mean(x) = broadcast(dy) / n
  ReduceMean: (c) => {
    const x = input(c, 0);
    const n = reducedAxes(c).reduce((acc, a) => acc * staticNumel([x.shape[a]], 'ReduceMean gradient'), 1);
    return [ops.div(spread(c), n), null];
  },
  // An index: routing decisions carry no gradient (the router learns through the gate's probability).
  ArgMax: NOT_DIFFERENTIABLE,
};
