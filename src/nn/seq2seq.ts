/**
 * The encoder-decoder transformer, once for every graph: the training graph below and the
 * decoding graphs build these same functions with their own weight provider and layout. The
 * encoder stack is encoder.ts's layer; each decoder layer adds causal self-attention and
 * attention over the encoder's output (Vaswani et al. 2017), pre-LN as mBART.
 */
import { Graph, ops, type Tensor } from '../graph/index.ts';
import { POSITION_OFFSET } from './config.ts';
import { staticPositions } from './encoder.ts';
import { activation, activationShape, asActivations, attentionBias, rowsLayout, type TokenLayout } from './layout.ts';
import { attention, dropoutMaskInputs, encoderLayer, layerNorm, maybeDropout, type AttentionMemory, type LayerContext, type LayerSpec } from './layers.ts';
import type { Seq2SeqConfig } from './seq2seq_config.ts';
import { embeddingNorm, FINAL_LOGITS_BIAS, positionTable, seq2seqLayer, seq2seqParamSpecs, SHARED_EMBEDDINGS, stackNorm, type Stack } from './seq2seq_params.ts';
import { ParameterInputs } from './weights.ts';

/** Shared token embedding + the stack's learned positions, normalized, in the context's layout. */
function embed(ids: Tensor, positionIds: Tensor, c: Seq2SeqConfig, ctx: LayerContext, stack: Stack): Tensor {
  const d = c.d_model;
  const words = ctx.weights.embedding(SHARED_EMBEDDINGS, c.vocab_size, d, ids);
  const positions = ctx.weights.embedding(positionTable(stack), c.max_len + POSITION_OFFSET, d, positionIds);
  return maybeDropout(layerNorm(asActivations(ops.add(words, positions), ctx.layout, d), ctx, embeddingNorm(stack), d), ctx);
}

/** The encoder's final hidden states; `ctx.attentionBias` masks the source's padding. */
export function encodeSource(ids: Tensor, positionIds: Tensor, c: Seq2SeqConfig, ctx: LayerContext): Tensor {
  let x = embed(ids, positionIds, c, ctx, 'encoder');
  for (let i = 0; i < c.encoder_layers; i++) x = encoderLayer(x, ctx, seq2seqLayer(c, 'encoder', i));
  return layerNorm(x, ctx, stackNorm('encoder'), c.d_model);
}

/** One pre-LN decoder layer: causal self-attention (`ctx.attentionBias`), attention over `memory`, FFN; each with a residual. */
export function decoderLayer(x: Tensor, ctx: LayerContext, self: LayerSpec, cross: LayerSpec, memory: AttentionMemory): Tensor {
  const d = self.dOut;
  return x.graph.scope(self.scope, () => {
    const h1 = ops.add(x, maybeDropout(attention(layerNorm(x, ctx, self.names.attentionNorm, d), ctx, self), ctx));
    const h2 = ops.add(h1, maybeDropout(attention(layerNorm(h1, ctx, cross.names.attentionNorm, d), ctx, cross, memory), ctx));
    const inner = activation(ctx.weights.linear(layerNorm(h2, ctx, self.names.ffnNorm, d), self.names.ffnIn, self.ffn, d), self.activation, ctx.kernels);
    return ops.add(h2, maybeDropout(ctx.weights.linear(inner, self.names.ffnOut, d, self.ffn), ctx));
  });
}

/** The decoder's final hidden states for target-side ids, attending to the encoder's output `memory`. */
export function decodeTarget(ids: Tensor, positionIds: Tensor, memory: AttentionMemory, c: Seq2SeqConfig, ctx: LayerContext): Tensor {
  let x = embed(ids, positionIds, c, ctx, 'decoder');
  for (let i = 0; i < c.decoder_layers; i++) x = decoderLayer(x, ctx, seq2seqLayer(c, 'decoder', i), seq2seqLayer(c, 'decoder', i, true), memory);
  return layerNorm(x, ctx, stackNorm('decoder'), c.d_model);
}

/** Vocabulary logits through the shared embedding table (tied output projection) and the final bias. */
export function outputLogits(hidden: Tensor, c: Seq2SeqConfig, ctx: LayerContext): Tensor {
  return ctx.weights.tiedDecoder(hidden, SHARED_EMBEDDINGS, FINAL_LOGITS_BIAS, c.vocab_size, c.d_model);
}

/** Additive (1, 1, T, T) bias: 0 where position i may see position j <= i, a large negative after it. */
export function causalBias(g: Graph, t: number, negative = -1e4): Tensor {
  const bias = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) bias[i * t + j] = negative;
  return g.constant(bias, 'float32', [1, 1, t, t], 'causal_bias');
}

