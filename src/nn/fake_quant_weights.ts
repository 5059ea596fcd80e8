/**
 * Quantization-aware training: the layers compute with w + `quant_delta/<name>`, where the caller
 * feeds delta = fakeQuant(w) - w each step. The forward pass sees the quantized weight and the
 * gradient passes straight through to w (the straight-through estimator).
 */
import { ops, type Tensor } from '../graph/index.ts';
import { DerivedWeights, type GraphWeights } from './weights.ts';

export const quantDeltaName = (param: string) => `quant_delta/${param}`;

export class FakeQuantWeights extends DerivedWeights {
  constructor(inner: GraphWeights, names: readonly string[]) {
    super(inner, names, quantDeltaName);
  }

  protected derive(w: Tensor, delta: Tensor): Tensor {
    return ops.add(w, delta);
  }
}
