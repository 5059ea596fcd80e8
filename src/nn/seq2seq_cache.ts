/**
 * Decoding with a key/value cache (Ott et al. 2019's incremental decoding): the encoder's keys and
 * values for every decoder layer's cross-attention are computed once per batch (`cross` graph),
 * and each step feeds one new token per sequence with the self-attention keys and values of the
 * tokens before it, returning them extended by one, so a step costs the same at any length. The
 * layer is seq2seq.ts's decoder layer, step by step; the tests check that both decode alike.
 */
import { Graph, ops, type Tensor } from '../graph/index.ts';
import { activation, attentionBias } from './layout.ts';
import { layerNorm, type LayerContext, type LayerSpec } from './layers.ts';
import type { Seq2SeqConfig } from './seq2seq_config.ts';
import { FINAL_LOGITS_BIAS, embeddingNorm, positionTable, seq2seqLayer, SHARED_EMBEDDINGS, stackNorm } from './seq2seq_params.ts';
import type { WeightProvider } from './weights.ts';
import { POSITION_OFFSET } from './config.ts';

export const crossName = (layer: number, kind: 'key' | 'value') => `cross.${layer}.${kind}`;
export const pastName = (layer: number, kind: 'key' | 'value') => `past.${layer}.${kind}`;
export const presentName = (layer: number, kind: 'key' | 'value') => `present.${layer}.${kind}`;

/** (B, T, h * hs) -> (B, h, T, hs). */
const toHeads = (x: Tensor, s: LayerSpec) => ops.transpose(ops.reshape(x, [0, 0, s.heads, s.headDim]), [0, 2, 1, 3]);
/** (B, h, T, hs) -> (B, T, h * hs). */
const mergeHeads = (x: Tensor, s: LayerSpec) => ops.reshape(ops.transpose(x, [0, 2, 1, 3]), [0, 0, s.heads * s.headDim]);

/** softmax(q k^T / sqrt(hs) + bias) v on heads, then the output projection. */
function attend(ctx: LayerContext, s: LayerSpec, q: Tensor, k: Tensor, v: Tensor, bias?: Tensor): Tensor {
  let scores = ops.matmul(ops.mul(q, 1 / Math.sqrt(s.headDim)), ops.transpose(k, [0, 1, 3, 2]));
  if (bias) scores = ops.add(scores, bias);
  return ctx.weights.linear(mergeHeads(ops.matmul(ops.softmax(scores, -1), v), s), s.names.attentionOut, s.dOut, s.heads * s.headDim);
}

/** The layer context of every inference graph of the encoder-decoder: dynamic axes, standard kernels, no dropout. */
export const inferenceContext = (c: Seq2SeqConfig, weights: WeightProvider): LayerContext => ({ weights, layout: { kind: 'dynamic' }, kernels: 'standard', eps: c.layer_norm_eps, dropout: 0 });

/** Layer i's cross-attention keys and values (B, h, S, hs) of the encoder output `memory`. */
export function crossKeysValues(memory: Tensor, w: WeightProvider, c: Seq2SeqConfig, i: number): [Tensor, Tensor] {
  const s = seq2seqLayer(c, 'decoder', i, true);
  return [toHeads(w.linear(memory, s.names.key, c.d_model, c.d_model), s), toHeads(w.linear(memory, s.names.value, c.d_model, c.d_model), s)];
}

/** Inputs `encoder_hidden_states` (B, S, d); outputs every decoder layer's cross-attention keys and values (B, h, S, hs). */
export function buildCrossCacheGraph(c: Seq2SeqConfig, weightsFor: (g: Graph) => WeightProvider): Graph {
  const g = new Graph('tltc-seq2seq-cross-cache');
  const w = weightsFor(g);
  const memory = g.input('encoder_hidden_states', 'float32', ['batch', 'source', c.d_model]);
  for (let i = 0; i < c.decoder_layers; i++) {
    const [key, value] = crossKeysValues(memory, w, c, i);
    g.output(key, crossName(i, 'key'));
    g.output(value, crossName(i, 'value'));
  }
  return g;
}

/** The decoder's token + position embeddings, normalized: `position` (B, T) counts from 0 at the start token. */
export function embedTargetTokens(ids: Tensor, position: Tensor, c: Seq2SeqConfig, ctx: LayerContext): Tensor {
  const g = ids.graph;
  const words = ctx.weights.embedding(SHARED_EMBEDDINGS, c.vocab_size, c.d_model, ids);
  const positions = ctx.weights.embedding(positionTable('decoder'), c.max_len + POSITION_OFFSET, c.d_model, ops.add(position, ops.scalar(g, POSITION_OFFSET, 'int64')));
  return layerNorm(ops.add(words, positions), ctx, embeddingNorm('decoder'), c.d_model);
}

