/**
 * Shapes: a dimension is a size, or a name for a size known only at run time
 * (e.g. 'batch'), so exported graphs can keep dynamic axes.
 */
export type Dim = number | string;
export type Shape = readonly Dim[];

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Number of elements: a number for a static shape, undefined when a dimension is symbolic. */
export function numel(shape: readonly number[]): number;
export function numel(shape: Shape): number | undefined;
export function numel(shape: Shape): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

export function staticNumel(shape: Shape, what: string): number {
  const n = numel(shape);
  if (n === undefined) throw new Error(`${what}: shape ${formatShape(shape)} must be static`);
  return n;
}

/** Normalizes a possibly negative axis; throws naming op, axis and shape when out of range. */
export function normalizeAxis(axis: number, rank: number, op: string, shape: Shape): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new Error(`${op}: axis ${axis} is out of range for shape ${formatShape(shape)}`);
  }
  return a;
}

/** Numpy-style broadcast of two shapes; undefined when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): Dim[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else return undefined;
  }
  return out;
}
