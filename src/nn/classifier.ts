/**
 * Sequence classification: the encoder plus a RoBERTa-style head on the first token
 * (dense -> tanh -> out_proj). Sequences are padded; attention_mask keeps padding out of attention.
 */
import { Graph, ops, type Tensor } from '../graph/index.ts';
import type { ModelConfig } from './config.ts';
import { dropoutMaskInputs, layerContext, linear, maybeDropout } from './layers.ts';
import { encode } from './mlm.ts';
import { mlmParamSpecs, type ParamSpec } from './params.ts';

export interface ClassifierShape {
  batch: number;
  seq: number;
}

/** Encoder parameters (the MLM's without its head) followed by the classification head. */
export function classifierParamSpecs(c: ModelConfig, numLabels: number): ParamSpec[] {
  const encoder = mlmParamSpecs(c).filter((s) => !s.name.startsWith('lm_head.'));
  return [
    ...encoder,
    { name: 'classifier.dense.weight', shape: [c.d_model, c.d_model], init: 'normal', decay: true },
    { name: 'classifier.dense.bias', shape: [c.d_model], init: 'zeros', decay: false },
    { name: 'classifier.out_proj.weight', shape: [numLabels, c.d_model], init: 'normal', decay: true },
    { name: 'classifier.out_proj.bias', shape: [numLabels], init: 'zeros', decay: false },
  ];
}

export interface ClassifierGraph {
  graph: Graph;
  params: Tensor[];
  logits: Tensor;
  /** Mean cross-entropy, when built with labels. */
  loss?: Tensor;
  dropoutMasks: Tensor[];
  /** Keep-mask inputs `prune_mask/<name>` by parameter name (see `pruned`). */
  pruneMasks: Map<string, Tensor>;
}

export interface ClassifierBuildOptions {
  dropout: number;
  withLabels: boolean;
  /**
   * Parameters the forward pass multiplies by a keep-mask input `prune_mask/<name>` (float32,
   * 0 or 1): pruned weights get no gradient, and the optimizer step re-applies the mask.
   */
  pruned?: readonly string[];
  /**
   * Parameters to which the forward pass adds an input `quant_delta/<name>` = fakeQuant(w) - w,
   * computed by the caller: the model computes with quantized weights while the gradient passes
   * straight through to w (the straight-through estimator).
   */
  fakeQuant?: readonly string[];
}

export const pruneMaskName = (param: string) => `prune_mask/${param}`;
export const quantDeltaName = (param: string) => `quant_delta/${param}`;

export function buildClassifier(c: ModelConfig, numLabels: number, shape: ClassifierShape, options: ClassifierBuildOptions): ClassifierGraph {
  const g = new Graph('classifier');
  const specs = classifierParamSpecs(c, numLabels);
  const params = specs.map((s) => g.input(s.name, 'float32', s.shape));
  const p: Record<string, Tensor> = Object.fromEntries(params.map((t) => [t.name, t]));
  const pruneMasks = new Map<string, Tensor>();
  for (const name of options.pruned ?? []) {
    const mask = g.input(pruneMaskName(name), 'float32', p[name].shape);
    pruneMasks.set(name, mask);
    p[name] = ops.mul(p[name], mask);
  }
  for (const name of options.fakeQuant ?? []) p[name] = ops.add(p[name], g.input(quantDeltaName(name), 'float32', p[name].shape));
  const ids = g.input('input_ids', 'int64', [shape.batch, shape.seq]);
  const mask = g.input('attention_mask', 'int64', [shape.batch, shape.seq]);
  // 0 where attended, -1e4 at padding: softmax gives padding no weight.
  const bias = ops.reshape(ops.mul(ops.sub(ops.scalar(g, 1, 'float32'), ops.cast(mask, 'float32')), -1e4), [shape.batch, 1, 1, shape.seq]);
  const maskInputs = dropoutMaskInputs(g);
  const ctx = layerContext(c, p, shape, options.dropout, {
    attentionBias: bias,
    dropoutMask: options.dropout > 0 ? maskInputs.make : undefined,
  });
  const hidden = encode(ids, c, ctx); // (B*T, D)
  const firstRows = g.constant(BigInt64Array.from({ length: shape.batch }, (_, b) => BigInt(b * shape.seq)), 'int64', [shape.batch], 'first_token_rows');
  const logits = g.scope('classifier', () => {
    const cls = maybeDropout(ops.gather(hidden, firstRows), ctx); // (B, D)
    const h = maybeDropout(ops.tanh(linear(cls, p, 'classifier.dense')), ctx);
    return linear(h, p, 'classifier.out_proj'); // (B, C)
  });
  let loss: Tensor | undefined;
  if (options.withLabels) {
    const labels = g.input('labels', 'int64', [shape.batch]);
    loss = ops.softmaxCrossEntropy(logits, labels, { ignoreIndex: -100 }).loss;
  }
  return { graph: g, params, logits, loss, dropoutMasks: maskInputs.masks, pruneMasks };
}
