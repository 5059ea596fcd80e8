/**
 * Quantization-aware training: the layers compute with w + `quant_delta/<name>`, where the caller
 * feeds delta = fakeQuant(w) - w each step. The forward pass sees the quantized weight and the
 * gradient passes straight through to w (the straight-through estimator).
 */
import { ops, type Tensor } from '../graph/index.ts';
import { DerivedWeights, type GraphWeights } from './weights.ts';

export const quantDeltaName = (param: string) => `quant_delta/${param}`;

export class FakeQuantWeights extends DerivedWeights {
  private readonly deltas = new Map<string, Tensor>();

  constructor(inner: GraphWeights, names: readonly string[]) {
    super(inner, new Set(names));
    for (const name of names) {
      const w = inner.weight(name);
      this.deltas.set(name, w.graph.input(quantDeltaName(name), 'float32', w.shape));
    }
  }

  protected derive(name: string, w: Tensor): Tensor {
    return ops.add(w, this.deltas.get(name)!);
  }
}
