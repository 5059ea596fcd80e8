/** Transformer layers as graph builders. Activations are kept as (tokens, d_model) rows. */
import { ops, type Graph, type Tensor } from '../graph/index.ts';

export type Params = Readonly<Record<string, Tensor>>;

export interface LayerContext {
  params: Params;
  batch: number;
  seq: number;
  /** Width of one attention head. */
  headDim: number;
  /** Dropout ratio; 0 builds no Dropout nodes (evaluation and export). */
  dropout: number;
  /** Seeds each Dropout node's random stream, so a run is reproducible from its config. */
  seed?: number;
  /**
   * When set, dropout masks are graph inputs made by this function (keep-scale values, x's shape) instead of
   * ONNX Dropout's own random stream: the trainer draws them from its seeded generator.
   */
  dropoutMask?: (like: Tensor) => Tensor;
  eps: number;
  /** Additive attention bias (batch, 1, 1, seq): 0 for tokens, a large negative for padding. */
  attentionBias?: Tensor;
}

/** The context every layer of model `c` shares; `extra` adds masks, seeds and attention bias. */
export function layerContext(
  c: { d_model: number; n_heads: number; layer_norm_eps: number },
  params: Params,
  shape: { batch: number; seq: number },
  dropout: number,
  extra: Partial<Pick<LayerContext, 'seed' | 'dropoutMask' | 'attentionBias'>> = {},
): LayerContext {
  return { params, batch: shape.batch, seq: shape.seq, headDim: c.d_model / c.n_heads, dropout, eps: c.layer_norm_eps, ...extra };
}

/** Dropout masks as graph inputs `dropout_mask/<i>` (0 or 1 / (1 - ratio), the dtype and shape of what they mask), in creation order. */
export function dropoutMaskInputs(g: Graph): { masks: Tensor[]; make: (like: Tensor) => Tensor } {
  const masks: Tensor[] = [];
  const make = (like: Tensor) => {
    const mask = g.input(`dropout_mask/${masks.length}`, like.dtype, like.shape);
    masks.push(mask);
    return mask;
  };
  return { masks, make };
}

/** x @ W^T + b with W stored (out, in) as in PyTorch and Hugging Face. */
export function linear(x: Tensor, p: Params, name: string): Tensor {
  return ops.gemm(x, p[`${name}.weight`], p[`${name}.bias`], { transB: true });
}

export function layerNorm(x: Tensor, p: Params, name: string, eps: number): Tensor {
  return ops.layerNorm(x, p[`${name}.weight`], p[`${name}.bias`], eps).y;
}

export function maybeDropout(x: Tensor, ctx: Pick<LayerContext, 'dropout' | 'seed' | 'dropoutMask'>): Tensor {
  if (ctx.dropout <= 0) return x;
  if (ctx.dropoutMask) return ops.dropoutWithMask(x, ctx.dropoutMask(x));
  const seed = ((ctx.seed ?? 0) * 7919 + x.graph.nodes.length) % 2147483647;
  return ops.dropout(x, ctx.dropout, seed).y;
}

/** op(a) @ op(b) * alpha: FusedMatMul in float32 (no materialized transpose), MatMul otherwise. */
function scaledProduct(a: Tensor, b: Tensor, transB: boolean, alpha: number): Tensor {
  if (a.dtype === 'float32') return ops.fusedMatMul(a, b, { transB, alpha });
  const y = ops.matmul(a, transB ? ops.transpose(b, [0, 1, 3, 2]) : b);
  return alpha === 1 ? y : ops.mul(y, alpha);
}

/** Multi-head self-attention with `h` heads on rows x (B*T, D); returns (B*T, D) before the residual. */
export function selfAttention(x: Tensor, ctx: LayerContext, name: string, h: number): Tensor {
  const { batch: b, seq: t, headDim: hs } = ctx;
  const split = (y: Tensor) => ops.transpose(ops.reshape(y, [b, t, h, hs]), [0, 2, 1, 3]); // (B*T, h*hs) -> (B, H, T, hs)
  const q = split(linear(x, ctx.params, `${name}.self.query`));
  const k = split(linear(x, ctx.params, `${name}.self.key`));
  const v = split(linear(x, ctx.params, `${name}.self.value`));
  let scores = scaledProduct(q, k, true, 1 / Math.sqrt(hs)); // (B, H, T, T)
  if (ctx.attentionBias) scores = ops.add(scores, ctx.attentionBias);
  const probs = maybeDropout(ops.softmax(scores, -1), ctx);
  const heads = scaledProduct(probs, v, false, 1); // (B, H, T, hs)
  const merged = ops.reshape(ops.transpose(heads, [0, 2, 1, 3]), [b * t, h * hs]); // (B, H, T, hs) -> (B*T, h*hs)
  return linear(merged, ctx.params, `${name}.output.dense`);
}

/** Where an encoder layer normalizes: its two norms' parameter names and the placement. */
export interface LayerNorms {
  norm: 'pre' | 'post';
  attention: string;
  ffn: string;
}

/**
 * One encoder layer with `heads` attention heads. Pre-LN: x + Attn(LN(x)), then h + FFN(LN(h)).
 * Post-LN: LN(x + Attn(x)), then LN(h + FFN(h)), as in BERT and RoBERTa.
 */
export function encoderLayer(x: Tensor, ctx: LayerContext, prefix: string, heads: number, norms: LayerNorms): Tensor {
  const g = x.graph;
  const pre = norms.norm === 'pre';
  const ln = (t: Tensor, name: string) => layerNorm(t, ctx.params, name, ctx.eps);
  return g.scope(prefix, () => {
    const attn = maybeDropout(selfAttention(pre ? ln(x, norms.attention) : x, ctx, `${prefix}.attention`, heads), ctx);
    const h = pre ? ops.add(x, attn) : ln(ops.add(x, attn), norms.attention);
    const inner = ops.gelu(linear(pre ? ln(h, norms.ffn) : h, ctx.params, `${prefix}.intermediate.dense`));
    const ffn = maybeDropout(linear(inner, ctx.params, `${prefix}.output.dense`), ctx);
    return pre ? ops.add(h, ffn) : ln(ops.add(h, ffn), norms.ffn);
  });
}
