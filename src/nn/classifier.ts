/**
 * The sequence-classification training graph: the encoder of encoder.ts and RoBERTa's head on the
 * first token, on trainable parameters that may be masked (pruning) or fake-quantized (QAT).
 * Sequences are padded; attention_mask keeps padding out of attention.
 */
import { Graph, ops, type Tensor } from '../graph/index.ts';
import type { ModelConfig } from './config.ts';
import { classifierLogits, modelContext, staticPositions } from './encoder.ts';
import { FakeQuantWeights } from './fake_quant_weights.ts';
import { attentionBias, rowsLayout } from './layout.ts';
import { dropoutMaskInputs } from './layers.ts';
import { MaskedWeights } from './masked_weights.ts';
import { mlmParamSpecs, PROMPT_EMBEDDINGS, type ParamSpec } from './params.ts';
import { ParameterInputs, type GraphWeights } from './weights.ts';
import { l1Penalty, slimmingParamSpecs, SlimmingWeights } from './slimming_weights.ts';
import { ia3ParamSpecs, Ia3Weights } from './ia3_weights.ts';
import { softTargetLoss } from './distill.ts';
import { exitLogits, exitParamSpecs, jointExitLoss } from './early_exit.ts';
import type { LayerTaps } from './layers.ts';

export interface ClassifierShape {
  batch: number;
  seq: number;
}

/** Encoder parameters (the MLM's without its head) followed by the classification head and any early exits' heads. */
export function classifierParamSpecs(c: ModelConfig, numLabels: number): ParamSpec[] {
  const encoder = mlmParamSpecs(c).filter((s) => !s.name.startsWith('lm_head.'));
  return [
    ...encoder,
    ...(c.prompt_length ? [{ name: PROMPT_EMBEDDINGS, shape: [c.prompt_length, c.d_model], init: 'normal' as const, decay: false }] : []),
    { name: 'classifier.dense.weight', shape: [c.d_model, c.d_model], init: 'normal', decay: true },
    { name: 'classifier.dense.bias', shape: [c.d_model], init: 'zeros', decay: false },
    { name: 'classifier.out_proj.weight', shape: [numLabels, c.d_model], init: 'normal', decay: true },
    { name: 'classifier.out_proj.bias', shape: [numLabels], init: 'zeros', decay: false },
    ...exitParamSpecs(c, numLabels),
  ];
}

export interface ClassifierGraph {
  graph: Graph;
  params: Tensor[];
  logits: Tensor;
  /** With c.exit_heads: every exit's logits (B, labels), shallowest first; the last is `logits`. */
  exitLogits?: Tensor[];
  /** Mean cross-entropy, when built with labels. */
  loss?: Tensor;
  dropoutMasks: Tensor[];
  /** Keep-mask inputs by parameter name (see MaskedWeights). */
  pruneMasks: Map<string, Tensor>;
}

/**
 * What the head is trained for: classes (softmax cross-entropy), one number (squared error), or
 * a teacher's sentence embedding (cosine distance to the `teacher_embeddings` input).
 */
export type Objective = 'classification' | 'regression' | 'embedding';

export interface ClassifierBuildOptions {
  dropout: number;
  withLabels: boolean;
  /** Default classification. Regression takes float `labels` and `label_weights` (0 on padding rows) and has one output; embedding takes `teacher_embeddings` and `teacher_weights`. */
  objective?: Objective;
  /** Parameters multiplied by a keep-mask input (MaskedWeights). */
  pruned?: readonly string[];
  /** Parameters computed fake-quantized (FakeQuantWeights). */
  fakeQuant?: readonly string[];
  /** EarlyBERT's search stage: the parameters end with slimming coefficients, their L1 penalty (times lambda) joins the loss. */
  slimming?: { lambda: number };
  /** (IA)^3: the parameters end with the vectors that scale keys, values and FFN activations (ia3_weights.ts). */
  ia3?: boolean;
  /**
   * Task distillation: inputs `teacher_logits` (B, labels) and `teacher_weights` (B, 1 for rows
   * that count), and the loss (1 - alpha) * cross-entropy + alpha * the soft-target loss (distill.ts).
   */
  soft?: { alpha: number; temperature: number };
}

/** The parameters a classifier graph takes: the classifier's, then EarlyBERT's coefficients or the (IA)^3 vectors. */
export function classifierGraphSpecs(c: ModelConfig, numLabels: number, extra: { slimming?: boolean; ia3?: boolean } = {}): ParamSpec[] {
  return [...classifierParamSpecs(c, numLabels), ...(extra.slimming ? slimmingParamSpecs(c) : []), ...(extra.ia3 ? ia3ParamSpecs(c) : [])];
}

/** Mean squared error over the rows that count: sum(w (y^ - y)^2) / max(sum(w), 1), w 0 on padding rows. */
function squaredError(g: Graph, logits: Tensor, batch: number): Tensor {
  const target = g.input('labels', 'float32', [batch]);
  const weights = g.input('label_weights', 'float32', [batch]);
  const error = ops.sub(ops.reshape(logits, [batch]), target); // (B, 1) -> (B)
  const total = ops.reduceSum(ops.mul(weights, ops.mul(error, error)), undefined, { keepdims: false });
  return ops.div(total, ops.max(ops.reduceSum(weights, undefined, { keepdims: false }), 1));
}

