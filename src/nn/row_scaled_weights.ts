/**
 * Weights whose rows (output channels) are scaled by a learned vector input `row_scale/<name>`
 * of length out: diag(s) W. On a linear layer's weight and bias this scales its outputs, the
 * form (IA)^3 adapters take for keys, values and FFN activations.
 */
import { ops, type Tensor } from '../graph/index.ts';
import { DerivedWeights, type GraphWeights } from './weights.ts';

export const rowScaleName = (param: string) => `row_scale/${param}`;

export class RowScaledWeights extends DerivedWeights {
  /** `names` are linear layers' weights (out, in), scaled by an (out, 1) input, or biases (out). */
  constructor(inner: GraphWeights, names: readonly string[]) {
    super(inner, names, rowScaleName, (w) => (w.shape.length === 2 ? [w.shape[0] as number, 1] : (w.shape as number[])));
  }

  protected derive(w: Tensor, scale: Tensor): Tensor {
    return ops.mul(w, scale);
  }
}
