import { describe, it } from 'node:test';
import { ops } from '../../src/graph/index.ts';
import { gradcheck } from '../helpers/gradcheck.ts';

describe('matmul gradients', () => {
  it('MatMul 2-D', () => gradcheck({ name: 'MatMul', inputs: [{ shape: [3, 4] }, { shape: [4, 2] }], build: (_, [a, b]) => ops.matmul(a, b) }));
  it('MatMul batched', () =>
    gradcheck({ name: 'MatMul', inputs: [{ shape: [2, 3, 4] }, { shape: [2, 4, 2] }], build: (_, [a, b]) => ops.matmul(a, b) }));
  it('MatMul with broadcast batch', () =>
    gradcheck({ name: 'MatMul', inputs: [{ shape: [2, 2, 3, 4] }, { shape: [4, 2] }], build: (_, [a, b]) => ops.matmul(a, b) }));
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`Gemm transA=${transA} transB=${transB} with row bias`, () =>
        gradcheck({
          name: 'Gemm',
          inputs: [{ shape: transA ? [4, 3] : [3, 4] }, { shape: transB ? [2, 4] : [4, 2] }, { shape: [2] }],
          build: (_, [a, b, c]) => ops.gemm(a, b, c, { transA, transB, alpha: 0.7, beta: 1.3 }),
        }));
      // FusedMatMul is float32-only in onnxruntime: float32 with step 1e-2 (bilinear, so the
      // central difference is exact up to rounding).
      it(`FusedMatMul transA=${transA} transB=${transB} batched`, () =>
        gradcheck({
          name: 'FusedMatMul',
          dtype: 'float32',
          inputs: [{ shape: transA ? [2, 4, 3] : [2, 3, 4] }, { shape: transB ? [2, 2, 4] : [2, 4, 2] }],
          build: (_, [a, b]) => ops.fusedMatMul(a, b, { transA, transB, alpha: 0.5 }),
        }));
    }
  }
});