/**
 * Mean cosine distance to the teacher's embeddings over the rows that count:
 * sum(w (1 - <s, t> / (|s| |t|))) / max(sum(w), 1), w 0 on padding rows (inputs `teacher_embeddings`, `teacher_weights`).
 */
function cosineDistance(g: Graph, student: Tensor, batch: number, dim: number): Tensor {
  const teacher = g.input('teacher_embeddings', 'float32', [batch, dim]);
  const weights = g.input('teacher_weights', 'float32', [batch]);
  const norm = (x: Tensor) => ops.sqrt(ops.add(ops.reduceSum(ops.mul(x, x), [1], { keepdims: false }), 1e-12));
  const cosine = ops.div(ops.reduceSum(ops.mul(student, teacher), [1], { keepdims: false }), ops.mul(norm(student), norm(teacher))); // (B)
  const total = ops.reduceSum(ops.mul(weights, ops.sub(ops.scalarLike(cosine, 1), cosine)), undefined, { keepdims: false });
  return ops.div(total, ops.max(ops.reduceSum(weights, undefined, { keepdims: false }), 1));
}

/** The loss of the head's objective (labels as inputs). */
export function headLoss(g: Graph, logits: Tensor, batch: number, numLabels: number, objective: Objective | undefined): Tensor {
  if (objective === 'regression') return squaredError(g, logits, batch);
  if (objective === 'embedding') return cosineDistance(g, logits, batch, numLabels);
  return ops.softmaxCrossEntropy(logits, g.input('labels', 'int64', [batch]), { ignoreIndex: -100 }).loss;
}

/** The hard loss mixed with the soft-target loss against the teacher's logits fed for the batch. */
function withSoftTargets(hard: Tensor, logits: Tensor, batch: number, numLabels: number, o: { alpha: number; temperature: number }): Tensor {
  const g = hard.graph;
  const soft = softTargetLoss(g.input('teacher_logits', 'float32', [batch, numLabels]), logits, o.temperature, g.input('teacher_weights', 'float32', [batch]));
  return ops.add(ops.mul(hard, 1 - o.alpha), ops.mul(soft, o.alpha));
}

export function buildClassifier(c: ModelConfig, numLabels: number, shape: ClassifierShape, options: ClassifierBuildOptions): ClassifierGraph {
  const g = new Graph('classifier');
  const params = new ParameterInputs(g, classifierGraphSpecs(c, numLabels, { slimming: options.slimming !== undefined, ia3: options.ia3 }));
  const masked = options.pruned?.length ? new MaskedWeights(params, options.pruned) : null;
  let weights: GraphWeights = masked ?? params;
  if (options.slimming) weights = new SlimmingWeights(weights, c);
  if (options.ia3) weights = new Ia3Weights(weights, c);
  if (options.fakeQuant?.length) weights = new FakeQuantWeights(weights, options.fakeQuant);
  const ids = g.input('input_ids', 'int64', [shape.batch, shape.seq]);
  const mask = g.input('attention_mask', 'int64', [shape.batch, shape.seq]);
  const maskInputs = dropoutMaskInputs(g);
  const layout = rowsLayout(shape);
  if (c.exit_heads && (options.objective ?? 'classification') !== 'classification') throw new Error('early exit needs a classification task: its exits stop on a confident class');
  const taps: LayerTaps | undefined = c.exit_heads ? { hidden: [], scores: [] } : undefined;
  const ctx = modelContext(c, { weights, layout, kernels: 'contrib', dropout: options.dropout, dropoutMask: maskInputs.make, attentionBias: attentionBias(mask), taps });
  const { logits } = classifierLogits(ids, staticPositions(ids, shape.seq), mask, c, numLabels, ctx);
  // taps.hidden: the embeddings, then each layer's output; the last exit is `logits` itself.
  const exits = taps ? [...taps.hidden.slice(1, c.n_layers).map((h, i) => exitLogits(h, mask, c, numLabels, { ...ctx, taps: undefined }, i)), logits] : undefined;
  let loss: Tensor | undefined;
  if (options.withLabels) loss = exits ? jointExitLoss(g, exits, shape.batch) : headLoss(g, logits, shape.batch, numLabels, options.objective);
  if (loss && options.soft) loss = withSoftTargets(loss, logits, shape.batch, numLabels, options.soft);
  if (loss && options.slimming && options.slimming.lambda > 0) loss = ops.add(loss, l1Penalty(slimmingParamSpecs(c).map((s) => params.weight(s.name)), options.slimming.lambda));
  return { graph: g, params: params.inputs, logits, exitLogits: exits, loss, dropoutMasks: maskInputs.masks, pruneMasks: masked?.inputs ?? new Map() };
}
