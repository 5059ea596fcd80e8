/**
 * Quantized inference ops for exported graphs: DynamicQuantizeLinear-11, MatMulInteger-10 and
 * com.microsoft MatMulNBits-1. None carries a gradient.
 */
import { MS_DOMAIN } from '../graph.ts';
import { formatShape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { matmulShape, requireDtype, requireSameDtype, requireSameGraph } from './util.ts';

export interface DynamicQuantized {
  /** uint8 codes, x's shape. */
  y: Tensor;
  /** float32 scalar: x ~ (y - zeroPoint) * scale. */
  scale: Tensor;
  /** uint8 scalar. */
  zeroPoint: Tensor;
}

/**
 * Quantizes float32 x to uint8 with one scale and zero point computed from its range at run time
 * (DynamicQuantizeLinear-11): const { y, scale, zeroPoint } = dynamicQuantizeLinear(x).
 */
export function dynamicQuantizeLinear(x: Tensor): DynamicQuantized {
  requireDtype('DynamicQuantizeLinear', x, ['float32']);
  const [y, scale, zeroPoint] = x.graph.addNode('DynamicQuantizeLinear', [x], {}, [
    { dtype: 'uint8', shape: x.shape },
    { dtype: 'float32', shape: [] },
    { dtype: 'uint8', shape: [] },
  ]);
  return { y, scale, zeroPoint };
}

/**
 * (a - aZeroPoint) @ (b - bZeroPoint) in int32 (MatMulInteger-10) for 8-bit a and b, with numpy
 * batch broadcasting: a (..., M, K) and b (K, N) give (..., M, N). An omitted zero point is 0;
 * only the inputs given are emitted: matMulInteger(xq, w, xZero).
 */
export function matMulInteger(a: Tensor, b: Tensor, aZeroPoint?: Tensor | null, bZeroPoint?: Tensor | null): Tensor {
  const zeros = [aZeroPoint ?? null, bZeroPoint ?? null];
  const g = requireSameGraph('MatMulInteger', a, b, ...zeros.filter((t): t is Tensor => t !== null));
  requireDtype('MatMulInteger', a, ['uint8', 'int8']);
  requireDtype('MatMulInteger', b, ['uint8', 'int8']);
  if (aZeroPoint) requireSameDtype('MatMulInteger', a, aZeroPoint);
  if (bZeroPoint) requireSameDtype('MatMulInteger', b, bZeroPoint);
  const shape = matmulShape('MatMulInteger', a, b, false, false);
  const inputs = [a, b, ...zeros];
  while (inputs[inputs.length - 1] === null) inputs.pop();
  return g.addNode('MatMulInteger', inputs, {}, [{ dtype: 'int32', shape }])[0];
}

export interface MatMulNBitsAttrs {
  /** Input features (x's last axis). */
  K: number;
  /** Output features. */
  N: number;
  /** Bits per stored code (2, 4 or 8). */
  bits: number;
  /** Codes per block along K, each block with one scale and zero point. */
  blockSize: number;
  /**
   * onnxruntime's compute precision: absent or 0 unpacks to float32; 4 quantizes the
   * activations to int8 per block and multiplies in integers (faster where the CPU has VNNI).
   */
  accuracyLevel?: 0 | 1 | 2 | 3 | 4;
}

/**
 * x @ W^T for W (N, K) stored as `bits`-bit codes in blocks along K (com.microsoft MatMulNBits-1):
 * b is uint8 (N, ceil(K / blockSize), blockSize * bits / 8), scales and zero points one per block
 * (zero points packed like the codes). x (..., K) gives float32 (..., N).
 */
export function matMulNBits(x: Tensor, b: Tensor, scales: Tensor, zeroPoints: Tensor, { K, N, bits, blockSize, accuracyLevel }: MatMulNBitsAttrs): Tensor {
  const g = requireSameGraph('MatMulNBits', x, b, scales, zeroPoints);
  requireDtype('MatMulNBits', x, ['float32']);
  requireDtype('MatMulNBits', b, ['uint8']);
  requireSameDtype('MatMulNBits', x, scales);
  requireDtype('MatMulNBits', zeroPoints, ['uint8']);
  const blob = [N, Math.ceil(K / blockSize), (blockSize * bits) / 8];
  if (b.rank !== 3 || b.shape.some((d, i) => d !== blob[i])) {
    throw new Error(`MatMulNBits: weights ${formatShape(b.shape)} must be ${formatShape(blob)} for K=${K}, N=${N}, bits=${bits}, block size ${blockSize}`);
  }
  if (x.shape[x.rank - 1] !== K) throw new Error(`MatMulNBits: x ${formatShape(x.shape)} must end in K=${K}`);
  const attrs = { K, N, bits, block_size: blockSize, ...(accuracyLevel ? { accuracy_level: accuracyLevel } : {}) };
  return g.addNode('MatMulNBits', [x, b, scales, zeroPoints], attrs, [{ dtype: 'float32', shape: [...x.shape.slice(0, -1), N] }], { domain: MS_DOMAIN })[0];
}
