/**
 * EarlyBERT's slimming coefficients (Chen et al. 2021): one learnable scale per attention head
 * and per FFN neuron of every layer, starting at 1. A head's output and a neuron's activation
 * reach the rest of the network only through their columns of the output projection
 * (attention.output.dense, output.dense), so scaling those columns scales the structure: the
 * layers are unchanged, and a coefficient of 0 removes the structure exactly.
 */
import { ops, type Tensor } from '../graph/index.ts';
import { headDim, layerFfn, layerHeads, type ModelConfig } from './config.ts';
import { layerPrefix, type ParamSpec } from './params.ts';
import { GraphWeights } from './weights.ts';

export const headCoefficients = (layer: number) => `slimming/${layerPrefix(layer)}.heads`;
export const ffnCoefficients = (layer: number) => `slimming/${layerPrefix(layer)}.ffn`;

/** The coefficients as trainable parameters (no weight decay: the L1 penalty is their regularizer). */
export function slimmingParamSpecs(c: ModelConfig): ParamSpec[] {
  return Array.from({ length: c.n_layers }, (_, i) => [
    { name: headCoefficients(i), shape: [layerHeads(c, i)], init: 'ones' as const, decay: false },
    { name: ffnCoefficients(i), shape: [layerFfn(c, i)], init: 'ones' as const, decay: false },
  ]).flat();
}

/** Another provider's weights with each layer's two output projections scaled column-wise by the coefficients. */
export class SlimmingWeights extends GraphWeights {
  private readonly scaled = new Map<string, Tensor>();
  /** Output-projection weight name -> (coefficient name, columns per coefficient). */
  private readonly targets = new Map<string, { coefficients: string; repeat: number }>();

  constructor(
    private readonly inner: GraphWeights,
    c: ModelConfig,
  ) {
    super();
    for (let i = 0; i < c.n_layers; i++) {
      const p = layerPrefix(i);
      this.targets.set(`${p}.attention.output.dense.weight`, { coefficients: headCoefficients(i), repeat: headDim(c) });
      this.targets.set(`${p}.output.dense.weight`, { coefficients: ffnCoefficients(i), repeat: 1 });
    }
  }

  weight(name: string): Tensor {
    const target = this.targets.get(name);
    if (!target) return this.inner.weight(name);
    let t = this.scaled.get(name);
    if (!t) {
      t = ops.mul(this.inner.weight(name), columnScale(this.inner.weight(target.coefficients), target.repeat));
      this.scaled.set(name, t);
    }
    return t;
  }
}

/** (n) coefficients as a (1, n * repeat) row: each repeated over its structure's columns. */
function columnScale(coefficients: Tensor, repeat: number): Tensor {
  const n = coefficients.shape[0] as number;
  if (repeat === 1) return ops.reshape(coefficients, [1, n]);
  return ops.reshape(ops.expand(ops.reshape(coefficients, [n, 1]), [n, repeat]), [1, n * repeat]);
}

/** lambda * sum |c| over every coefficient: the sparsity-inducing penalty added to the loss. */
export function l1Penalty(coefficients: readonly Tensor[], lambda: number): Tensor {
  const sums = coefficients.map((c) => ops.reduceSum(ops.abs(c), undefined, { keepdims: false }));
  return ops.mul(sums.length === 1 ? sums[0] : ops.sum(sums), lambda);
}
