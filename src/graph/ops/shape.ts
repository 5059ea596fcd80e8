/** Data-movement ops: Reshape, Transpose, Concat, Slice, Gather, ScatterND, Unsqueeze, Squeeze, Expand, and their run-time-shaped forms. */
import { formatShape, normalizeAxis, numel, type Dim, type Shape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { int64s, requireDtype, requireSameDtype, requireSameGraph } from './util.ts';

/**
 * Reshape-21 to `target`. As in ONNX, 0 copies the input's dimension and one -1 is inferred;
 * symbolic dimensions are copied with 0 so exported graphs keep dynamic axes.
 */
export function reshape(x: Tensor, target: readonly number[]): Tensor {
  const shape: Dim[] = target.map((d, i) => {
    if (d === 0) {
      if (i >= x.rank) throw new Error(`Reshape: 0 at position ${i} has no input dimension in ${formatShape(x.shape)}`);
      return x.shape[i];
    }
    return d;
  });
  const inferAt = target.indexOf(-1);
  if (target.lastIndexOf(-1) !== inferAt) throw new Error(`Reshape: more than one -1 in [${target.join(', ')}]`);
  const total = numel(x.shape);
  if (inferAt >= 0) {
    const known = shape.filter((_, i) => i !== inferAt);
    const knownCount = numel(known);
    if (total !== undefined && knownCount !== undefined) {
      if (knownCount === 0 || total % knownCount !== 0) {
        throw new Error(`Reshape: cannot reshape ${formatShape(x.shape)} to [${target.join(', ')}]`);
      }
      shape[inferAt] = total / knownCount;
    } else {
      shape[inferAt] = `${x.name}_reshape_${inferAt}`;
    }
  } else if (total !== undefined) {
    const n = numel(shape);
    if (n !== undefined && n !== total) {
      throw new Error(`Reshape: cannot reshape ${formatShape(x.shape)} (${total} elements) to ${formatShape(shape)} (${n})`);
    }
  }
  const shapeT = int64s(x.graph, target, 'shape');
  return x.graph.addNode('Reshape', [x, shapeT], {}, [{ dtype: x.dtype, shape }])[0];
}

/**
 * Reshape-21 to a shape computed at run time (an int64 vector), for dynamic axes that a constant
 * target cannot copy: `dims` is what shape inference records for the result.
 */
export function reshapeTo(x: Tensor, shape: Tensor, dims: Shape): Tensor {
  requireDtype('Reshape', shape, ['int64']);
  if (shape.rank !== 1 || shape.shape[0] !== dims.length) throw new Error(`Reshape: a run-time shape ${formatShape(shape.shape)} must be a vector of ${dims.length} sizes`);
  return x.graph.addNode('Reshape', [x, shape], {}, [{ dtype: x.dtype, shape: dims }])[0];
}

/** Transpose-21 with permutation `perm` (reverses axes when omitted). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  const sorted = [...p].sort((a, b) => a - b);
  if (p.length !== x.rank || sorted.some((v, i) => v !== i)) {
    throw new Error(`Transpose: perm [${p.join(', ')}] is not a permutation of the axes of ${formatShape(x.shape)}`);
  }
  return x.graph.addNode('Transpose', [x], { perm: [...p] }, [{ dtype: x.dtype, shape: p.map((a) => x.shape[a]) }])[0];
}

/** Concat-13 along `axis`; other dimensions must match. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('Concat: needs at least one input');
  const g = requireSameGraph('Concat', ...xs);
  const first = xs[0];
  const ax = normalizeAxis(axis, first.rank, 'Concat', first.shape);
  let fixed = 0;
  const symbolic: string[] = [];
  for (const x of xs) {
    requireSameDtype('Concat', first, x);
    const mismatch = x.rank !== first.rank || x.shape.some((d, i) => i !== ax && d !== first.shape[i]);
    if (mismatch) {
      throw new Error(`Concat: ${formatShape(x.shape)} does not match ${formatShape(first.shape)} outside axis ${ax}`);
    }
    const d = x.shape[ax];
    if (typeof d === 'number') fixed += d;
    else symbolic.push(d);
  }
  // A symbolic length is named by its parts, so two concatenations of the same lengths agree (past + new keys, in a mask and in the scores).
  const total: Dim = symbolic.length === 0 ? fixed : [...symbolic, ...(fixed > 0 ? [String(fixed)] : [])].join('+');
  const shape = first.shape.map((d, i) => (i === ax ? total : d));
  return g.addNode('Concat', xs, { axis: ax }, [{ dtype: first.dtype, shape }])[0];
}

/** Slice-13 with unit steps: x[starts:ends] along `axes` (negative and clamped bounds as in ONNX). */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[], axes: readonly number[]): Tensor {
  if (starts.length !== axes.length || ends.length !== axes.length) {
    throw new Error('Slice: starts, ends and axes must have the same length');
  }
  const shape = [...x.shape];
  const normAxes = axes.map((a) => normalizeAxis(a, x.rank, 'Slice', x.shape));
  normAxes.forEach((a, i) => {
    const d = x.shape[a];
    if (typeof d !== 'number') throw new Error(`Slice: axis ${a} of ${formatShape(x.shape)} must be static`);
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
    const len = clamp(ends[i]) - clamp(starts[i]);
    if (len <= 0) throw new Error(`Slice: [${starts[i]}:${ends[i]}] is empty on axis ${a} of ${formatShape(x.shape)}`);
    shape[a] = len;
  });
  const g = x.graph;
  const inputs = [x, int64s(g, starts, 'starts'), int64s(g, ends, 'ends'), int64s(g, normAxes, 'axes')];
  return g.addNode('Slice', inputs, {}, [{ dtype: x.dtype, shape }])[0];
}

