import type { DType } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import { broadcastShapes, formatShape, type Dim, type Shape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';

/** A float constant of `like`'s dtype; scalars get shape [] so they broadcast anywhere. */
export function scalarLike(like: Tensor, value: number, name = 'scalar'): Tensor {
  return scalar(like.graph, value, like.dtype, name);
}

export function scalar(g: Graph, value: number, dtype: DType, name = 'scalar'): Tensor {
  switch (dtype) {
    case 'float32':
      return g.constant(new Float32Array([value]), dtype, [], name);
    case 'float64':
      return g.constant(new Float64Array([value]), dtype, [], name);
    case 'int64':
      return g.constant(new BigInt64Array([BigInt(value)]), dtype, [], name);
    default:
      throw new Error(`scalar: dtype ${dtype} is not supported for constants`);
  }
}

/** An int64 vector constant (shapes, axes, starts, ends). */
export function int64s(g: Graph, values: readonly number[], name = 'ints'): Tensor {
  return g.constant(BigInt64Array.from(values.map((v) => BigInt(v))), 'int64', [values.length], name);
}

export function requireSameGraph(op: string, ...ts: Tensor[]): Graph {
  const g = ts[0].graph;
  for (const t of ts) if (t.graph !== g) throw new Error(`${op}: inputs come from different graphs`);
  return g;
}

export function requireDtype(op: string, t: Tensor, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype)) {
    throw new Error(`${op}: input ${t.name} has dtype ${t.dtype}, expected one of ${allowed.join(', ')}`);
  }
}

export function requireSameDtype(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new Error(`${op}: dtypes differ: ${a.name} is ${a.dtype}, ${b.name} is ${b.dtype}`);
  }
}

export interface Shaped {
  name: string;
  shape: Shape;
}

export function broadcastOrThrow(op: string, a: Shaped, b: Shaped): Dim[] {
  const shape = broadcastShapes(a.shape, b.shape);
  if (!shape) {
    throw new Error(`${op}: shapes ${formatShape(a.shape)} (${a.name}) and ${formatShape(b.shape)} (${b.name}) do not broadcast`);
  }
  return shape;
}

/** Output shape of op(a) @ op(b) with numpy batch broadcasting; throws naming op and both shapes. */
export function matmulShape(op: string, a: Tensor, b: Tensor, transA: boolean, transB: boolean): Dim[] {
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(`${op}: inputs must have rank >= 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const [m, ka] = transA ? [a.shape[a.rank - 1], a.shape[a.rank - 2]] : [a.shape[a.rank - 2], a.shape[a.rank - 1]];
  const [kb, n] = transB ? [b.shape[b.rank - 1], b.shape[b.rank - 2]] : [b.shape[b.rank - 2], b.shape[b.rank - 1]];
  if (ka !== kb) {
    const t = `${transA ? 'A^T' : 'A'} x ${transB ? 'B^T' : 'B'}`;
    throw new Error(`${op}: inner dimensions differ (${ka} vs ${kb}) for ${t} with ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (!batch) throw new Error(`${op}: batch dims of ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast`);
  return [...batch, m, n];
}

export const FLOATS: readonly DType[] = ['float32', 'float64'];
export const NUMERIC: readonly DType[] = ['float32', 'float64', 'int64', 'int32'];