/** The decoder's last norm and the tied output projection: logits (B, T, V). */
export function targetLogits(x: Tensor, c: Seq2SeqConfig, ctx: LayerContext): Tensor {
  return ctx.weights.tiedDecoder(layerNorm(x, ctx, stackNorm('decoder'), c.d_model), SHARED_EMBEDDINGS, FINAL_LOGITS_BIAS, c.vocab_size, c.d_model);
}

/** Keys and values a decoder step reads: the cached self-attention ones, the encoder's, and the biases on each. */
export interface StepCache {
  past: [Tensor, Tensor];
  cross: [Tensor, Tensor];
  memoryBias: Tensor;
  /** Causal bias (B, 1, T, P + T) when a step feeds T > 1 tokens; none for one token, which may see everything before it. */
  selfBias?: Tensor;
}

/** One decoder layer for the newest tokens `x` (B, T, d): their keys and values join the cached ones. */
export function decoderStepLayer(x: Tensor, ctx: LayerContext, c: Seq2SeqConfig, i: number, cache: StepCache): { y: Tensor; present: [Tensor, Tensor] } {
  const [self, cross] = [seq2seqLayer(c, 'decoder', i), seq2seqLayer(c, 'decoder', i, true)];
  const d = c.d_model;
  const h = layerNorm(x, ctx, self.names.attentionNorm, d);
  const key = ops.concat([cache.past[0], toHeads(ctx.weights.linear(h, self.names.key, d, d), self)], 2);
  const value = ops.concat([cache.past[1], toHeads(ctx.weights.linear(h, self.names.value, d, d), self)], 2);
  const x1 = ops.add(x, attend(ctx, self, toHeads(ctx.weights.linear(h, self.names.query, d, d), self), key, value, cache.selfBias));
  const q2 = toHeads(ctx.weights.linear(layerNorm(x1, ctx, cross.names.attentionNorm, d), cross.names.query, d, d), cross);
  const x2 = ops.add(x1, attend(ctx, cross, q2, cache.cross[0], cache.cross[1], cache.memoryBias));
  const inner = activation(ctx.weights.linear(layerNorm(x2, ctx, self.names.ffnNorm, d), self.names.ffnIn, self.ffn, d), self.activation, ctx.kernels);
  return { y: ops.add(x2, ctx.weights.linear(inner, self.names.ffnOut, d, self.ffn)), present: [key, value] };
}

/**
 * One decoding step: inputs `input_ids` and `position_ids` (B, 1) of the newest token (its position
 * counts from 0 at the start token), `encoder_attention_mask` (B, S), the cross-attention cache and
 * `past.<i>.key|value` (B, h, P, hs); outputs `logits` (B, 1, V) and `present.<i>.key|value` (B, h, P + 1, hs).
 */
export function buildDecoderStepGraph(c: Seq2SeqConfig, weightsFor: (g: Graph) => WeightProvider): Graph {
  const g = new Graph('tltc-seq2seq-decoder-step');
  const w = weightsFor(g);
  const ctx = inferenceContext(c, w);
  const [hs, heads] = [c.d_model / c.n_heads, c.n_heads];
  const ids = g.input('input_ids', 'int64', ['batch', 1]);
  const position = g.input('position_ids', 'int64', ['batch', 1]);
  const memoryBias = attentionBias(g.input('encoder_attention_mask', 'int64', ['batch', 'source']));
  let x = embedTargetTokens(ids, position, c, ctx);
  for (let i = 0; i < c.decoder_layers; i++) {
    const cache = {
      past: [g.input(pastName(i, 'key'), 'float32', ['batch', heads, 'past', hs]), g.input(pastName(i, 'value'), 'float32', ['batch', heads, 'past', hs])] as [Tensor, Tensor],
      cross: [g.input(crossName(i, 'key'), 'float32', ['batch', heads, 'source', hs]), g.input(crossName(i, 'value'), 'float32', ['batch', heads, 'source', hs])] as [Tensor, Tensor],
      memoryBias,
    };
    const layer = decoderStepLayer(x, ctx, c, i, cache);
    x = layer.y;
    g.output(layer.present[0], presentName(i, 'key'));
    g.output(layer.present[1], presentName(i, 'value'));
  }
  g.output(targetLogits(x, c, ctx), 'logits');
  return g;
}
