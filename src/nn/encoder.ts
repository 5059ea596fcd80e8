/**
 * The RoBERTa-family encoder and its heads, once for every graph: the training graphs of
 * mlm.ts and classifier.ts and the deployment graphs of src/export build these same functions
 * with their own weight provider and layout.
 */
import { ops, type Tensor } from '../graph/index.ts';
import { POSITION_OFFSET, type ModelConfig } from './config.ts';
import { asActivations, firstTokens, meanTokens } from './layout.ts';
import { encoderLayer, layerNorm, maybeDropout, type LayerContext } from './layers.ts';
import { EMBEDDING_NORM, FINAL_NORM, POSITION_EMBEDDINGS, robertaLayer, WORD_EMBEDDINGS } from './params.ts';

/** The context every layer of model `c` shares. */
export function modelContext(c: Pick<ModelConfig, 'layer_norm_eps'>, base: Omit<LayerContext, 'eps'>): LayerContext {
  return { ...base, eps: c.layer_norm_eps };
}

/** Position ids 2, 3, ... for a fixed sequence length (RoBERTa numbers from padding_idx + 1). */
export function staticPositions(ids: Tensor, seq: number): Tensor {
  return ids.graph.constant(BigInt64Array.from({ length: seq }, (_, i) => BigInt(i + POSITION_OFFSET)), 'int64', [seq], 'position_ids');
}

/** Position ids from a right- or left-padded mask, as Hugging Face RoBERTa counts them: cumsum(mask) * mask + 1. */
export function maskedPositions(mask: Tensor): Tensor {
  return ops.add(ops.mul(ops.cumsum(mask, 1), mask), ops.scalar(mask.graph, 1, 'int64'));
}

/** Token + position embeddings (normalized when the config says so) and the encoder stack: the final hidden states. */
export function encode(ids: Tensor, positionIds: Tensor, c: ModelConfig, ctx: LayerContext): Tensor {
  const d = c.d_model;
  const words = ctx.weights.embedding(WORD_EMBEDDINGS, c.vocab_size, d, ids);
  const positions = ctx.weights.embedding(POSITION_EMBEDDINGS, c.max_len + POSITION_OFFSET, d, positionIds);
  let x = asActivations(ops.add(words, positions), ctx.layout, d);
  if (c.embedding_norm) x = layerNorm(x, ctx, EMBEDDING_NORM, d);
  x = maybeDropout(x, ctx);
  ctx.taps?.hidden.push(x);
  for (let i = 0; i < c.n_layers; i++) {
    x = encoderLayer(x, ctx, robertaLayer(c, i));
    ctx.taps?.hidden.push(x);
  }
  return c.norm === 'pre' ? layerNorm(x, ctx, FINAL_NORM, d) : x;
}

/** Dense -> GELU -> LN -> the tied output embedding + bias: vocabulary logits of the given hidden states. */
export function mlmHead(hidden: Tensor, c: ModelConfig, ctx: LayerContext): Tensor {
  const d = c.d_model;
  return hidden.graph.scope('lm_head', () => {
    const dense = ctx.weights.linear(hidden, 'lm_head.dense', d, d);
    const h = layerNorm(ops.gelu(dense, { standard: ctx.kernels === 'standard' }), ctx, 'lm_head.layer_norm', d);
    return ctx.weights.tiedDecoder(h, WORD_EMBEDDINGS, 'lm_head.bias', c.vocab_size, d);
  });
}

/**
 * RoBERTa's classification head, dense -> tanh -> out_proj, (B, labels), on each sequence's first
 * token or (c.pooling 'mean') its mean over the tokens `mask` keeps.
 */
export function classifierHead(hidden: Tensor, mask: Tensor, c: ModelConfig, numLabels: number, ctx: LayerContext): Tensor {
  const pooled = c.pooling === 'mean' ? meanTokens(hidden, mask, ctx.layout, c.d_model) : firstTokens(hidden, ctx.layout);
  const first = maybeDropout(pooled, ctx);
  return hidden.graph.scope('classifier', () => {
    const h = maybeDropout(ops.tanh(ctx.weights.linear(first, 'classifier.dense', c.d_model, c.d_model)), ctx);
    return ctx.weights.linear(h, 'classifier.out_proj', numLabels, c.d_model);
  });
}
