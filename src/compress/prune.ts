/**
 * Unstructured magnitude pruning: masks that zero the smallest weights, per tensor or across all
 * pruned tensors at once, and the cubic sparsity schedule of gradual pruning (Zhu & Gupta, 2017)
 * used for iterative magnitude pruning during fine-tuning.
 */
import { Random } from '../util/random.ts';

export interface PruneTarget {
  name: string;
  data: Float32Array;
}

export type PruneScope = 'global' | 'layer';

function checkSparsity(s: number): void {
  if (!(s >= 0 && s < 1)) throw new Error(`sparsity must be in [0, 1), got ${s}`);
}

/**
 * Keep-masks for `tensors` with exactly k weights pruned, taken in order of |value| with ties
 * broken by position (tensor order, then index). One native numeric sort finds the threshold,
 * which is what keeps repeated pruning during training cheap on millions of weights.
 */
function pruneSmallest(tensors: readonly Float32Array[], k: number): Uint8Array[] {
  const masks = tensors.map((t) => new Uint8Array(t.length).fill(1));
  if (k === 0) return masks;
  const total = tensors.reduce((n, t) => n + t.length, 0);
  const magnitudes = new Float32Array(total);
  let off = 0;
  for (const t of tensors) {
    for (let i = 0; i < t.length; i++) magnitudes[off + i] = Math.abs(t[i]);
    off += t.length;
  }
  const threshold = magnitudes.sort()[k - 1];
  let below = 0;
  for (const t of tensors) for (let i = 0; i < t.length; i++) if (Math.abs(t[i]) < threshold) below++;
  let ties = k - below;
  tensors.forEach((t, ti) => {
    const mask = masks[ti];
    for (let i = 0; i < t.length; i++) {
      const a = Math.abs(t[i]);
      if (a < threshold) mask[i] = 0;
      else if (a === threshold && ties > 0) {
        mask[i] = 0;
        ties--;
      }
    }
  });
  return masks;
}

/**
 * Keep-masks (1 = keep) with exactly floor(sparsity * n) weights pruned: n counts each tensor
 * ('layer') or all targets together ('global', one magnitude threshold across layers).
 */
export function magnitudeMasks(targets: readonly PruneTarget[], sparsity: number, scope: PruneScope): Map<string, Uint8Array> {
  checkSparsity(sparsity);
  if (scope === 'layer') return new Map(targets.map((t) => [t.name, pruneSmallest([t.data], Math.floor(sparsity * t.data.length))[0]]));
  const total = targets.reduce((n, t) => n + t.data.length, 0);
  const masks = pruneSmallest(
    targets.map((t) => t.data),
    Math.floor(sparsity * total),
  );
  return new Map(targets.map((t, i) => [t.name, masks[i]]));
}

/**
 * Keep-masks with exactly floor(sparsity * n) weights pruned, chosen uniformly at random across
 * all targets: the random ticket a magnitude ticket of the same sparsity is compared with.
 */
export function randomMasks(targets: readonly PruneTarget[], sparsity: number, seed: number): Map<string, Uint8Array> {
  checkSparsity(sparsity);
  const total = targets.reduce((n, t) => n + t.data.length, 0);
  const order = new Random(seed, 0x7469636b).shuffle(Int32Array.from({ length: total }, (_, i) => i));
  const keep = new Uint8Array(total).fill(1);
  for (let i = 0; i < Math.floor(sparsity * total); i++) keep[order[i]] = 0;
  let off = 0;
  return new Map(
    targets.map((t) => {
      const mask = keep.slice(off, off + t.data.length);
      off += t.data.length;
      return [t.name, mask];
    }),
  );
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
