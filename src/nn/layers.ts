/**
 * Transformer layers as graph builders, written once for every graph: weights come from a
 * `WeightProvider`, shapes and kernels from the context (see layout.ts).
 */
import { ops, type Graph, type Tensor } from '../graph/index.ts';
import { activation, activationShape, perHeadShape, type Kernels, type TokenLayout } from './layout.ts';
import type { WeightProvider } from './weights.ts';
import { switchFfn, type RoutingReport, type SwitchSpec } from './switch_ffn.ts';

export interface LayerContext {
  weights: WeightProvider;
  layout: TokenLayout;
  kernels: Kernels;
  eps: number;
  /** Dropout ratio; 0 builds no dropout (evaluation and export). */
  dropout: number;
  /** Makes each dropout mask: a graph input of keep-scale values (0 or 1 / (1 - ratio)) the trainer draws from its seeded stream. */
  dropoutMask?: (like: Tensor) => Tensor;
  /** Additive attention bias (batch, 1, 1, seq): 0 for tokens, a large negative for padding. */
  attentionBias?: Tensor;
  /** Collects each Switch layer's routing report (balance loss, load, drops), in layer order, for graphs that use them. */
  routing?: RoutingReport[];
  /** Collects what distillation matches (nn/distill.ts), for graphs that use it. */
  taps?: LayerTaps;
}

/** An encoder's intermediate tensors, in layer order. */
export interface LayerTaps {
  /** The embeddings' output, then each layer's output: (tokens, d) rows. */
  hidden: Tensor[];
  /** Each self-attention's scores before the softmax, scaled and biased: (B, H, T, T). */
  scores: Tensor[];
}

/** Dropout masks as graph inputs `dropout_mask/<i>` (keep-scale values of what they mask), in creation order. */
export function dropoutMaskInputs(g: Graph): { masks: Tensor[]; make: (like: Tensor) => Tensor } {
  const masks: Tensor[] = [];
  const make = (like: Tensor) => {
    const mask = g.input(`dropout_mask/${masks.length}`, like.dtype, like.shape);
    masks.push(mask);
    return mask;
  };
  return { masks, make };
}

export function maybeDropout(x: Tensor, ctx: Pick<LayerContext, 'dropout' | 'dropoutMask'>): Tensor {
  if (ctx.dropout <= 0) return x;
  if (!ctx.dropoutMask) throw new Error('model: dropout needs mask inputs (dropoutMaskInputs)');
  return ops.dropoutWithMask(x, ctx.dropoutMask(x));
}

export function layerNorm(x: Tensor, ctx: LayerContext, name: string, d: number): Tensor {
  return ops.layerNorm(x, ctx.weights.tensor(`${name}.weight`, [d]), ctx.weights.tensor(`${name}.bias`, [d]), ctx.eps).y;
}

/** Parameter names of one encoder layer, and where an optional residual projection lives. */
export interface LayerNames {
  query: string;
  key: string;
  value: string;
  attentionOut: string;
  attentionNorm: string;
  ffnIn: string;
  ffnOut: string;
  ffnNorm: string;
  /** A linear d_in -> d_out on the residual, when a layer changes the width. */
  residual?: string;
}

export interface LayerSpec {
  /** Graph scope of the layer's nodes. */
  scope: string;
  /** 'pre': x + f(LN(x)); 'post': LN(x + f(x)). */
  norm: 'pre' | 'post';
  activation: 'gelu' | 'relu';
  heads: number;
  headDim: number;
  dIn: number;
  dOut: number;
  ffn: number;
  names: LayerNames;
  /** Switch experts in place of the FFN's two linear layers (names.ffnIn and ffnOut unused). */
  experts?: SwitchSpec;
}

/** Where attention reads its keys and values from: another sequence's activations (cross-attention), in its own layout. */
export interface AttentionMemory {
  x: Tensor;
  layout: TokenLayout;
  /** Additive bias on the scores, broadcast to (B, H, Tq, Tk): padding of the memory, or a causal mask. */
  bias?: Tensor;
}

