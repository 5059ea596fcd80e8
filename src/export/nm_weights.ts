/**
 * N:M sparse weights in deployment files. Each encoder-layer weight is stored compactly: the N
 * values of every group of M inputs (fp32, or codes packed at their container width) and a
 * one-bit-per-weight mask of their positions. Standard ops rebuild the dense matrix from these
 * constants, and onnxruntime folds them when a session loads: the file is as small as the
 * pattern allows, while the products run dense (CPU kernels have no N:M sparse GEMM), in fp32
 * for fp32 values and with int8 kernels for codes. Weights outside the encoder layers (the
 * classifier head) keep their values' format without the pattern.
 */
import { ops, type Graph, type Tensor } from '../graph/index.ts';
import { isPrunableWeight } from '../compress/constraints.ts';
import { groupsPerRow, keptValues, nmCompact, nmDense, type NmCompact, type NmPattern } from '../compress/nm.ts';
import { quantize } from '../compress/quantize.ts';
import { integerMatMul } from './int8.ts';
import { unpackBits } from './packing.ts';
import { QuantizedWeights } from './quantized_weights.ts';
import { containerBits, linearSchemeOf, nmValueScheme, type NmFormat } from './weight_format.ts';

/** `values` (rows, groups, N) placed at the positions of `c`'s mask: the dense (rows, cols) matrix. */
function nmDecoded(g: Graph, c: NmCompact, values: Tensor, name: string): Tensor {
  const { n, m } = c.pattern;
  const groups = groupsPerRow(c.cols, m);
  const bits = unpackBits(g, c.positions, c.positions.length, 1, `${name}_positions`);
  const kept = ops.cast(ops.reshape(bits, [c.rows, groups, m]), 'float32');
  const slot = ops.sub(ops.cumsum(kept, 2), ops.scalar(g, 1, 'float32')); // which stored value each position holds
  const slots = g.constant(Float32Array.from({ length: n }, (_, j) => j), 'float32', [n], `${name}_slots`);
  const holds = ops.equal(ops.unsqueeze(slot, [3]), slots); // (rows, groups, M, N)
  const picked = ops.where(holds, ops.unsqueeze(values, [2]), ops.scalar(g, 0, 'float32')); // (rows, groups, M, N)
  const dense = ops.mul(ops.reduceSum(picked, [3]), kept); // (rows, groups, M)
  const flat = ops.reshape(dense, [c.rows, groups * m]);
  return groups * m === c.cols ? flat : ops.slice(flat, [0], [c.cols], [1]);
}

/** Symmetric codes as stored: offset to unsigned and packed at the container width, decoded back to float. */
function storedCodes(g: Graph, codes: ArrayLike<number>, shape: number[], bits: number, name: string): Tensor {
  const container = containerBits(bits);
  const offset = 1 << (bits - 1);
  const raw = unpackBits(g, Array.from(codes, (c) => c + offset), codes.length, container, `${name}_q${bits}`);
  return ops.reshape(ops.sub(ops.cast(raw, 'float32'), ops.scalar(g, offset, 'float32')), shape);
}

export class NmWeights extends QuantizedWeights {
  private readonly pattern: NmPattern;

  constructor(
    g: Graph,
    params: ReadonlyMap<string, Float32Array>,
    private readonly format: NmFormat,
    quantizeEmbeddings: boolean,
  ) {
    const scheme = nmValueScheme(format);
    super(g, params, format.values === 'int8' ? 8 : (scheme?.bits ?? 8), 32, quantizeEmbeddings && scheme !== null);
    this.pattern = { n: format.n, m: format.m };
  }

  /** Whether `weightName` is stored sparse: every encoder matrix, or those a search made sparse. */
  private isSparse(weightName: string): boolean {
    const choice = this.format.perWeight?.[weightName];
    return choice ? choice.sparse : isPrunableWeight(weightName);
  }

  protected override storedLinear(x: Tensor, name: string, out: number, inp: number, weightName: string, biasName: string): Tensor {
    const w = this.param(weightName);
    const bias = this.tensor(biasName, [out]);
    const sparse = this.isSparse(weightName) ? nmCompact(w, out, inp, this.pattern) : null;
    const scheme = linearSchemeOf(this.format, weightName);
    if (!scheme) {
      if (!sparse) return super.storedLinear(x, name, out, inp, weightName, biasName);
      const values = this.g.constant(sparse.values, 'float32', [out, groupsPerRow(inp, this.pattern.m), this.pattern.n], `${name}.weight_values`);
      return ops.add(ops.matmul(x, ops.transpose(nmDecoded(this.g, sparse, values, `${name}.weight`), [1, 0])), bias);
    }
    // Quantize what is kept (pruned weights are zero, and stay zero under a symmetric scheme).
    const kept = sparse ? nmDense(sparse) : w;
    const q = quantize(kept, [out, inp], scheme);
    const codes = sparse
      ? nmDecoded(this.g, sparse, storedCodes(this.g, keptValues(sparse, q.codes), [out, groupsPerRow(inp, this.pattern.m), this.pattern.n], scheme.bits, `${name}.weight`), `${name}.weight`)
      : storedCodes(this.g, q.codes, [out, inp], scheme.bits, `${name}.weight`);
    const codesT = ops.cast(ops.transpose(codes, [1, 0]), 'int8'); // (in, out), as MatMulInteger's B
    return integerMatMul(x, codesT, null, this.g.constant(q.scales, 'float32', [out], `${name}.weight_scale`), bias);
  }
}
