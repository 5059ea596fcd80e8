/**
 * Sequence labelling (part-of-speech tagging): the encoder with a per-token linear head, as
 * Hugging Face's RobertaForTokenClassification (`classifier.weight`, `classifier.bias`). With
 * c.exit_heads every layer has its own token head, for token-level early exit (Li et al. 2021,
 * "Accelerating BERT Inference for Sequence Labeling via Early-Exit"): a token that has left
 * keeps its hidden state from then on, copied upward for the tokens still running to attend to.
 * Self-sampling fine-tuning trains for that: the graph takes per-layer keep-masks (input
 * `keep/<layer>`, 1 where a token's state is updated by the layer, 0 where it is copied), which
 * the trainer draws, so the heads learn from states with tokens halted below them.
 */
import { Graph, ops, type Tensor } from '../graph/index.ts';
import type { ModelConfig } from './config.ts';
import { embed, modelContext, staticPositions } from './encoder.ts';
import { exitLossWeights } from './early_exit.ts';
import { attentionBias, rowsLayout } from './layout.ts';
import { dropoutMaskInputs, encoderLayer, layerNorm, maybeDropout, type LayerContext } from './layers.ts';
import { FINAL_NORM, linearSpecs, mlmParamSpecs, normSpecs, robertaLayer, type ParamSpec } from './params.ts';
import { ParameterInputs } from './weights.ts';

/** Parameter names of layer `layer`'s token head: the last layer's is `classifier`, as in Hugging Face. */
export const tagHeadPrefix = (c: ModelConfig, layer: number) => (layer === c.n_layers - 1 ? 'classifier' : `token_exits.${layer}`);

/** The encoder (the MLM's without its head), then the token heads: the last layer's, and with exits every other layer's. */
export function taggerParamSpecs(c: ModelConfig, tags: number): ParamSpec[] {
  const encoder = mlmParamSpecs(c).filter((s) => !s.name.startsWith('lm_head.'));
  const exits = c.exit_heads
    ? Array.from({ length: c.n_layers - 1 }, (_, l) => {
        const p = tagHeadPrefix(c, l);
        return [...(c.norm === 'pre' ? normSpecs(`${p}.layer_norm`, c.d_model) : []), ...linearSpecs(p, tags, c.d_model)];
      }).flat()
    : [];
  return [...encoder, ...linearSpecs('classifier', tags, c.d_model), ...exits];
}

/** Layer `layer`'s per-token logits (tokens, tags) from its output (before any final norm). */
export function tagLogits(hidden: Tensor, c: ModelConfig, tags: number, ctx: LayerContext, layer: number): Tensor {
  const prefix = tagHeadPrefix(c, layer);
  const norm = layer === c.n_layers - 1 ? FINAL_NORM : `${prefix}.layer_norm`;
  const x = c.norm === 'pre' ? layerNorm(hidden, ctx, norm, c.d_model) : hidden;
  return hidden.graph.scope(prefix, () => ctx.weights.linear(maybeDropout(x, ctx), prefix, tags, c.d_model));
}

export interface TaggerGraph {
  graph: Graph;
  params: Tensor[];
  /** Per-token logits (B * T, tags) of each exit, shallowest first; the last is the model's (the only one without exits). */
  exitLogits: Tensor[];
  loss?: Tensor;
  dropoutMasks: Tensor[];
  /** With selfSampling: the keep-mask input of each layer but the first, (B * T, 1). */
  keepMasks: Tensor[];
}

export interface TaggerBuildOptions {
  dropout: number;
  /** Input `labels` (B, T) int64, -100 where no tag; the loss is the exits' mean cross-entropies, weighted by depth. */
  withLabels: boolean;
  /** Inputs `keep/<layer>` that copy halted tokens' states upward (self-sampling fine-tuning). */
  selfSampling?: boolean;
}

export function buildTagger(c: ModelConfig, tags: number, shape: { batch: number; seq: number }, o: TaggerBuildOptions): TaggerGraph {
  const g = new Graph('tagger');
  const params = new ParameterInputs(g, taggerParamSpecs(c, tags));
  const ids = g.input('input_ids', 'int64', [shape.batch, shape.seq]);
  const mask = g.input('attention_mask', 'int64', [shape.batch, shape.seq]);
  const dropouts = dropoutMaskInputs(g);
  const ctx = modelContext(c, { weights: params, layout: rowsLayout(shape), kernels: 'contrib', dropout: o.dropout, dropoutMask: dropouts.make, attentionBias: attentionBias(mask) });
  const rows = shape.batch * shape.seq;
  const keepMasks: Tensor[] = [];
  const exitLogits: Tensor[] = [];
  let x = embed(ids, staticPositions(ids, shape.seq), c, ctx);
  for (let l = 0; l < c.n_layers; l++) {
    const updated = encoderLayer(x, ctx, robertaLayer(c, l));
    if (o.selfSampling && l > 0) {
      // Layer l updates the tokens still running (keep 1); a halted token's state is copied: x + keep (updated - x).
      const keep = g.input(`keep/${l}`, 'float32', [rows, 1]);
      keepMasks.push(keep);
      x = ops.add(x, ops.mul(keep, ops.sub(updated, x)));
    } else {
      x = updated;
    }
    if (c.exit_heads || l === c.n_layers - 1) exitLogits.push(tagLogits(x, c, tags, ctx, l));
  }
  const loss = o.withLabels ? tagLoss(g, exitLogits, shape) : undefined;
  return { graph: g, params: params.inputs, exitLogits, loss, dropoutMasks: dropouts.masks, keepMasks };
}

/** The exits' mean cross-entropies over tagged tokens (input `labels` (B, T), -100 elsewhere), weighted by depth (exitLossWeights). */
function tagLoss(g: Graph, exits: readonly Tensor[], shape: { batch: number; seq: number }): Tensor {
  const labels = ops.reshape(g.input('labels', 'int64', [shape.batch, shape.seq]), [shape.batch * shape.seq]);
  const weights = exitLossWeights(exits.length);
  return exits.map((logits, i) => ops.mul(ops.softmaxCrossEntropy(logits, labels, { ignoreIndex: -100 }).loss, weights[i])).reduce((sum, t) => ops.add(sum, t));
}