/**
 * Multi-head attention before the residual: queries from `x`, keys and values from `memory` (by
 * default `x` itself with the context's bias: self-attention). With contrib kernels the scale and
 * the key's transpose fold into FusedMatMul; with standard ones the query is scaled and the key
 * transposed straight to (B, H, hs, T), so the file holds one Transpose per key.
 */
export function attention(x: Tensor, ctx: LayerContext, s: LayerSpec, memory: AttentionMemory = { x, layout: ctx.layout, bias: ctx.attentionBias }): Tensor {
  const { weights: w, layout } = ctx;
  const width = s.heads * s.headDim;
  const project = (name: string) => ops.reshape(w.linear(memory.x, name, width, s.dIn), perHeadShape(memory.layout, s.heads, s.headDim)); // (.., T, h, hs)
  const toHeads = (t: Tensor) => ops.transpose(t, [0, 2, 1, 3]); // (B, T, h, hs) -> (B, H, T, hs)
  const scale = 1 / Math.sqrt(s.headDim);
  let scores: Tensor;
  let v: Tensor;
  if (ctx.kernels === 'contrib') {
    const q = toHeads(ops.reshape(w.linear(x, s.names.query, width, s.dIn), perHeadShape(layout, s.heads, s.headDim)));
    const k = toHeads(project(s.names.key));
    v = toHeads(project(s.names.value));
    scores = ops.fusedMatMul(q, k, { transB: true, alpha: scale });
  } else {
    const q = toHeads(ops.reshape(ops.mul(w.linear(x, s.names.query, width, s.dIn), scale), perHeadShape(layout, s.heads, s.headDim)));
    const kT = ops.transpose(project(s.names.key), [0, 2, 3, 1]); // (B, H, hs, T)
    v = toHeads(project(s.names.value));
    scores = ops.matmul(q, kT);
  }
  if (memory.bias) scores = ops.add(scores, memory.bias);
  if (memory.x === x) ctx.taps?.scores.push(scores);
  const probs = maybeDropout(ops.softmax(scores, -1), ctx);
  const heads = ctx.kernels === 'contrib' ? ops.fusedMatMul(probs, v) : ops.matmul(probs, v); // (B, H, T, hs)
  const merged = ops.reshape(ops.transpose(heads, [0, 2, 1, 3]), activationShape(layout, width));
  return w.linear(merged, s.names.attentionOut, s.dOut, width);
}

/** The FFN before its residual: linear -> activation -> linear, or Switch experts. */
function feedForward(x: Tensor, ctx: LayerContext, s: LayerSpec): Tensor {
  if (s.experts) {
    const { y, report } = switchFfn(x, ctx, s.experts);
    ctx.routing?.push(report);
    return y;
  }
  const inner = activation(ctx.weights.linear(x, s.names.ffnIn, s.ffn, s.dOut), s.activation, ctx.kernels);
  return ctx.weights.linear(inner, s.names.ffnOut, s.dOut, s.ffn);
}

/** One encoder layer: attention and FFN, each with a residual, normalized before (pre) or after (post). */
export function encoderLayer(x: Tensor, ctx: LayerContext, s: LayerSpec): Tensor {
  const w = ctx.weights;
  const pre = s.norm === 'pre';
  return x.graph.scope(s.scope, () => {
    const attn = maybeDropout(attention(pre ? layerNorm(x, ctx, s.names.attentionNorm, s.dIn) : x, ctx, s), ctx);
    const residual = s.names.residual ? w.linear(x, s.names.residual, s.dOut, s.dIn) : x;
    const sum1 = ops.add(residual, attn);
    const h = pre ? sum1 : layerNorm(sum1, ctx, s.names.attentionNorm, s.dOut);
    const sum2 = ops.add(h, maybeDropout(feedForward(pre ? layerNorm(h, ctx, s.names.ffnNorm, s.dOut) : h, ctx, s), ctx));
    return pre ? sum2 : layerNorm(sum2, ctx, s.names.ffnNorm, s.dOut);
  });
}
