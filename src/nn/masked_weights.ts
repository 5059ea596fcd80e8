/**
 * Weights multiplied by a keep-mask input `prune_mask/<name>` (float32, 0 or 1): pruned weights
 * compute as zero and get no gradient; the optimizer step re-applies the same masks.
 */
import { ops, type Tensor } from '../graph/index.ts';
import { DerivedWeights, type GraphWeights } from './weights.ts';

export const pruneMaskName = (param: string) => `prune_mask/${param}`;

export class MaskedWeights extends DerivedWeights {
  constructor(inner: GraphWeights, names: readonly string[]) {
    super(inner, names, pruneMaskName);
  }

  protected derive(w: Tensor, mask: Tensor): Tensor {
    return ops.mul(w, mask);
  }
}
