/**
 * Deployment weight providers for quantized files: int8 and n-bit linear layers, optionally
 * quantized embedding tables, and the tied decoder stored again as a quantized linear weight.
 * Everything else (norms, biases) stays fp32 as in ConstantWeights.
 */
import { ops, type Graph, type Tensor } from '../graph/index.ts';
import { quantize } from '../compress/quantize.ts';
import { ConstantWeights } from './constant_weights.ts';
import { int8Linear, integerMatMul } from './int8.ts';
import { blockQuantized, unpackNibbles } from './packing.ts';
import { embeddingBlock, quantizedEmbedding } from './quantized_embedding.ts';
import { quantizedExperts } from './quantized_experts.ts';
import { nbitsScheme, type NbitsBlock } from './weight_format.ts';

/** What the quantized providers share: embeddings in `bits`-bit blocks, the tied decoder as a quantized linear. */
export abstract class QuantizedWeights extends ConstantWeights {
  constructor(
    g: Graph,
    params: ReadonlyMap<string, Float32Array>,
    private readonly codeBits: number,
    private readonly embeddingBlock: NbitsBlock,
    private readonly quantizeEmbeddings: boolean,
  ) {
    super(g, params);
  }

  override embedding(name: string, rows: number, cols: number, ids: Tensor): Tensor {
    const block = this.quantizeEmbeddings ? embeddingBlock(cols, this.codeBits, this.embeddingBlock) : null;
    if (block === null) return super.embedding(name, rows, cols, ids);
    return quantizedEmbedding(this.g, this.param(name), name, { rows, cols }, ids, this.codeBits, block);
  }

  override tiedDecoder(h: Tensor, table: string, bias: string, vocab: number, d: number): Tensor {
    return this.storedLinear(h, 'lm_head.decoder', vocab, d, table, bias);
  }

  /** Switch experts at the format's bits (8 for int8), per expert and output column (quantized_experts.ts). */
  override expertMatrices(name: string, shape: readonly [number, number, number]): Tensor {
    return quantizedExperts(this.g, this.param(name), shape, this.codeBits, name);
  }
}

/** int8 per output channel (7-bit codes), dynamic uint8 activations; embeddings 8-bit in blocks of 32. */
export class Int8Weights extends QuantizedWeights {
  constructor(g: Graph, params: ReadonlyMap<string, Float32Array>, quantizeEmbeddings: boolean) {
    super(g, params, 8, 32, quantizeEmbeddings);
  }

  protected override storedLinear(x: Tensor, name: string, out: number, inp: number, weightName: string, biasName: string): Tensor {
    const w = this.param(weightName);
    return int8Linear(this.g, x, w, this.tensor(biasName, [out]), name, out, inp);
  }
}

/** `bits`-bit weights, asymmetric, in blocks along the input axis (MatMulNBits) or per output channel (int8 kernels). */
export class NbitsWeights extends QuantizedWeights {
  constructor(
    g: Graph,
    params: ReadonlyMap<string, Float32Array>,
    private readonly bits: number,
    private readonly block: NbitsBlock,
    quantizeEmbeddings: boolean,
    private readonly int8Compute = false,
  ) {
    super(g, params, bits, block, quantizeEmbeddings);
  }

  protected override storedLinear(x: Tensor, name: string, out: number, inp: number, weightName: string, biasName: string): Tensor {
    const w = this.param(weightName);
    const bias = this.tensor(biasName, [out]);
    if (this.block === 'channel') return this.channelLinear(x, w, bias, name, out, inp);
    const q = blockQuantized(w, out, inp, this.bits, this.block);
    const g = this.g;
    const b = g.constant(q.codes, 'uint8', [out, q.blocks, (q.stored * q.container) / 8], `${name}.weight_q${this.bits}`);
    const scales = g.constant(q.scales, 'float32', [out * q.blocks], `${name}.weight_scales`);
    const zeros = g.constant(q.zeroPoints.data, 'uint8', [out * q.zeroPoints.cols], `${name}.weight_zero_points`);
    return ops.add(ops.matMulNBits(x, b, scales, zeros, { K: inp, N: out, bits: q.container, blockSize: q.stored, ...(this.int8Compute ? { accuracyLevel: 4 as const } : {}) }), bias);
  }

  /**
   * Per-channel n-bit weights computed with int8 kernels: the codes are stored packed (two per
   * byte up to 4 bits, one per byte above), unpacked to int8 by constant ops that onnxruntime
   * folds when the session loads, and multiplied by DynamicQuantizeLinear + MatMulInteger with a
   * zero point per output column, which onnxruntime fuses into DynamicQuantizeMatMul. So a 4-bit
   * file runs at int8 speed; MatMulNBits is not faster than fp32 on AVX2 without VNNI (measured).
   * Codes stay within [-64, 63] after centering, so the uint8 x int8 products never saturate.
   */
  private channelLinear(x: Tensor, w: Float32Array, bias: Tensor, name: string, out: number, inp: number): Tensor {
    const bits = this.bits;
    if (bits > 7) throw new Error(`export: ${bits}-bit per-channel weights would overflow int8 kernels on CPUs without VNNI: use int8 (7-bit codes) or blocks`);
    const g = this.g;
    const q = quantize(w, [out, inp], nbitsScheme(bits, 'channel'));
    const center = 1 << (bits - 1);
    const zp = g.constant(Int8Array.from(q.zeroPoints, (z) => z - center), 'int8', [out], `${name}.weight_zero_point`);
    const scale = g.constant(q.scales, 'float32', [out], `${name}.weight_scale`);
    const centered = new Int8Array(inp * out); // (in, out), as MatMulInteger's B
    for (let n = 0; n < out; n++) for (let k = 0; k < inp; k++) centered[k * out + n] = q.codes[n * inp + k] - center;
    const wInt8 = bits > 4 ? g.constant(centered, 'int8', [inp, out], `${name}.weight_q${bits}`) : unpackNibbles(g, centered, inp, out, `${name}.weight_q${bits}`);
    return integerMatMul(x, wInt8, zp, scale, bias);
  }
}
