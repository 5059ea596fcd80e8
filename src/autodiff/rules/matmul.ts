/** Gradient rules for matrix products. For y = alpha * op(a) @ op(b):
 *   da = alpha * dy @ op(b)^T   (or, when a is stored transposed, alpha * op(b) @ dy^T)
 *   db = alpha * op(a)^T @ dy   (or, when b is stored transposed, alpha * dy^T @ op(a))
 * float32 uses FusedMatMul so no Transpose is materialized; float64 (gradient checks) uses
 * MatMul with explicit transposes, since FusedMatMul is float32-only in onnxruntime.
 */
import * as ops from '../../graph/ops/index.ts';
import type { Tensor } from '../../graph/tensor.ts';
import { dy, floatAttr, input, intAttr, type GradContext, type RuleEntry } from '../rule.ts';

function swapLast(t: Tensor): Tensor {
  const perm = t.shape.map((_, i) => i);
  [perm[t.rank - 2], perm[t.rank - 1]] = [perm[t.rank - 1], perm[t.rank - 2]];
  return ops.transpose(t, perm);
}

/** alpha * op(a) @ op(b) for any rank >= 2. */
function product(a: Tensor, b: Tensor, transA: boolean, transB: boolean, alpha: number): Tensor {
  if (a.dtype === 'float32') return ops.fusedMatMul(a, b, { transA, transB, alpha });
  const y = ops.matmul(transA ? swapLast(a) : a, transB ? swapLast(b) : b);
  return alpha === 1 ? y : ops.mul(y, alpha);
}

/** Gradients of alpha * op(a) @ op(b), built by `mm`. */
function productGrads(
  c: GradContext,
  mm: (a: Tensor, b: Tensor, transA: boolean, transB: boolean, alpha: number) => Tensor,
): [Tensor | null, Tensor | null] {
  const [a, b, g] = [input(c, 0), input(c, 1), dy(c)];
  const transA = intAttr(c, 'transA', 0) === 1;
  const transB = intAttr(c, 'transB', 0) === 1;
  const alpha = floatAttr(c, 'alpha', 1);
  const da = !c.needs[0] ? null : transA ? mm(b, g, transB, true, alpha) : mm(g, b, false, !transB, alpha);
  const db = !c.needs[1] ? null : transB ? mm(g, a, true, transA, alpha) : mm(a, g, !transA, false, alpha);
  return [da, db];
}

export const matmulRules: Record<string, RuleEntry> = {
  MatMul: (c) => productGrads(c, product),
  'com.microsoft:FusedMatMul': (c) => productGrads(c, product),
  // Gemm adds beta * c, whose gradient is beta * dy (summed to c's shape by the walker).
  Gemm: (c) => {
    const gemm2d = (a: Tensor, b: Tensor, transA: boolean, transB: boolean, alpha: number) =>
      ops.gemm(a, b, null, { transA, transB, alpha });
    const [da, db] = productGrads(c, gemm2d);
    const beta = floatAttr(c, 'beta', 1);
    const dc = c.needs[2] ? (beta === 1 ? dy(c) : ops.mul(dy(c), beta)) : null;
    return [da, db, dc];
  },
};
