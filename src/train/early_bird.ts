/**
 * EarlyBERT's search stage (Chen et al. 2021): masks drawn from the slimming coefficients at
 * intervals, and the early-bird point, where successive masks stop changing. Heads are pruned
 * per layer at a ratio (default 1/3), FFN neurons across all layers (default 40%), each by the
 * smallest |coefficient|, never a layer's last head or neuron. The ticket is found when the
 * normalized Hamming distance between each draw and the one before stays under a threshold for
 * a window of draws.
 */
import { keepAllButLowest } from '../compress/structured.ts';

export interface StructureMasks {
  /** Kept head indices per layer, ascending. */
  heads: number[][];
  /** Kept FFN neuron indices per layer, ascending. */
  neurons: number[][];
}

/** Kept indices left after removing floor(fraction n) of the smallest |score| across `scores` together. */
const keepLargest = (scores: readonly Float32Array[], fraction: number) =>
  keepAllButLowest(
    scores.map((s) => Array.from(s, Math.abs)),
    fraction,
  );

/** One draw: heads pruned within each layer at `headRatio`, neurons across layers at `ffnRatio`. */
export function drawMasks(heads: readonly Float32Array[], neurons: readonly Float32Array[], headRatio: number, ffnRatio: number): StructureMasks {
  for (const [flag, r] of [['head ratio', headRatio], ['FFN ratio', ffnRatio]] as const) {
    if (!(r >= 0 && r < 1)) throw new Error(`EarlyBERT's ${flag} must be in [0, 1), got ${r}`);
  }
  return { heads: heads.map((h) => keepLargest([h], headRatio)[0]), neurons: keepLargest(neurons, ffnRatio) };
}

/** The draw as one bit per structure (1 kept), heads of every layer then neurons. */
function bits(m: StructureMasks, sizes: { heads: number[]; neurons: number[] }): Uint8Array {
  const out = new Uint8Array(sizes.heads.reduce((a, b) => a + b, 0) + sizes.neurons.reduce((a, b) => a + b, 0));
  let off = 0;
  for (const [kept, n] of [...m.heads.map((k, i) => [k, sizes.heads[i]] as const), ...m.neurons.map((k, i) => [k, sizes.neurons[i]] as const)]) {
    for (const k of kept) out[off + k] = 1;
    off += n;
  }
  return out;
}

/** Share of structures whose kept/removed state differs between two draws of the same model. */
export function maskDistance(a: StructureMasks, b: StructureMasks, sizes: { heads: number[]; neurons: number[] }): number {
  const [x, y] = [bits(a, sizes), bits(b, sizes)];
  let differ = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) differ++;
  return differ / x.length;
}

export interface Draw {
  step: number;
  train_s: number;
  /** Distance to the previous draw; null for the first. */
  distance: number | null;
}

/** Successive draws, and the early-bird point once `window` distances in a row fall under `threshold`. */
export class EarlyBirdSearch {
  readonly draws: Draw[] = [];
  private last: StructureMasks | null = null;
  found: { step: number; train_s: number; masks: StructureMasks } | null = null;

  constructor(
    private readonly sizes: { heads: number[]; neurons: number[] },
    private readonly threshold: number,
    private readonly window: number,
  ) {}

  /** Continues a search from a checkpoint's record of it. */
  restore(draws: readonly Draw[], last: StructureMasks | null, found: EarlyBirdSearch['found']): void {
    this.draws.push(...draws);
    this.last = last;
    this.found = found;
  }

  /** Records a draw; returns true when it completes the early-bird window. */
  add(step: number, trainS: number, masks: StructureMasks): boolean {
    const distance = this.last ? maskDistance(this.last, masks, this.sizes) : null;
    this.draws.push({ step, train_s: trainS, distance });
    this.last = masks;
    const recent = this.draws.slice(-this.window);
    if (!this.found && recent.length === this.window && recent.every((d) => d.distance !== null && d.distance < this.threshold)) this.found = { step, train_s: trainS, masks };
    return this.found !== null;
  }
}
