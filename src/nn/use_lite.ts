/**
 * The Universal Sentence Encoder Lite, built from the same layers as every tltc encoder. What
 * differs from RoBERTa, named here: a sinusoidal timing signal (tensor2tensor's) instead of
 * learned positions, with the token embeddings counted twice as the original graph does; ReLU
 * FFNs; layers that may widen (the residual then goes through a projection); masked mean pooling,
 * a tanh layer and L2 normalization instead of a first-token head.
 */
import { ops, type Tensor } from '../graph/index.ts';
import { encoderLayer, type LayerContext, type LayerSpec } from './layers.ts';
import type { UseLiteConfig, UseLiteLayer } from './use_lite_config.ts';

export function useLiteLayer(l: UseLiteLayer, i: number): LayerSpec {
  const p = `layers.${i}`;
  return {
    scope: p,
    norm: 'pre',
    activation: 'relu',
    heads: l.heads,
    headDim: l.head_dim,
    dIn: l.d_in,
    dOut: l.d_out,
    ffn: l.ffn,
    names: {
      query: `${p}.query`,
      key: `${p}.key`,
      value: `${p}.value`,
      attentionOut: `${p}.attention_out`,
      attentionNorm: `${p}.attention_norm`,
      ffnIn: `${p}.ffn_in`,
      ffnOut: `${p}.ffn_out`,
      ffnNorm: `${p}.ffn_norm`,
      residual: l.residual_projection ? `${p}.residual` : undefined,
    },
  };
}

/** Embeddings plus the timing signal of positions 0, 1, ... over each row's tokens (maskF: float (B, T)). */
function embed(ids: Tensor, maskF: Tensor, c: UseLiteConfig, ctx: LayerContext): Tensor {
  const positions = ops.unsqueeze(ops.sub(ops.cumsum(maskF, 1), 1), [2]); // (B, T, 1)
  const angles = ops.mul(positions, ctx.weights.tensor('timing.inverse_timescales', [c.timing_channels]));
  const tokens = ctx.weights.embedding('embeddings.weight', c.vocab_size, c.embedding_dim, ids);
  return ops.add(ops.mul(tokens, 2), ops.concat([ops.sin(angles), ops.cos(angles)], 2));
}

/** Hidden states (B, T, D) and the unit-length sentence embedding (B, output_dim) of (B, T) ids and mask. */
export function useLiteEncode(ids: Tensor, mask: Tensor, c: UseLiteConfig, ctx: Omit<LayerContext, 'attentionBias'>): { hidden: Tensor; embedding: Tensor } {
  const g = ids.graph;
  const maskF = ops.cast(mask, 'float32');
  let x = embed(ids, maskF, c, ctx);
  const attentionBias = ops.mul(ops.sub(ops.scalar(g, 1, 'float32'), ops.unsqueeze(maskF, [1, 2])), -1e9); // (B, 1, 1, T)
  c.layers.forEach((l, i) => (x = encoderLayer(x, { ...ctx, attentionBias }, useLiteLayer(l, i))));
  const width = c.layers.at(-1)!.d_out;
  const summed = ops.reduceSum(ops.mul(x, ops.unsqueeze(maskF, [2])), [1]); // (B, D)
  const count = ops.max(ops.reduceSum(maskF, [1], { keepdims: true }), 1);
  const pooled = ops.tanh(ctx.weights.linear(ops.div(summed, count), 'pooler', c.output_dim, width));
  const norm = ops.sqrt(ops.max(ops.reduceSum(ops.mul(pooled, pooled), [1], { keepdims: true }), 1e-12));
  return { hidden: x, embedding: ops.div(pooled, norm) };
}
