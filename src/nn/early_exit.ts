/**
 * Sentence-level early exit (DeeBERT, Xin et al. 2020; PABEE, Zhou et al. 2020): a classifier
 * after every layer, trained jointly. Exit i reads layer i's output; the last exit is the
 * model's own head (the final norm and `classifier.*`), so a model with exits is an ordinary
 * classifier when run to the end. Pre-LN exits normalize with their own LayerNorm, as the last
 * exit does with the final norm: pre-LN residual streams are not normalized between layers.
 */
import { ops, type Graph, type Tensor } from '../graph/index.ts';
import type { ModelConfig } from './config.ts';
import { classifierHead } from './encoder.ts';
import { layerNorm, type LayerContext } from './layers.ts';
import { FINAL_NORM, linearSpecs, normSpecs, type ParamSpec } from './params.ts';

export const EXIT_PREFIX = 'exits.';

/** Parameter names of the exit after layer `layer` (0-based) when it is not the last. */
export const exitPrefix = (layer: number) => `${EXIT_PREFIX}${layer}`;

export const isExitParam = (name: string) => name.startsWith(EXIT_PREFIX);

/** The heads of exits 0 .. n_layers - 2 (the last exit is the classifier's head); none without c.exit_heads. */
export function exitParamSpecs(c: ModelConfig, numLabels: number): ParamSpec[] {
  if (!c.exit_heads) return [];
  return Array.from({ length: c.n_layers - 1 }, (_, i) => {
    const p = exitPrefix(i);
    return [...(c.norm === 'pre' ? normSpecs(`${p}.layer_norm`, c.d_model) : []), ...linearSpecs(`${p}.dense`, c.d_model, c.d_model), ...linearSpecs(`${p}.out_proj`, numLabels, c.d_model)];
  }).flat();
}

/** The logits (B, labels) of the exit after layer `layer` from that layer's output (the encoder's hidden states before any final norm). */
export function exitLogits(hidden: Tensor, mask: Tensor, c: ModelConfig, numLabels: number, ctx: LayerContext, layer: number): Tensor {
  const last = layer === c.n_layers - 1;
  const prefix = last ? 'classifier' : exitPrefix(layer);
  const norm = last ? FINAL_NORM : `${prefix}.layer_norm`;
  const x = c.norm === 'pre' ? layerNorm(hidden, ctx, norm, c.d_model) : hidden;
  return classifierHead(x, mask, c, numLabels, ctx, 0, prefix);
}

/**
 * Each exit's weight in the joint loss, proportional to its depth and summing to 1 (PABEE's
 * weighted average): deep exits carry the most, so the full model stays close to one trained alone.
 */
export function exitLossWeights(exits: number): number[] {
  const total = (exits * (exits + 1)) / 2;
  return Array.from({ length: exits }, (_, i) => (i + 1) / total);
}

/** The joint loss: the exits' cross-entropies against the `labels` input (ignore index -100), weighted by exitLossWeights. */
export function jointExitLoss(g: Graph, exits: readonly Tensor[], batch: number): Tensor {
  const labels = g.input('labels', 'int64', [batch]);
  const weights = exitLossWeights(exits.length);
  const terms = exits.map((logits, i) => ops.mul(ops.softmaxCrossEntropy(logits, labels, { ignoreIndex: -100 }).loss, weights[i]));
  return terms.reduce((sum, t) => ops.add(sum, t));
}

/** The entropy of a softmax over `logits` in nats: DeeBERT's exit criterion. */
export function softmaxEntropy(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i] - max;
    const e = Math.exp(z);
    sum += e;
    weighted += e * z;
  }
  // H = -sum p log p with p = e^z / S: log S - sum(e^z z) / S.
  return Math.log(sum) - weighted / sum;
}
