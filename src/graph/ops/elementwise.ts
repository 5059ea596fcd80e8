/** Elementwise ops (ONNX opset 21): binary ops broadcast numpy-style. */
import { ONNX_DTYPE, type DType } from '../dtype.ts';
import type { AttrValue } from '../graph.ts';
import type { Shape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { broadcastOrThrow, FLOATS, NUMERIC, requireDtype, requireSameDtype, requireSameGraph, scalarLike } from './util.ts';

function binary(op: string, a: Tensor, b: Tensor, attrs: Record<string, AttrValue> = {}, outDtype?: DType): Tensor {
  const g = requireSameGraph(op, a, b);
  requireSameDtype(op, a, b);
  const shape = broadcastOrThrow(op, a, b);
  return g.addNode(op, [a, b], attrs, [{ dtype: outDtype ?? a.dtype, shape }])[0];
}

function unary(op: string, x: Tensor, allowed: readonly DType[] = FLOATS): Tensor {
  requireDtype(op, x, allowed);
  return x.graph.addNode(op, [x], {}, [{ dtype: x.dtype, shape: x.shape }])[0];
}

/** a + b (Add-14). A number operand becomes a scalar constant of the other's dtype. */
export const add = (a: Tensor, b: Tensor | number): Tensor => binary('Add', a, typeof b === 'number' ? scalarLike(a, b) : b);
/** a - b (Sub-14). */
export const sub = (a: Tensor, b: Tensor | number): Tensor => binary('Sub', a, typeof b === 'number' ? scalarLike(a, b) : b);
/** a * b (Mul-14). */
export const mul = (a: Tensor, b: Tensor | number): Tensor => binary('Mul', a, typeof b === 'number' ? scalarLike(a, b) : b);
/** a / b (Div-14). */
export const div = (a: Tensor, b: Tensor | number): Tensor => binary('Div', a, typeof b === 'number' ? scalarLike(a, b) : b);
/** a ^ b (Pow-15). */
export const pow = (a: Tensor, b: Tensor | number): Tensor => binary('Pow', a, typeof b === 'number' ? scalarLike(a, b) : b);
/** Elementwise max / min (Max-13, Min-13) of two tensors. */
export const max = (a: Tensor, b: Tensor | number): Tensor => binary('Max', a, typeof b === 'number' ? scalarLike(a, b) : b);
export const min = (a: Tensor, b: Tensor | number): Tensor => binary('Min', a, typeof b === 'number' ? scalarLike(a, b) : b);

/** Comparisons produce bool tensors (Equal-19, Less-13, Greater-13). */
export const equal = (a: Tensor, b: Tensor): Tensor => binary('Equal', a, b, {}, 'bool');
export const less = (a: Tensor, b: Tensor): Tensor => binary('Less', a, b, {}, 'bool');
export const greater = (a: Tensor, b: Tensor): Tensor => binary('Greater', a, b, {}, 'bool');

export const neg = (x: Tensor): Tensor => unary('Neg', x, NUMERIC);
export const abs = (x: Tensor): Tensor => unary('Abs', x, NUMERIC);
export const sqrt = (x: Tensor): Tensor => unary('Sqrt', x);
export const exp = (x: Tensor): Tensor => unary('Exp', x);
export const log = (x: Tensor): Tensor => unary('Log', x);
export const tanh = (x: Tensor): Tensor => unary('Tanh', x);
export const erf = (x: Tensor): Tensor => unary('Erf', x);
export const reciprocal = (x: Tensor): Tensor => unary('Reciprocal', x);
/** max(x, 0) (Relu-14); output has x's shape. */
export const relu = (x: Tensor): Tensor => unary('Relu', x);
/** sin(x), cos(x) (Sin-7, Cos-7); output has x's shape. */
export const sin = (x: Tensor): Tensor => unary('Sin', x);
export const cos = (x: Tensor): Tensor => unary('Cos', x);
/** -1, 0 or 1 by the sign of x (Sign-13); output has x's shape and dtype. */
export const sign = (x: Tensor): Tensor => unary('Sign', x);
/** Smallest integer not below x (Ceil-13), in x's float dtype: run-time sizes such as an expert's capacity. */
export const ceil = (x: Tensor): Tensor => unary('Ceil', x);
/** Logical not of a bool tensor (Not-1). */
export const not = (x: Tensor): Tensor => unary('Not', x, ['bool']);
export const identity = (x: Tensor): Tensor => x.graph.addNode('Identity', [x], {}, [{ dtype: x.dtype, shape: x.shape }])[0];

/**
 * Bitwise shift of uint8 x by `shift` (BitShift-11), broadcast together: x << shift or x >> shift.
 * Unpacks codes stored several per byte: bitShift(packed, scalar 4, 'RIGHT') is the high nibble.
 */
export function bitShift(x: Tensor, shift: Tensor, direction: 'LEFT' | 'RIGHT'): Tensor {
  requireDtype('BitShift', x, ['uint8']);
  return binary('BitShift', x, shift, { direction });
}

/** Bitwise and of uint8 tensors (BitwiseAnd-18), broadcast together: bitwiseAnd(packed, scalar 15) is the low nibble. */
export function bitwiseAnd(a: Tensor, b: Tensor): Tensor {
  requireDtype('BitwiseAnd', a, ['uint8']);
  return binary('BitwiseAnd', a, b);
}

/** Cast-21 to `dtype`. */
export function cast(x: Tensor, dtype: DType): Tensor {
  return x.graph.addNode('Cast', [x], { to: ONNX_DTYPE[dtype] }, [{ dtype, shape: x.shape }])[0];
}

/** Where-16: cond ? a : b, all three broadcast together. */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  const g = requireSameGraph('Where', cond, a, b);
  requireDtype('Where', cond, ['bool']);
  requireSameDtype('Where', a, b);
  const ab = broadcastOrThrow('Where', a, b);
  const shape = broadcastOrThrow('Where', cond, { name: `${a.name}|${b.name}`, shape: ab });
  return g.addNode('Where', [cond, a, b], {}, [{ dtype: a.dtype, shape }])[0];
}

/** Sum-13 of any number of same-shaped (or broadcastable) tensors. */
export function sum(xs: readonly Tensor[]): Tensor {
  if (xs.length === 0) throw new Error('Sum: needs at least one input');
  if (xs.length === 1) return xs[0];
  const g = requireSameGraph('Sum', ...xs);
  let shape: Shape = xs[0].shape;
  for (const x of xs.slice(1)) {
    requireSameDtype('Sum', xs[0], x);
    shape = broadcastOrThrow('Sum', { name: xs[0].name, shape }, x);
  }
  return g.addNode('Sum', xs, {}, [{ dtype: xs[0].dtype, shape }])[0];
}
