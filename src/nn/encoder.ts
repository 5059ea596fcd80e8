/**
 * The RoBERTa-family encoder and its heads, once for every graph: the training graphs of
 * mlm.ts and classifier.ts and the deployment graphs of src/export build these same functions
 * with their own weight provider and layout.
 */
import { ops, type Tensor } from '../graph/index.ts';
import { POSITION_OFFSET, type ModelConfig } from './config.ts';
import { asActivations, attentionBias, firstTokens, meanTokens, rowsLayout } from './layout.ts';
import { encoderLayer, layerNorm, maybeDropout, type LayerContext } from './layers.ts';
import { EMBEDDING_NORM, FINAL_NORM, POSITION_EMBEDDINGS, PROMPT_EMBEDDINGS, robertaLayer, WORD_EMBEDDINGS } from './params.ts';

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
  return encoderStack(embed(ids, positionIds, c, ctx), c, ctx);
}

/** Token + position embeddings, normalized when the config says so: the encoder stack's input. */
export function embed(ids: Tensor, positionIds: Tensor, c: ModelConfig, ctx: LayerContext): Tensor {
  const d = c.d_model;
  const words = ctx.weights.embedding(WORD_EMBEDDINGS, c.vocab_size, d, ids);
  const positions = ctx.weights.embedding(POSITION_EMBEDDINGS, c.max_len + POSITION_OFFSET, d, positionIds);
  const x = asActivations(ops.add(words, positions), ctx.layout, d);
  return maybeDropout(c.embedding_norm ? layerNorm(x, ctx, EMBEDDING_NORM, d) : x, ctx);
}

/** The layers (and pre-LN's final norm) on embedded activations. */
function encoderStack(embedded: Tensor, c: ModelConfig, ctx: LayerContext): Tensor {
  let x = embedded;
  ctx.taps?.hidden.push(x);
  for (let i = 0; i < c.n_layers; i++) {
    x = encoderLayer(x, ctx, robertaLayer(c, i));
    ctx.taps?.hidden.push(x);
  }
  return c.norm === 'pre' ? layerNorm(x, ctx, FINAL_NORM, c.d_model) : x;
}

/**
 * A classifier's logits (B, labels) and final hidden states from token ids and their (B, T) int64 mask. With
 * c.prompt_length k (prompt tuning, Lester et al. 2021), the k vectors of PROMPT_EMBEDDINGS come
 * before each sequence's embedded tokens: attention sees k + T tokens, the text keeps its own
 * positions, first-token pooling reads <s> at index k and mean pooling skips the prompt; the
 * hidden states then cover the k + T positions.
 */
export function classifierLogits(ids: Tensor, positionIds: Tensor, mask: Tensor, c: ModelConfig, numLabels: number, ctx: LayerContext): { logits: Tensor; hidden: Tensor } {
  const k = c.prompt_length ?? 0;
  if (k === 0) {
    const hidden = encode(ids, positionIds, c, ctx);
    return { logits: classifierHead(hidden, mask, c, numLabels, ctx), hidden };
  }
  const prompted = withPrompt(embed(ids, positionIds, c, ctx), mask, c, ctx);
  const hidden = encoderStack(prompted.x, c, prompted.ctx);
  return { logits: classifierHead(hidden, prompted.poolMask, c, numLabels, prompted.ctx, k), hidden };
}

/** Activations with the prompt before each sequence, the context for k + T tokens, and a pooling mask that is 0 on the prompt. */
function withPrompt(x: Tensor, mask: Tensor, c: ModelConfig, ctx: LayerContext): { x: Tensor; ctx: LayerContext; poolMask: Tensor } {
  const [k, d] = [c.prompt_length!, c.d_model];
  const g = x.graph;
  const prompt = ops.unsqueeze(ctx.weights.tensor(PROMPT_EMBEDDINGS, [k, d]), [0]); // (1, k, d)
  const maskRow = (value: number) => g.constant(new BigInt64Array(k).fill(BigInt(value)), 'int64', [1, k], 'prompt_mask');
  if (ctx.layout.kind === 'rows') {
    const { batch, seq } = ctx.layout;
    const joined = ops.concat([ops.expand(prompt, [batch, k, d]), ops.reshape(x, [batch, seq, d])], 1);
    const layout = rowsLayout({ batch, seq: seq + k });
    const extend = (value: number) => ops.concat([ops.expand(maskRow(value), [batch, k]), mask], 1);
    return { x: ops.reshape(joined, [batch * (seq + k), d]), ctx: { ...ctx, layout, attentionBias: attentionBias(extend(1)) }, poolMask: extend(0) };
  }
  const batch = ops.shapeOf(x, 0, 1);
  const joined = ops.concat([ops.expandTo(prompt, ops.concat([batch, ops.int64s(g, [k, d])], 0), [x.shape[0], k, d]), x], 1);
  const extend = (value: number) => ops.concat([ops.expandTo(maskRow(value), ops.concat([batch, ops.int64s(g, [k])], 0), [mask.shape[0], k]), mask], 1);
  return { x: joined, ctx: { ...ctx, attentionBias: attentionBias(extend(1)) }, poolMask: extend(0) };
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
 * token (at index `firstAt`) or (c.pooling 'mean') its mean over the tokens `mask` keeps; its
 * parameters are named under `prefix` (an early exit's head has its own, nn/early_exit.ts).
 */
export function classifierHead(hidden: Tensor, mask: Tensor, c: ModelConfig, numLabels: number, ctx: LayerContext, firstAt = 0, prefix = 'classifier'): Tensor {
  const pooled = c.pooling === 'mean' ? meanTokens(hidden, mask, ctx.layout, c.d_model) : firstTokens(hidden, ctx.layout, firstAt);
  const first = maybeDropout(pooled, ctx);
  return hidden.graph.scope(prefix, () => {
    const h = maybeDropout(ops.tanh(ctx.weights.linear(first, `${prefix}.dense`, c.d_model, c.d_model)), ctx);
    return ctx.weights.linear(h, `${prefix}.out_proj`, numLabels, c.d_model);
  });
}
