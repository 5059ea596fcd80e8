/**
 * Sparse training from step 0 (`tltc train --method rigl|static --sparsity S`): the encoder's
 * linear weights train under keep-masks fed to the step graph. RigL (Evci et al. 2020) changes
 * the masks every `delta_t` steps until `end` of the budget: in each matrix it drops the
 * fraction f(t) = drop_fraction / 2 (1 + cos(pi t / end)) of the active weights with the smallest
 * magnitude, and grows as many inactive ones with the largest dense gradient, which start at
 * zero with zero Adam moments. Static sparse training keeps the first masks. Layer densities are
 * uniform or Erdos-Renyi (density proportional to (n_in + n_out) / (n_in n_out), as RigL's ERK
 * for matrices), drawn at random once from the seed. Gradual pruning (Zhu & Gupta 2017), the
 * dense-to-sparse baseline, starts dense and every `delta_t` steps prunes each matrix by
 * magnitude to its share of the cubic schedule's sparsity, reaching `sparsity` at `end`.
 */
import type { Parameter } from '../nn/params.ts';
import { ortTensor } from '../runtime/session.ts';
import { Random } from '../util/random.ts';
import { pruneMaskName } from '../nn/masked_weights.ts';
import type { Feeds } from './feeds.ts';
import { cubicSparsity, magnitudeMasks } from '../compress/prune.ts';

export interface SparseConfig {
  method: 'rigl' | 'static' | 'gradual';
  sparsity: number;
  distribution: 'uniform' | 'erk';
  delta_t: number;
  drop_fraction: number;
  /** Fraction of the budget after which the masks stay fixed. */
  end: number;
}

/** Per-matrix densities whose weighted mean is 1 - sparsity; ERK caps a matrix at dense and spreads the rest. */
export function layerDensities(shapes: readonly (readonly number[])[], sparsity: number, distribution: SparseConfig['distribution']): number[] {
  if (!(sparsity >= 0 && sparsity < 1)) throw new Error(`--sparsity must be in [0, 1), e.g. 0.8, got ${sparsity}`);
  const sizes = shapes.map(([out, inp]) => out * inp);
  if (distribution === 'uniform') return sizes.map(() => 1 - sparsity);
  const raw = shapes.map(([out, inp]) => (out + inp) / (out * inp));
  const dense = new Set<number>();
  for (;;) {
    // Solve eps for the matrices not yet dense: sum(eps raw_i n_i) = target - dense weights.
    const budget = (1 - sparsity) * sizes.reduce((a, b) => a + b, 0) - [...dense].reduce((a, i) => a + sizes[i], 0);
    const scaled = sizes.reduce((a, n, i) => a + (dense.has(i) ? 0 : raw[i] * n), 0);
    const eps = budget / scaled;
    const over = raw.findIndex((r, i) => !dense.has(i) && eps * r > 1);
    if (over < 0) return raw.map((r, i) => (dense.has(i) ? 1 : eps * r));
    dense.add(over);
  }
}

/** Keep-masks with exactly round(density n) weights kept, at random positions. */
export function randomKeepMasks(sizes: readonly number[], densities: readonly number[], seed: number): Float32Array[] {
  const rng = new Random(seed, 0x7269676c);
  return sizes.map((n, i) => {
    const order = rng.shuffle(Int32Array.from({ length: n }, (_, k) => k));
    const mask = new Float32Array(n);
    for (let k = 0; k < Math.round(densities[i] * n); k++) mask[order[k]] = 1;
    return mask;
  });
}

/** RigL's drop fraction at `progress` (0..1 of the budget): cosine decay to 0 at `end`. */
export function dropFraction(c: SparseConfig, progress: number): number {
  return progress >= c.end ? 0 : (c.drop_fraction / 2) * (1 + Math.cos((Math.PI * progress) / c.end));
}

/** Indices of the k largest `score(i)` among the i with `eligible(i)`; ties by lower index. */
function topK(n: number, k: number, eligible: (i: number) => boolean, score: (i: number) => number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (eligible(i)) idx.push(i);
  idx.sort((a, b) => score(b) - score(a) || a - b);
  return idx.slice(0, k);
}

/**
 * One RigL update of one matrix, in place: drops the `k` active weights of smallest magnitude and
 * grows the `k` inactive ones (after the drop) of largest |gradient|, zeroing their weights and
 * moments. Returns how many positions changed.
 */
export function dropAndGrow(mask: Float32Array, weight: Float32Array, grad: Float32Array, moments: Float32Array[], fraction: number): number {
  const active = mask.reduce((a, v) => a + v, 0);
  const k = Math.min(Math.floor(fraction * active), mask.length - active);
  if (k <= 0) return 0;
  const dropped = topK(mask.length, k, (i) => mask[i] === 1, (i) => -Math.abs(weight[i]));
  for (const i of dropped) mask[i] = 0;
  const grown = topK(mask.length, k, (i) => mask[i] === 0, (i) => Math.abs(grad[i]));
  for (const i of grown) mask[i] = 1;
  for (const i of [...dropped, ...grown]) {
    weight[i] = 0;
    for (const m of moments) m[i] = 0;
  }
  const wasDropped = new Set(dropped);
  return grown.filter((i) => !wasDropped.has(i)).length;
}

