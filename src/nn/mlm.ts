/**
 * The masked-LM training graph: the encoder of encoder.ts on trainable parameters, and the
 * tied-embedding head applied only at masked positions (as fairseq does), so the vocabulary
 * projection costs 15%, not 100%.
 */
import { Graph, ops, type Tensor } from '../graph/index.ts';
import { expertRouting, headDim, layerFfn, layerHeads, type ModelConfig } from './config.ts';
import { encode, mlmHead, modelContext, staticPositions } from './encoder.ts';
import { rowsLayout } from './layout.ts';
import { dropoutMaskInputs } from './layers.ts';
import { mlmParamSpecs, type ParamSpec } from './params.ts';
import { MaskedWeights } from './masked_weights.ts';
import { l1Penalty, slimmingParamSpecs, SlimmingWeights } from './slimming_weights.ts';
import { ParameterInputs } from './weights.ts';
import type { RoutingReport } from './switch_ffn.ts';
import { distillationLoss, distillParamSpecs, type DistillOptions } from './distill.ts';
import type { LayerTaps } from './layers.ts';

export interface MlmShape {
  batch: number;
  seq: number;
  /** Number of predicted positions per batch (flattened). */
  masked: number;
}

export interface MlmGraph {
  graph: Graph;
  /** Dropout mask inputs (keep-scale float32, in graph order). */
  dropoutMasks: Tensor[];
  params: Tensor[];
  inputIds: Tensor;
  maskedPositions: Tensor;
  labels: Tensor;
  loss: Tensor;
  /** Keep-mask inputs of the sparse weights (`options.pruned`), by parameter name. */
  pruneMasks: Map<string, Tensor>;
  /** The weights the layers compute with (weight x mask), by parameter name, for the sparse ones. */
  effective: Map<string, Tensor>;
  /** Each Switch layer's routing report, in layer order (empty for a dense model). */
  routing: RoutingReport[];
}

export interface MlmLossOptions {
  dropout: number;
  pruned?: readonly string[];
  slimming?: { lambda: number };
  balance?: boolean;
  distill?: DistillOptions;
}

/** The parameters a loss graph takes, in order: the model's, then EarlyBERT's coefficients or distillation's projections. */
export function mlmLossParamSpecs(c: ModelConfig, options: Pick<MlmLossOptions, 'slimming' | 'distill'>): ParamSpec[] {
  return [...mlmParamSpecs(c), ...(options.slimming ? slimmingParamSpecs(c) : []), ...(options.distill ? distillParamSpecs(c, options.distill) : [])];
}

/**
 * The forward graph to the mean masked-LM loss; parameters and dropout masks are graph inputs,
 * and so are keep-masks of the weights named in `pruned` (sparse training). With `slimming`, the
 * parameters end with EarlyBERT's coefficients (slimming_weights.ts), and a positive lambda adds
 * their L1 penalty to the loss. A Switch model adds its load-balancing loss unless `balance` is false.
 * With `distill`, the teacher's forward pass joins the graph and the loss is distillation's
 * (nn/distill.ts); its projections, if any, follow the student's parameters.
 */
export function buildMlmLoss(c: ModelConfig, shape: MlmShape, options: MlmLossOptions): MlmGraph {
  const g = new Graph('mlm');
  const params = new ParameterInputs(g, mlmLossParamSpecs(c, options));
  const masked = options.pruned?.length ? new MaskedWeights(params, options.pruned) : null;
  const weights = options.slimming ? new SlimmingWeights(masked ?? params, c) : (masked ?? params);
  const inputIds = g.input('input_ids', 'int64', [shape.batch, shape.seq]);
  const maskedPositions = g.input('masked_positions', 'int64', [shape.masked]);
  const labels = g.input('labels', 'int64', [shape.masked]);
  const maskInputs = dropoutMaskInputs(g);
  const routing: RoutingReport[] = [];
  const taps: LayerTaps | undefined = options.distill ? { hidden: [], scores: [] } : undefined;
  const ctx = modelContext(c, { weights, layout: rowsLayout(shape), kernels: 'contrib', dropout: options.dropout, dropoutMask: maskInputs.make, routing, taps });
  const positions = staticPositions(inputIds, shape.seq);
  const hidden = encode(inputIds, positions, c, ctx);
  const logits = mlmHead(ops.gather(hidden, maskedPositions), c, ctx); // (M, D) -> (M, V)
  const { loss: hard } = ops.softmaxCrossEntropy(logits, labels, { ignoreIndex: -100 });
  const mlmLoss = options.distill ? distillationLoss({ hard, logits, taps: taps!, inputIds, positions, maskedPositions, weights: params }, c, shape, options.distill) : hard;
  // EarlyBERT's search stage: the L1 penalty on the slimming coefficients joins the loss it trains on.
  const lambda = options.slimming?.lambda ?? 0;
  let loss = lambda > 0 ? ops.add(mlmLoss, l1Penalty(slimmingParamSpecs(c).map((s) => params.weight(s.name)), lambda)) : mlmLoss;
  // Switch's load-balancing loss, summed over the expert layers, joins the loss it trains on.
  const balanceWeight = expertRouting(c)?.balanceWeight ?? 0;
  if (routing.length > 0 && balanceWeight > 0 && options.balance !== false) loss = ops.add(loss, ops.mul(ops.sum(routing.map((r) => r.balanceLoss)), balanceWeight));
  const effective = new Map((options.pruned ?? []).map((name) => [name, weights.weight(name)]));
  return { graph: g, dropoutMasks: maskInputs.masks, params: params.inputs, inputIds, maskedPositions, labels, loss, pruneMasks: masked?.inputs ?? new Map(), effective, routing };
}

/**
 * Matmul FLOPs of one forward pass: 2 m n k per GEMM (DESIGN §6). A Switch layer computes its
 * router and one FFN over each expert's capacity, E * C rows (about capacity_factor * n).
 */
export function mlmForwardFlops(c: ModelConfig, shape: MlmShape): number {
  const n = shape.batch * shape.seq;
  const d = c.d_model;
  const routing = expertRouting(c);
  const ffnRows = routing ? routing.experts * Math.ceil((routing.capacityFactor * n) / routing.experts) : n;
  let layers = 0;
  for (let i = 0; i < c.n_layers; i++) {
    const attn = layerHeads(c, i) * headDim(c);
    const router = routing ? 2 * n * d * routing.experts : 0;
    layers += 2 * n * 4 * d * attn + 2 * ffnRows * 2 * d * layerFfn(c, i) + router + 2 * 2 * shape.batch * shape.seq * shape.seq * attn;
  }
  const head = 2 * shape.masked * (d * d + d * c.vocab_size);
  return layers + head;
}
