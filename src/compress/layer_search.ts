/**
 * A per-layer choice of N:M sparsity and value bits under a bytes budget. Each encoder matrix
 * gets one option (dense or 2:4, values at 7-bit int8 codes, 4, 3 or 2 bits); an option's cost is
 * its stored bytes and its sensitivity the Fisher-weighted squared error it causes,
 * sum F (w - Q(w))^2 (fisher.ts). The choice minimizes total sensitivity under the budget by
 * Lagrangian relaxation: for a price lambda on bytes every layer independently takes the option
 * of least sensitivity + lambda * bytes, and lambda is bisected to the cheapest price whose
 * choice fits. That finds the optimum for every budget on the lower convex hull of the
 * (bytes, sensitivity) trade-off, which is what budgets between hull points get too.
 */
import { groupsPerRow, nmCompact, nmDense, type NmPattern } from './nm.ts';
import { containerBits, fakeQuantize, type QuantScheme } from './quantize.ts';

export interface LayerOption {
  /** 2:4 (or another N:M), or null for dense. */
  pattern: NmPattern | null;
  /** Value bits, symmetric per output channel; 7 is the int8 format's codes. */
  bits: number;
}

/** What the search chooses from for each encoder matrix. */
export const SEARCH_OPTIONS: readonly LayerOption[] = [null, { n: 2, m: 4 }].flatMap((pattern) => [7, 4, 3, 2].map((bits) => ({ pattern, bits })));

export const optionScheme = (o: LayerOption): QuantScheme => ({ bits: o.bits, symmetric: true, granularity: { kind: 'channel' } });

export const optionName = (o: LayerOption): string => `${o.pattern ? `${o.pattern.n}:${o.pattern.m}` : 'dense'}/${o.bits === 7 ? 'int8' : `${o.bits}-bit`}`;

/** Stored bytes of a (rows, cols) weight under `o`: packed codes (N per group and a 1-bit mask when sparse) and one fp32 scale per row. */
export function optionBytes(o: LayerOption, rows: number, cols: number): number {
  const bits = containerBits(o.bits);
  if (!o.pattern) return Math.ceil((rows * cols * bits) / 8) + 4 * rows;
  const groups = rows * groupsPerRow(cols, o.pattern.m);
  return Math.ceil((groups * o.pattern.n * bits) / 8) + Math.ceil((groups * o.pattern.m) / 8) + 4 * rows;
}

/** The weight a file stores under `o`: pruned to the pattern by magnitude, then quantized. */
export function compressedWeight(w: Float32Array, rows: number, cols: number, o: LayerOption): Float32Array {
  const kept = o.pattern ? nmDense(nmCompact(w, rows, cols, o.pattern)) : w;
  return fakeQuantize(kept, [rows, cols], optionScheme(o));
}

export function sensitivity(w: Float32Array, fisher: Float64Array, rows: number, cols: number, o: LayerOption): number {
  const q = compressedWeight(w, rows, cols, o);
  let s = 0;
  for (let i = 0; i < w.length; i++) s += fisher[i] * (w[i] - q[i]) ** 2;
  return s;
}

export interface LayerCosts {
  name: string;
  costs: { option: LayerOption; bytes: number; sensitivity: number }[];
}

export interface LayerChoice {
  name: string;
  option: LayerOption;
  bytes: number;
  sensitivity: number;
}

function chooseAt(layers: readonly LayerCosts[], lambda: number): LayerChoice[] {
  return layers.map(({ name, costs }) => {
    const best = costs.reduce((a, b) => (b.sensitivity + lambda * b.bytes < a.sensitivity + lambda * a.bytes ? b : a));
    return { name, ...best };
  });
}

const totalBytes = (c: readonly LayerChoice[]) => c.reduce((n, x) => n + x.bytes, 0);

/** The least total sensitivity whose bytes fit `budget` (on the convex hull); refused when even the smallest options do not fit. */
export function chooseUnderBudget(layers: readonly LayerCosts[], budget: number): LayerChoice[] {
  const smallest = layers.reduce((n, l) => n + Math.min(...l.costs.map((c) => c.bytes)), 0);
  if (smallest > budget) throw new Error(`the searched weights need at least ${smallest} bytes, over the ${Math.round(budget)} the budget leaves them: raise --max-bytes`);
  const free = chooseAt(layers, 0);
  if (totalBytes(free) <= budget) return free;
  let [lo, hi] = [0, 1e-12];
  while (totalBytes(chooseAt(layers, hi)) > budget) hi *= 4;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (totalBytes(chooseAt(layers, mid)) > budget) lo = mid;
    else hi = mid;
  }
  return chooseAt(layers, hi);
}
