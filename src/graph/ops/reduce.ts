/** Reductions (ReduceSum-13, ReduceMean-18, axes passed as an int64 input) and ArgMax-13. */
import { normalizeAxis, type Dim } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { FLOATS, int64s, requireDtype } from './util.ts';

export interface ReduceOptions {
  keepdims?: boolean;
}

function reduce(op: string, x: Tensor, axes: readonly number[], { keepdims = false }: ReduceOptions): Tensor {
  requireDtype(op, x, FLOATS);
  const norm = [...new Set(axes.map((a) => normalizeAxis(a, x.rank, op, x.shape)))].sort((a, b) => a - b);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!norm.includes(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  if (norm.length === 0) return x;
  const axesT = int64s(x.graph, norm, 'axes');
  return x.graph.addNode(op, [x, axesT], { keepdims: keepdims ? 1 : 0 }, [{ dtype: x.dtype, shape }])[0];
}

/** Sum over `axes` (all axes when omitted). */
export function reduceSum(x: Tensor, axes?: readonly number[], options: ReduceOptions = {}): Tensor {
  return reduce('ReduceSum', x, axes ?? x.shape.map((_, i) => i), options);
}

/** Mean over `axes` (all axes when omitted). */
export function reduceMean(x: Tensor, axes?: readonly number[], options: ReduceOptions = {}): Tensor {
  return reduce('ReduceMean', x, axes ?? x.shape.map((_, i) => i), options);
}

/** Index of the largest value along `axis` (ArgMax-13, the first on ties), int64; keepdims keeps the axis as size 1. */
export function argMax(x: Tensor, axis: number, { keepdims = false }: ReduceOptions = {}): Tensor {
  requireDtype('ArgMax', x, FLOATS);
  const ax = normalizeAxis(axis, x.rank, 'ArgMax', x.shape);
  const shape: Dim[] = x.shape.flatMap((d, i) => (i !== ax ? [d] : keepdims ? [1] : []));
  return x.graph.addNode('ArgMax', [x], { axis: ax, keepdims: keepdims ? 1 : 0 }, [{ dtype: 'int64', shape }])[0];
}
