/**
 * Weights multiplied by a keep-mask input `prune_mask/<name>` (float32, 0 or 1): pruned weights
 * compute as zero and get no gradient; the optimizer step re-applies the same masks.
 */
import { ops, type Tensor } from '../graph/index.ts';
import { DerivedWeights, type GraphWeights } from './weights.ts';

export const pruneMaskName = (param: string) => `prune_mask/${param}`;

export class MaskedWeights extends DerivedWeights {
  /** The mask input of each masked parameter, created up front so every name is fed. */
  readonly masks = new Map<string, Tensor>();

  constructor(inner: GraphWeights, names: readonly string[]) {
    super(inner, new Set(names));
    for (const name of names) {
      const w = inner.weight(name);
      this.masks.set(name, w.graph.input(pruneMaskName(name), 'float32', w.shape));
    }
  }

  protected derive(name: string, w: Tensor): Tensor {
    return ops.mul(w, this.masks.get(name)!);
  }
}