export class SparseTraining {
  /** RigL updates so far: step, drop fraction and positions changed. */
  readonly updates: { step: number; fraction: number; changed: number }[] = [];

  constructor(
    readonly config: SparseConfig,
    /** The sparse weights' names and their keep-masks (1 keep, 0 pruned), in spec order. */
    readonly masks: Map<string, Float32Array>,
  ) {}

  /** Fresh masks drawn from the seed (all ones for gradual pruning); the weights they prune are zeroed. */
  static start(config: SparseConfig, params: readonly Parameter[], names: readonly string[], seed: number): SparseTraining {
    const sparse = names.map((n) => params.find((p) => p.spec.name === n)!);
    if (config.method === 'gradual') return new SparseTraining(config, new Map(sparse.map((p) => [p.spec.name, new Float32Array(p.data.length).fill(1)])));
    const densities = layerDensities(sparse.map((p) => p.spec.shape), config.sparsity, config.distribution);
    const masks = randomKeepMasks(sparse.map((p) => p.data.length), densities, seed);
    sparse.forEach((p, i) => p.data.forEach((_, k) => masks[i][k] === 0 && (p.data[k] = 0)));
    return new SparseTraining(config, new Map(names.map((n, i) => [n, masks[i]])));
  }

  /** The mask inputs of every step. */
  feeds(params: readonly Parameter[]): Feeds {
    const feeds: Feeds = {};
    for (const p of params) {
      const mask = this.masks.get(p.spec.name);
      if (mask) feeds[pruneMaskName(p.spec.name)] = ortTensor('float32', mask, p.spec.shape);
    }
    return feeds;
  }

  /** Whether step `step` (1-based) at `progress` changes the masks, and so needs the dense gradients. */
  updatesAt(step: number, progress: number): boolean {
    if (step % this.config.delta_t !== 0) return false;
    if (this.config.method === 'gradual') return this.sparsity() < this.config.sparsity - 1e-9 || progress < this.config.end;
    return this.config.method === 'rigl' && dropFraction(this.config, progress) > 0;
  }

  /** Gradual pruning's masks at `progress`: each matrix pruned by magnitude to its density at the schedule's sparsity. */
  private prune(step: number, progress: number, params: readonly Parameter[]): void {
    const c = this.config;
    const target = cubicSparsity(progress, { initial: 0, final: c.sparsity, start: 0, end: c.end });
    const sparse = params.filter((p) => this.masks.has(p.spec.name));
    const densities = layerDensities(sparse.map((p) => p.spec.shape), target, c.distribution);
    let changed = 0;
    sparse.forEach((p, i) => {
      const keep = magnitudeMasks([{ name: p.spec.name, data: p.data }], 1 - densities[i], 'layer').get(p.spec.name)!;
      const mask = this.masks.get(p.spec.name)!;
      keep.forEach((k, j) => {
        if (mask[j] !== k) changed++;
        mask[j] = k;
        if (!k) p.data[j] = 0;
      });
    });
    this.updates.push({ step, fraction: target, changed });
  }

  /** Drop and grow in every sparse matrix after step `step`, given that step's dense gradients. */
  update(step: number, progress: number, params: readonly Parameter[], m: readonly Float32Array[], v: readonly Float32Array[], grads: ReadonlyMap<string, Float32Array>): void {
    if (this.config.method === 'gradual') return this.prune(step, progress, params);
    const fraction = dropFraction(this.config, progress);
    let changed = 0;
    params.forEach((p, i) => {
      const mask = this.masks.get(p.spec.name);
      if (mask) changed += dropAndGrow(mask, p.data, grads.get(p.spec.name)!, [m[i], v[i]], fraction);
    });
    this.updates.push({ step, fraction, changed });
  }

  /** Share of the sparse weights pruned. */
  sparsity(): number {
    let [zeros, total] = [0, 0];
    for (const mask of this.masks.values()) {
      total += mask.length;
      for (const v of mask) if (v === 0) zeros++;
    }
    return zeros / total;
  }
}

/** Forward matmul FLOPs the masks remove per step of `tokens` tokens: 2 tokens x pruned weights. */
export function prunedMatmulFlops(sparse: SparseTraining, params: readonly Parameter[], tokens: number): number {
  let pruned = 0;
  for (const p of params) {
    const mask = sparse.masks.get(p.spec.name);
    if (mask) pruned += mask.length - mask.reduce((a, v) => a + v, 0);
  }
  return 2 * tokens * pruned;
}