/**
 * Label-smoothed cross-entropy over the rows whose label is not -100: (1 - eps) NLL + eps times
 * the mean over the vocabulary of -log p (the uniform share), as Hugging Face's LabelSmoother and
 * fairseq (up to its eps / (V - 1)) compute it. Also returns the plain NLL, which perplexity reads.
 */
export function labelSmoothedLoss(logits: Tensor, labels: Tensor, eps: number): { loss: Tensor; nll: Tensor } {
  const { loss: nll, logProb } = ops.softmaxCrossEntropy(logits, labels, { ignoreIndex: -100 });
  if (eps <= 0) return { loss: nll, nll };
  const keep = ops.cast(ops.not(ops.equal(labels, ops.scalar(labels.graph, -100, 'int64'))), 'float32');
  const uniform = ops.div(ops.neg(ops.reduceSum(ops.mul(ops.reduceMean(logProb, [1]), keep))), ops.max(ops.reduceSum(keep), 1));
  return { loss: ops.add(ops.mul(nll, 1 - eps), ops.mul(uniform, eps)), nll };
}

export interface Seq2SeqShape {
  batch: number;
  /** Source and target lengths in tokens (the target's includes the start token). */
  source: number;
  target: number;
}

export interface Seq2SeqGraph {
  graph: Graph;
  params: Tensor[];
  dropoutMasks: Tensor[];
  loss: Tensor;
  nll: Tensor;
}

/**
 * The teacher-forced training graph: inputs `input_ids` and `attention_mask` (B, S) of the source,
 * `decoder_input_ids` (B, T) (the start token, then the target shifted right) and `labels` (B * T)
 * (the target then the end token, -100 at padding); parameters and dropout masks are graph inputs.
 */
export function buildSeq2SeqLoss(c: Seq2SeqConfig, shape: Seq2SeqShape, options: { dropout: number }): Seq2SeqGraph {
  const g = new Graph('seq2seq');
  const weights = new ParameterInputs(g, seq2seqParamSpecs(c));
  const inputIds = g.input('input_ids', 'int64', [shape.batch, shape.source]);
  const mask = g.input('attention_mask', 'int64', [shape.batch, shape.source]);
  const decoderIds = g.input('decoder_input_ids', 'int64', [shape.batch, shape.target]);
  const labels = g.input('labels', 'int64', [shape.batch * shape.target]);
  const maskInputs = dropoutMaskInputs(g);
  const base = { weights, kernels: 'contrib' as const, eps: c.layer_norm_eps, dropout: options.dropout, dropoutMask: maskInputs.make };
  const sourceLayout: TokenLayout = rowsLayout({ batch: shape.batch, seq: shape.source });
  const sourceBias = attentionBias(mask);
  const encoded = encodeSource(inputIds, staticPositions(inputIds, shape.source), c, { ...base, layout: sourceLayout, attentionBias: sourceBias });
  const targetCtx: LayerContext = { ...base, layout: rowsLayout({ batch: shape.batch, seq: shape.target }), attentionBias: causalBias(g, shape.target) };
  const hidden = decodeTarget(decoderIds, staticPositions(decoderIds, shape.target), { x: encoded, layout: sourceLayout, bias: sourceBias }, c, targetCtx);
  const logits = ops.reshape(outputLogits(hidden, c, targetCtx), activationShape(targetCtx.layout, c.vocab_size));
  const { loss, nll } = labelSmoothedLoss(logits, labels, c.label_smoothing);
  return { graph: g, params: weights.inputs, dropoutMasks: maskInputs.masks, loss, nll };
}

/** Matmul FLOPs of one teacher-forced forward pass: 2 m n k per GEMM (DESIGN §6). */
export function seq2seqForwardFlops(c: Seq2SeqConfig, shape: Seq2SeqShape): number {
  const [b, s, t, d] = [shape.batch, shape.source, shape.target, c.d_model];
  const encoder = c.encoder_layers * (2 * b * s * (4 * d * d + 2 * d * c.d_ff) + 4 * b * s * s * d);
  const selfAndFfn = 2 * b * t * (4 * d * d + 2 * d * c.d_ff) + 4 * b * t * t * d;
  const cross = 2 * b * t * 2 * d * d + 2 * b * s * 2 * d * d + 4 * b * t * s * d;
  return encoder + c.decoder_layers * (selfAndFfn + cross) + 2 * b * t * d * c.vocab_size;
}