/** Gather-13 along `axis`: output shape = data[:axis] + indices + data[axis+1:]. */
export function gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
  const g = requireSameGraph('Gather', data, indices);
  requireDtype('Gather', indices, ['int64', 'int32']);
  const ax = normalizeAxis(axis, data.rank, 'Gather', data.shape);
  const shape = [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax + 1)];
  return g.addNode('Gather', [data, indices], { axis: ax }, [{ dtype: data.dtype, shape }])[0];
}

/**
 * ScatterND-18: copies `data` and writes (or with reduction 'add', accumulates) `updates` at
 * `indices`. onnxruntime's CPU kernel splits the updates across threads without guarding
 * repeated indices, so with 'add' and more than one thread it loses updates (measured: errors as
 * large as the sums themselves); accumulate with scatterElements instead.
 */
export function scatterND(data: Tensor, indices: Tensor, updates: Tensor, reduction: 'none' | 'add' = 'none'): Tensor {
  const g = requireSameGraph('ScatterND', data, indices, updates);
  requireDtype('ScatterND', indices, ['int64']);
  requireSameDtype('ScatterND', data, updates);
  const k = indices.shape[indices.rank - 1];
  if (typeof k !== 'number' || k > data.rank) {
    throw new Error(`ScatterND: last dim of indices ${formatShape(indices.shape)} must be static and <= rank of ${formatShape(data.shape)}`);
  }
  const expected = [...indices.shape.slice(0, -1), ...data.shape.slice(k)];
  if (expected.length !== updates.rank || expected.some((d, i) => d !== updates.shape[i])) {
    throw new Error(`ScatterND: updates ${formatShape(updates.shape)} should be ${formatShape(expected)}`);
  }
  const attrs: Record<string, string> = reduction === 'none' ? {} : { reduction };
  return g.addNode('ScatterND', [data, indices, updates], attrs, [{ dtype: data.dtype, shape: data.shape }])[0];
}

/**
 * ScatterElements-18 along `axis`: copies `data`, then for every element of `indices` (shaped
 * like `updates`, data's rank) writes, or with 'add' accumulates, that update at data's position
 * with the axis coordinate replaced by the index. onnxruntime accumulates serially: exact and the
 * same at any thread count, repeated indices included.
 */
export function scatterElements(data: Tensor, indices: Tensor, updates: Tensor, axis = 0, reduction: 'none' | 'add' = 'none'): Tensor {
  const g = requireSameGraph('ScatterElements', data, indices, updates);
  requireDtype('ScatterElements', indices, ['int64']);
  requireSameDtype('ScatterElements', data, updates);
  if (indices.rank !== data.rank || updates.rank !== data.rank || indices.shape.some((d, i) => d !== updates.shape[i])) {
    throw new Error(`ScatterElements: indices ${formatShape(indices.shape)} and updates ${formatShape(updates.shape)} must match, with the rank of ${formatShape(data.shape)}`);
  }
  const ax = normalizeAxis(axis, data.rank, 'ScatterElements', data.shape);
  const attrs: Record<string, string | number> = reduction === 'none' ? { axis: ax } : { axis: ax, reduction };
  return g.addNode('ScatterElements', [data, indices, updates], attrs, [{ dtype: data.dtype, shape: data.shape }])[0];
}

/** Unsqueeze-21: inserts size-1 axes at `axes` (positions in the output). */
export function unsqueeze(x: Tensor, axes: readonly number[]): Tensor {
  const outRank = x.rank + axes.length;
  const norm = axes.map((a) => normalizeAxis(a, outRank, 'Unsqueeze', x.shape)).sort((a, b) => a - b);
  const shape: Dim[] = [];
  let src = 0;
  for (let i = 0; i < outRank; i++) shape.push(norm.includes(i) ? 1 : x.shape[src++]);
  return x.graph.addNode('Unsqueeze', [x, int64s(x.graph, norm, 'axes')], {}, [{ dtype: x.dtype, shape }])[0];
}

