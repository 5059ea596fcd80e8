/** Matrix products: MatMul-13, Gemm-13 and com.microsoft FusedMatMul (transposes folded in). */
import { float, MS_DOMAIN } from '../graph.ts';
import { broadcastShapes, formatShape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { FLOATS, matmulShape, requireDtype, requireSameDtype, requireSameGraph } from './util.ts';

/** a @ b with numpy batch broadcasting (MatMul-13); both inputs rank >= 2. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const g = requireSameGraph('MatMul', a, b);
  requireDtype('MatMul', a, FLOATS);
  requireSameDtype('MatMul', a, b);
  return g.addNode('MatMul', [a, b], {}, [{ dtype: a.dtype, shape: matmulShape('MatMul', a, b, false, false) }])[0];
}

export interface FusedMatMulOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
}

/**
 * alpha * op(a) @ op(b) where op transposes the last two axes when asked
 * (com.microsoft FusedMatMul-1, float32 only in onnxruntime).
 */
export function fusedMatMul(a: Tensor, b: Tensor, { transA = false, transB = false, alpha = 1 }: FusedMatMulOptions = {}): Tensor {
  const g = requireSameGraph('FusedMatMul', a, b);
  requireDtype('FusedMatMul', a, ['float32']);
  requireSameDtype('FusedMatMul', a, b);
  const shape = matmulShape('FusedMatMul', a, b, transA, transB);
  const attrs = { transA: transA ? 1 : 0, transB: transB ? 1 : 0, alpha: float(alpha) };
  return g.addNode('FusedMatMul', [a, b], attrs, [{ dtype: a.dtype, shape }], { domain: MS_DOMAIN })[0];
}

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
}

/**
 * alpha * op(a) @ op(b) + beta * c for 2-D a and b (Gemm-13); c broadcasts to (M, N).
 * The usual linear layer: gemm(x, weight, bias, { transB: true }) with weight (out, in).
 */
export function gemm(a: Tensor, b: Tensor, c: Tensor | null, { transA = false, transB = false, alpha = 1, beta = 1 }: GemmOptions = {}): Tensor {
  const g = requireSameGraph('Gemm', a, b, ...(c ? [c] : []));
  requireDtype('Gemm', a, FLOATS);
  requireSameDtype('Gemm', a, b);
  if (a.rank !== 2 || b.rank !== 2) {
    throw new Error(`Gemm: inputs must be 2-D, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const shape = matmulShape('Gemm', a, b, transA, transB);
  if (c) {
    requireSameDtype('Gemm', a, c);
    const bc = broadcastShapes(shape, c.shape);
    if (!bc || bc.length !== 2 || bc[0] !== shape[0] || bc[1] !== shape[1]) {
      throw new Error(`Gemm: bias ${formatShape(c.shape)} does not broadcast to ${formatShape(shape)}`);
    }
  }
  const attrs = { transA: transA ? 1 : 0, transB: transB ? 1 : 0, alpha: float(alpha), beta: float(beta) };
  return g.addNode('Gemm', c ? [a, b, c] : [a, b], attrs, [{ dtype: a.dtype, shape }])[0];
}
