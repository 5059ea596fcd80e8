/**
 * Dropout masks drawn in TypeScript from a seeded stream: ONNX Dropout's generator costs about
 * 6 ns per element in onnxruntime (a tenth of an mlm-base step), and restarts with each session,
 * so a resumed run could not repeat its masks. The masks of step k are a function of (seed, k).
 * Two buffer sets let the next step's masks be drawn while onnxruntime runs the current one.
 * Masks hold the keep scale 1 / (1 - ratio) or 0, so dropout is one Mul in the graph.
 */
import { numel } from '../graph/shape.ts';
import { Random } from '../util/random.ts';

export class DropoutMasks {
  private readonly sets: Float32Array[][];
  private readonly filledFor: number[] = [-1, -1];
  private readonly keepBelow: number;
  private readonly keepScale: number;

  constructor(
    readonly shapes: readonly number[][],
    ratio: number,
    private readonly seed: number,
  ) {
    const sizes = shapes.map((s) => numel(s));
    this.sets = [0, 1].map(() => sizes.map((n) => new Float32Array(n)));
    // 16 random bits per element: keep probability within 2^-16 of 1 - ratio.
    this.keepBelow = Math.round((1 - ratio) * 65536);
    this.keepScale = Math.fround(1 / (1 - ratio));
  }

  get count(): number {
    return this.shapes.length;
  }

  /** The masks of `step`, drawn now unless `prefetch` already drew them. */
  forStep(step: number): Float32Array[] {
    const slot = step % 2;
    if (this.filledFor[slot] !== step) this.fill(step, slot);
    return this.sets[slot];
  }

  /** Draws the masks of `step` into its buffer set ahead of time. */
  prefetch(step: number): void {
    const slot = step % 2;
    if (this.filledFor[slot] !== step) this.fill(step, slot);
  }

  private fill(step: number, slot: number): void {
    const rng = new Random(this.seed, 0x64726f70, step);
    // xoshiro128** inlined: this loop runs over millions of elements per step.
    let s0 = rng.nextUint32() | 0;
    let s1 = rng.nextUint32() | 0;
    let s2 = rng.nextUint32() | 0;
    let s3 = rng.nextUint32() | 1;
    const keep = this.keepBelow;
    const scale = this.keepScale;
    for (const buf of this.sets[slot]) {
      const n = buf.length;
      for (let i = 0; i < n; i += 2) {
        const r = Math.imul(((Math.imul(s1, 5) << 7) | (Math.imul(s1, 5) >>> 25)), 9) >>> 0;
        const t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = (s3 << 11) | (s3 >>> 21);
        buf[i] = (r & 0xffff) < keep ? scale : 0;
        if (i + 1 < n) buf[i + 1] = r >>> 16 < keep ? scale : 0;
      }
    }
    this.filledFor[slot] = step;
  }
}
