/**
 * Where the graph that trains and the graph that ships differ in shape and kernels, named once.
 * Training graphs have static shapes and keep activations as (batch * seq, features) rows, so
 * every linear layer is one Gemm; deployment graphs take any batch and sequence length and keep
 * (batch, sequence, features), reshaping with 0 to copy the dynamic axes.
 */
import { ops, type Tensor } from '../graph/index.ts';

export type TokenLayout = { kind: 'rows'; batch: number; seq: number } | { kind: 'dynamic' };

export const rowsLayout = (shape: { batch: number; seq: number }): TokenLayout => ({ kind: 'rows', batch: shape.batch, seq: shape.seq });
export const DYNAMIC: TokenLayout = { kind: 'dynamic' };

/**
 * Which kernels compute attention products and GELU: onnxruntime's contrib kernels where they are
 * faster for training (FusedMatMul folds the transpose and scale of attention into one kernel and
 * has a gradient rule; com.microsoft Gelu is about twice onnxruntime's Gelu-20 on CPU), or standard
 * ONNX, which every runtime loads and onnxruntime fuses the same way when a session loads.
 */
export type Kernels = 'contrib' | 'standard';

/** The FFN's nonlinearity on the context's kernels. */
export function activation(x: Tensor, kind: 'gelu' | 'relu', kernels: Kernels): Tensor {
  return kind === 'relu' ? ops.relu(x) : ops.gelu(x, { standard: kernels === 'standard' });
}

/** Reshape target splitting the feature axis into (heads, width): (.., h * hs) -> (B, T, h, hs). */
export function perHeadShape(layout: TokenLayout, heads: number, width: number): number[] {
  return layout.kind === 'rows' ? [layout.batch, layout.seq, heads, width] : [0, 0, heads, width];
}

/** Reshape target of activations with `features` features: (B * T, f) rows or (B, T, f). */
export function activationShape(layout: TokenLayout, features: number): number[] {
  return layout.kind === 'rows' ? [layout.batch * layout.seq, features] : [0, 0, features];
}

/** Summed (B, T, D) embeddings as the layout's activations. */
export function asActivations(x: Tensor, layout: TokenLayout, features: number): Tensor {
  return layout.kind === 'rows' ? ops.reshape(x, activationShape(layout, features)) : x;
}

/** Each sequence's token at `position` (B, D), its first by default: rows b * seq + position, or that index of the sequence axis. */
export function firstTokens(hidden: Tensor, layout: TokenLayout, position = 0): Tensor {
  if (layout.kind === 'dynamic') return ops.gather(hidden, ops.scalar(hidden.graph, position, 'int64'), 1);
  const rows = BigInt64Array.from({ length: layout.batch }, (_, b) => BigInt(b * layout.seq + position));
  return ops.gather(hidden, hidden.graph.constant(rows, 'int64', [layout.batch], 'first_token_rows'));
}

/** Each sequence's mean hidden state over its unpadded tokens (B, D), from the int64 (B, T) mask. */
export function meanTokens(hidden: Tensor, mask: Tensor, layout: TokenLayout, features: number): Tensor {
  const perSequence = layout.kind === 'rows' ? ops.reshape(hidden, [layout.batch, layout.seq, features]) : hidden;
  const maskF = ops.cast(mask, 'float32');
  const summed = ops.reduceSum(ops.mul(perSequence, ops.unsqueeze(maskF, [2])), [1]);
  return ops.div(summed, ops.max(ops.reduceSum(maskF, [1], { keepdims: true }), 1));
}

/** Additive attention bias (B, 1, 1, T) from an int64 (B, T) mask: 0 where attended, `negative` at padding. */
export function attentionBias(mask: Tensor, negative = -1e4): Tensor {
  const maskF = ops.cast(ops.unsqueeze(mask, [1, 2]), 'float32');
  return ops.mul(ops.sub(ops.scalar(mask.graph, 1, 'float32'), maskF), negative);
}
