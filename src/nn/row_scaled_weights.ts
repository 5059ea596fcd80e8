/**
 * Weights whose rows (output channels) are scaled by a learned vector input `row_scale/<name>`
 * of length out: diag(s) W. On a linear layer's weight and bias this scales its outputs, the
 * form (IA)^3 adapters take for keys, values and FFN activations.
 */
import { ops, type Tensor } from '../graph/index.ts';
import { DerivedWeights, type GraphWeights } from './weights.ts';

export const rowScaleName = (param: string) => `row_scale/${param}`;

export class RowScaledWeights extends DerivedWeights {
  readonly scales = new Map<string, Tensor>();

  /** `names` are linear layers' weights (out, in) or biases (out). */
  constructor(inner: GraphWeights, names: readonly string[]) {
    super(inner, new Set(names));
    for (const name of names) {
      const w = inner.weight(name);
      this.scales.set(name, w.graph.input(rowScaleName(name), 'float32', w.shape.length === 2 ? [w.shape[0], 1] : w.shape));
    }
  }

  protected derive(name: string, w: Tensor): Tensor {
    return ops.mul(w, this.scales.get(name)!);
  }
}