/** Squeeze-21: removes the size-1 axes `axes`. */
export function squeeze(x: Tensor, axes: readonly number[]): Tensor {
  const norm = axes.map((a) => normalizeAxis(a, x.rank, 'Squeeze', x.shape));
  for (const a of norm) {
    if (x.shape[a] !== 1) throw new Error(`Squeeze: axis ${a} of ${formatShape(x.shape)} is not 1`);
  }
  const shape = x.shape.filter((_, i) => !norm.includes(i));
  return x.graph.addNode('Squeeze', [x, int64s(x.graph, norm, 'axes')], {}, [{ dtype: x.dtype, shape }])[0];
}

/** Expand-13 to `target` (numpy broadcasting rules). */
export function expand(x: Tensor, target: readonly number[]): Tensor {
  const out: Shape = target;
  const rank = Math.max(out.length, x.rank);
  for (let i = 0; i < rank; i++) {
    const dx = i < rank - x.rank ? 1 : x.shape[i - (rank - x.rank)];
    const dt = i < rank - out.length ? 1 : out[i - (rank - out.length)];
    if (dx !== dt && dx !== 1 && dt !== 1) {
      throw new Error(`Expand: ${formatShape(x.shape)} cannot expand to ${formatShape(out)}`);
    }
  }
  const shape = Array.from({ length: rank }, (_, i) => {
    const dx = i < rank - x.rank ? 1 : x.shape[i - (rank - x.rank)];
    const dt = i < rank - out.length ? 1 : out[i - (rank - out.length)];
    return dx === 1 ? dt : dx;
  });
  return x.graph.addNode('Expand', [x, int64s(x.graph, target, 'shape')], {}, [{ dtype: x.dtype, shape }])[0];
}

/** Expand-13 of `x` to a shape computed at run time (an int64 vector); `dims` is what shape inference records. */
export function expandTo(x: Tensor, shape: Tensor, dims: Shape): Tensor {
  requireDtype('Expand', shape, ['int64']);
  if (shape.rank !== 1 || shape.shape[0] !== dims.length) throw new Error(`Expand: a run-time shape ${formatShape(shape.shape)} must be a vector of ${dims.length} sizes`);
  return x.graph.addNode('Expand', [x, shape], {}, [{ dtype: x.dtype, shape: dims }])[0];
}

/** Pad-21 with zeros: `pads` = [begin_0, ..., begin_n, end_0, ..., end_n]. */
export function padZeros(x: Tensor, pads: readonly number[]): Tensor {
  if (pads.length !== 2 * x.rank || pads.some((p) => p < 0)) {
    throw new Error(`Pad: pads [${pads.join(', ')}] must be ${2 * x.rank} non-negative numbers for ${formatShape(x.shape)}`);
  }
  const shape = x.shape.map((d, i) => (typeof d === 'number' ? d + pads[i] + pads[i + x.rank] : d));
  return x.graph.addNode('Pad', [x, int64s(x.graph, pads, 'pads')], { mode: 'constant' }, [{ dtype: x.dtype, shape }])[0];
}

/** Range-11 as a constant: [0, 1, ..., n-1] in int64. */
export function arange(g: import('../graph.ts').Graph, n: number): Tensor {
  return g.constant(BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), 'int64', [n], 'arange');
}

/** Shape-15: x's dimensions start..end (negative counts from the end) as an int64 vector, read at run time (for dynamic axes). */
export function shapeOf(x: Tensor, start = 0, end = x.rank): Tensor {
  const [s, e] = [start < 0 ? start + x.rank : start, end < 0 ? end + x.rank : end];
  if (!(s >= 0 && e <= x.rank && s < e)) throw new Error(`Shape: dimensions [${start}:${end}] of ${formatShape(x.shape)} are empty or out of range`);
  return x.graph.addNode('Shape', [x], { start: s, end: e }, [{ dtype: 'int64', shape: [e - s] }])[0];
}

/** CumSum-14 along a constant `axis` (int64 or float). */
export function cumsum(x: Tensor, axis: number): Tensor {
  const ax = normalizeAxis(axis, x.rank, 'CumSum', x.shape);
  const axisT = x.graph.constant(new BigInt64Array([BigInt(ax)]), 'int64', [], 'axis');
  return x.graph.addNode('CumSum', [x, axisT], {}, [{ dtype: x.dtype, shape: x.shape }])[0];
}
