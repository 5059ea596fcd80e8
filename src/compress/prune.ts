/**
 * Unstructured magnitude pruning: masks that zero the smallest weights, per tensor or across all
 * pruned tensors at once, and the cubic sparsity schedule of gradual pruning (Zhu & Gupta, 2017)
 * used for iterative magnitude pruning during fine-tuning.
 */

export interface PruneTarget {
  name: string;
  data: Float32Array;
}

export type PruneScope = 'global' | 'layer';

function checkSparsity(s: number): void {
  if (!(s >= 0 && s < 1)) throw new Error(`sparsity must be in [0, 1), got ${s}`);
}

/** Indices of `values` ordered by |value|, ties by index: the order weights are pruned in. */
function byMagnitude(values: Float32Array): Uint32Array {
  const idx = Uint32Array.from({ length: values.length }, (_, i) => i);
  return idx.sort((a, b) => Math.abs(values[a]) - Math.abs(values[b]) || a - b);
}

/**
 * Keep-masks (1 = keep) with exactly floor(sparsity * n) weights pruned: n counts each tensor
 * ('layer') or all targets together ('global', one magnitude threshold across layers).
 */
export function magnitudeMasks(targets: readonly PruneTarget[], sparsity: number, scope: PruneScope): Map<string, Uint8Array> {
  checkSparsity(sparsity);
  const masks = new Map(targets.map((t) => [t.name, new Uint8Array(t.data.length).fill(1)]));
  if (scope === 'layer') {
    for (const t of targets) {
      const order = byMagnitude(t.data);
      const mask = masks.get(t.name)!;
      const k = Math.floor(sparsity * t.data.length);
      for (let i = 0; i < k; i++) mask[order[i]] = 0;
    }
    return masks;
  }
  const total = targets.reduce((n, t) => n + t.data.length, 0);
  const all = new Float32Array(total);
  const owner = new Uint32Array(total);
  let off = 0;
  targets.forEach((t, ti) => {
    all.set(t.data, off);
    owner.fill(ti, off, off + t.data.length);
    off += t.data.length;
  });
  const order = byMagnitude(all);
  const starts: number[] = [];
  off = 0;
  for (const t of targets) {
    starts.push(off);
    off += t.data.length;
  }
  const k = Math.floor(sparsity * total);
  for (let i = 0; i < k; i++) {
    const flat = order[i];
    const ti = owner[flat];
    masks.get(targets[ti].name)![flat - starts[ti]] = 0;
  }
  return masks;
}

/** Zeroes the pruned weights in place. */
export function applyMask(data: Float32Array, mask: Uint8Array): void {
  if (data.length !== mask.length) throw new Error(`mask of ${mask.length} does not fit ${data.length} weights`);
  for (let i = 0; i < data.length; i++) if (!mask[i]) data[i] = 0;
}

export function sparsityOf(data: Float32Array): number {
  let zeros = 0;
  for (const v of data) if (v === 0) zeros++;
  return zeros / data.length;
}

export interface GradualSchedule {
  initial: number;
  final: number;
  /** First and last pruning step; sparsity is `initial` before and `final` after. */
  start: number;
  end: number;
}

/** s(t) = s_f + (s_i - s_f) (1 - (t - t0) / (t1 - t0))^3: prunes fast early, gently near the end. */
export function cubicSparsity(step: number, s: GradualSchedule): number {
  checkSparsity(s.initial);
  checkSparsity(s.final);
  if (step <= s.start) return s.initial;
  if (step >= s.end || s.end <= s.start) return s.final;
  const left = 1 - (step - s.start) / (s.end - s.start);
  return s.final + (s.initial - s.final) * left ** 3;
}
