/**
 * The deployable encoder graphs: weights as initializers, dynamic batch and sequence axes,
 * inputs `input_ids` and `attention_mask` (int64) as transformers.js feeds them. Outputs
 * `last_hidden_state` (batch, sequence, d_model) and, per head, `logits`: (batch, labels) for
 * a classifier, (batch, sequence, vocab) for the masked LM.
 * Activations stay (batch, sequence, d_model) so every reshape copies the dynamic axes (0 in
 * Reshape), and positions follow Hugging Face RoBERTa: cumsum(mask) * mask + 1.
 * Linear layers are fp32 MatMul, or int8 / n-bit weights; the embeddings may be quantized too.
 * Per-layer head and FFN counts follow structured pruning; norms sit where the config's `norm` puts them.
 */
import { Graph, MS_DOMAIN, ops, type Tensor } from '../graph/index.ts';
import { headDim, layerFfn, layerHeads, type ModelConfig } from '../nn/config.ts';
import { EMBEDDING_NORM, FINAL_NORM, layerNormNames, layerPrefix } from '../nn/params.ts';
import { quantize, type Granularity, type QuantScheme } from '../compress/quantize.ts';

/**
 * How linear weights are stored: fp32 MatMul; int8 per output channel with dynamic uint8
 * activations (see int8Linear); or `bits`-bit asymmetric blocks along the input axis
 * (MatMulNBits, weights only). onnxruntime has 2-, 4- and 8-bit kernels; other widths are
 * quantized to their own levels and stored in the next wider container.
 */
export type WeightFormat = { kind: 'fp32' } | { kind: 'int8' } | { kind: 'nbits'; bits: number; block: NbitsBlock };
/** Group size along the input axis, or one scale per output channel (a whole row). */
export type NbitsBlock = 32 | 64 | 128 | 'channel';

/** The quantizer's granularity for a block setting. */
export function blockGranularity(block: NbitsBlock): Granularity {
  return block === 'channel' ? { kind: 'channel' } : { kind: 'group', size: block };
}

export type ExportHead = 'classifier' | 'mlm' | 'features';

export interface ExportInput {
  model: ModelConfig;
  /** Default classifier. */
  head?: ExportHead;
  /** Classifier labels (classifier head only). */
  numLabels?: number;
  params: ReadonlyMap<string, Float32Array>;
  format: WeightFormat;
  /** Quantize the word and position embeddings too (see `embedding`). */
  quantizeEmbeddings?: boolean;
}

/** How embeddings are quantized: symmetric, so no zero points are stored, in blocks along the row. */
export function embeddingScheme(bits: number, block: NbitsBlock): QuantScheme {
  return { bits, symmetric: true, granularity: blockGranularity(block) };
}

/** The power of two (at least 16, as MatMulNBits requires) that holds a whole row of `cols`. */
const rowBlock = (cols: number) => Math.max(16, 2 ** Math.ceil(Math.log2(cols)));

/** The storage width onnxruntime has kernels for: 2, 4 or 8 bits. */
export function containerBits(bits: number): 2 | 4 | 8 {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) throw new Error(`quantization bits must be a whole number from 2 to 8, got ${bits}`);
  return bits <= 2 ? 2 : bits <= 4 ? 4 : 8;
}

/** Codes (each < 2^container) packed low bits first, `8 / container` per byte. */
function packCodes(codes: ArrayLike<number>, container: number): Uint8Array {
  const perByte = 8 / container;
  const out = new Uint8Array(Math.ceil(codes.length / perByte));
  const maskBits = (1 << container) - 1;
  for (let i = 0; i < codes.length; i++) out[Math.floor(i / perByte)] |= (codes[i] & maskBits) << (container * (i % perByte));
  return out;
}

/** Zero points of a (rows, blocks) grid packed per row, each row padded to whole bytes (the contrib ops' layout). */
function packZeroPoints(zp: ArrayLike<number>, rows: number, blocks: number, container: number): { data: Uint8Array; cols: number } {
  const perByte = 8 / container;
  const cols = Math.ceil(blocks / perByte);
  const data = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) data.set(packCodes(Array.from({ length: blocks }, (_, k) => zp[r * blocks + k]), container), r * cols);
  return { data, cols };
}

/**
 * A (rows, cols) weight quantized asymmetrically in blocks along cols, packed for the contrib ops.
 * A row's short last block (cols not a multiple of block, as after structured pruning, or a
 * per-channel row stored in a power-of-two block) is padded with its zero point, which
 * dequantizes to 0. Returns the stored block size too.
 */
function blockQuantized(w: Float32Array, rows: number, cols: number, bits: number, block: NbitsBlock) {
  const container = containerBits(bits);
  const q = quantize(w, [rows, cols], { bits, symmetric: false, granularity: blockGranularity(block) });
  const blocks = q.blocksPerRow;
  const stored = block === 'channel' ? rowBlock(cols) : block;
  const padded = new Int16Array(rows * blocks * stored);
  for (let r = 0; r < rows; r++) {
    padded.set(q.codes.subarray(r * cols, (r + 1) * cols), r * blocks * stored);
    padded.fill(q.zeroPoints[r * blocks + blocks - 1], r * blocks * stored + cols, (r + 1) * blocks * stored);
  }
  return { container, blocks, stored, codes: packCodes(padded, container), scales: q.scales, zeroPoints: packZeroPoints(q.zeroPoints, rows, blocks, container) };
}

/**
 * The int8 export's weight quantizer: symmetric per output channel, with codes in [-63, 63].
 * x86 CPUs without VNNI multiply uint8 activations by int8 weights with an instruction that adds
 * pairs of products in int16 and saturates (2 * 255 * 127 overflows it); 7-bit codes cannot
 * (2 * 255 * 63 does not), so the file computes the same everywhere. Measured on a random
 * 2-layer model: max logit error to fp32 0.137 with full 8-bit codes, 0.016 with these.
 */
export const INT8_WEIGHT_SCHEME: QuantScheme = { bits: 7, symmetric: true, granularity: { kind: 'channel' } };

/** int8 codes of a (out, in) weight, laid out (in, out) as MatMul's B, with one scale per output. */
export function int8Weights(w: Float32Array, out: number, inp: number): { codesT: Int8Array; scales: Float32Array } {
  const scheme = INT8_WEIGHT_SCHEME;
  const q = quantize(w, [out, inp], scheme);
  const codesT = new Int8Array(inp * out);
  for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) codesT[i * out + o] = q.codes[o * inp + i];
  return { codesT, scales: q.scales };
}

function transpose2d(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c];
  return t;
}

/**
 * x @ W^T + b with int8 weights, one scale per output column, and activations quantized per call
 * (uint8, one scale per tensor): DynamicQuantizeLinear + MatMulInteger + rescale, standard ONNX
 * that every runtime runs and that onnxruntime fuses into its DynamicQuantizeMatMul kernel.
 */
export function int8Linear(g: Graph, x: Tensor, w: Float32Array, bias: Tensor, name: string, out: number, inp: number): Tensor {
  const { codesT, scales } = int8Weights(w, out, inp);
  return integerMatMul(x, g.constant(codesT, 'int8', [inp, out], `${name}.weight_int8`), null, g.constant(scales, 'float32', [out], `${name}.weight_scale`), bias);
}

/** x @ (W - zero) * scale + bias for int8 W (in, out): activations quantized per call to uint8, one scale per output column. */
function integerMatMul(x: Tensor, w: Tensor, zero: Tensor | null, scale: Tensor, bias: Tensor): Tensor {
  const g = x.graph;
  const shape = [...x.shape.slice(0, -1), w.shape[1]];
  const [xq, xScale, xZero] = g.addNode('DynamicQuantizeLinear', [x], {}, [
    { dtype: 'uint8', shape: x.shape },
    { dtype: 'float32', shape: [] },
    { dtype: 'uint8', shape: [] },
  ]);
  const acc = g.addNode('MatMulInteger', zero ? [xq, w, xZero, zero] : [xq, w, xZero], {}, [{ dtype: 'int32', shape }])[0];
  return ops.add(ops.mul(ops.cast(acc, 'float32'), ops.mul(xScale, scale)), bias);
}

/**
 * A constant (rows, cols) int8 matrix of values in [-8, 7], stored two per byte along rows and
 * unpacked by ops whose inputs are all constants, which onnxruntime folds when the session loads.
 */
export function unpackNibbles(g: Graph, values: Int8Array, rows: number, cols: number, name: string): Tensor {
  const pairs = Math.ceil(rows / 2);
  const packed = new Uint8Array(pairs * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) packed[(r >> 1) * cols + c] |= (values[r * cols + c] & 15) << (4 * (r & 1));
  const table = g.constant(packed, 'uint8', [pairs, cols], name);
  const lo = g.addNode('BitwiseAnd', [table, g.constant(new Uint8Array([15]), 'uint8', [], `${name}_mask`)], {}, [{ dtype: 'uint8', shape: [pairs, cols] }])[0];
  const hi = g.addNode('BitShift', [table, g.constant(new Uint8Array([4]), 'uint8', [], `${name}_shift`)], { direction: 'RIGHT' }, [{ dtype: 'uint8', shape: [pairs, cols] }])[0];
  let nibbles = ops.reshape(ops.concat([ops.unsqueeze(lo, [1]), ops.unsqueeze(hi, [1])], 1), [2 * pairs, cols]);
  if (2 * pairs !== rows) nibbles = ops.slice(nibbles, [0], [rows], [0]);
  // Two's-complement nibbles to int8 through a lookup: ONNX casts do not sign-extend 4 bits.
  const signed = g.constant(Int8Array.from({ length: 16 }, (_, i) => (i < 8 ? i : i - 16)), 'int8', [16], `${name}_lut`);
  return ops.gather(signed, ops.cast(nibbles, 'int64'));
}

/** What a graph's weights are and how they are stored. */
export interface WeightSource {
  params: ReadonlyMap<string, Float32Array>;
  format: WeightFormat;
  quantizeEmbeddings?: boolean;
  layerNormEps: number;
}

/** Builds layers whose weights become initializers in the chosen format (any encoder family uses it). */
export class WeightBuilder {
  constructor(
    readonly g: Graph,
    readonly input: WeightSource,
  ) {}

  param(name: string): Float32Array {
    const w = this.input.params.get(name);
    if (!w) throw new Error(`export: the checkpoint has no tensor ${name}`);
    return w;
  }

  private readonly constants = new Map<string, Tensor>();

  /** One initializer per tensor name, however often it is used (the tied MLM decoder reuses the embeddings). */
  const(name: string, shape: number[]): Tensor {
    let t = this.constants.get(name);
    if (!t) {
      t = this.g.constant(this.param(name), 'float32', shape, name);
      this.constants.set(name, t);
    }
    return t;
  }

  /** x @ W^T + b for a weight stored (out, in), in the chosen weight format. */
  linear(x: Tensor, name: string, out: number, inp: number, weightName = `${name}.weight`, biasName = `${name}.bias`): Tensor {
    const w = this.param(weightName);
    const bias = this.const(biasName, [out]);
    const f = this.input.format;
    switch (f.kind) {
      case 'fp32':
        return ops.add(ops.matmul(x, this.g.constant(transpose2d(w, out, inp), 'float32', [inp, out], `${name}.weight_t`)), bias);
      case 'int8':
        return int8Linear(this.g, x, w, bias, name, out, inp);
      case 'nbits':
        return this.nbitsLinear(x, w, bias, name, out, inp, f.bits, f.block);
    }
  }

  /** com.microsoft MatMulNBits: weights in asymmetric blocks along the input axis (zero points packed like the codes). */
  private nbitsLinear(x: Tensor, w: Float32Array, bias: Tensor, name: string, out: number, inp: number, bits: number, block: NbitsBlock): Tensor {
    if (block === 'channel') return this.channelNbitsLinear(x, w, bias, name, out, inp, bits);
    const q = blockQuantized(w, out, inp, bits, block);
    const b = this.g.constant(q.codes, 'uint8', [out, q.blocks, (q.stored * q.container) / 8], `${name}.weight_q${bits}`);
    const scales = this.g.constant(q.scales, 'float32', [out * q.blocks], `${name}.weight_scales`);
    const zeros = this.g.constant(q.zeroPoints.data, 'uint8', [out * q.zeroPoints.cols], `${name}.weight_zero_points`);
    const shape = [...x.shape.slice(0, -1), out];
    const y = this.g.addNode('MatMulNBits', [x, b, scales, zeros], { K: inp, N: out, bits: q.container, block_size: q.stored }, [{ dtype: 'float32', shape }], { domain: MS_DOMAIN })[0];
    return ops.add(y, bias);
  }

  /**
   * Per-channel n-bit weights computed with int8 kernels: the codes are stored packed (two per
   * byte up to 4 bits, one per byte above), unpacked to int8 by constant ops that onnxruntime
   * folds when the session loads, and multiplied by DynamicQuantizeLinear + MatMulInteger with a
   * zero point per output column, which onnxruntime fuses into DynamicQuantizeMatMul. So a 4-bit
   * file runs at int8 speed; MatMulNBits is not faster than fp32 on AVX2 without VNNI (measured).
   * Codes stay within [-64, 63] after centering, so the uint8 x int8 products never saturate.
   */
  private channelNbitsLinear(x: Tensor, w: Float32Array, bias: Tensor, name: string, out: number, inp: number, bits: number): Tensor {
    if (bits > 7) throw new Error(`export: ${bits}-bit per-channel weights would overflow int8 kernels on CPUs without VNNI: use int8 (7-bit codes) or blocks`);
    const g = this.g;
    const q = quantize(w, [out, inp], { bits, symmetric: false, granularity: { kind: 'channel' } });
    const center = 1 << (bits - 1);
    const zp = g.constant(Int8Array.from(q.zeroPoints, (z) => z - center), 'int8', [out], `${name}.weight_zero_point`);
    const scale = g.constant(q.scales, 'float32', [out], `${name}.weight_scale`);
    // Centered codes laid out (in, out) as MatMulInteger's B.
    const centered = new Int8Array(inp * out);
    for (let n = 0; n < out; n++) for (let k = 0; k < inp; k++) centered[k * out + n] = q.codes[n * inp + k] - center;
    const wInt8 = bits > 4 ? g.constant(centered, 'int8', [inp, out], `${name}.weight_q${bits}`) : unpackNibbles(g, centered, inp, out, `${name}.weight_q${bits}`);
    return integerMatMul(x, wInt8, zp, scale, bias);
  }

  /**
   * Rows of an embedding table for `ids` (batch, sequence): fp32 Gather, or a quantized table
   * (symmetric `bits`-bit blocks along the row, codes offset to unsigned and packed) whose
   * gathered rows alone are unpacked and dequantized with standard ops. onnxruntime's
   * GatherBlockQuantized measured about 10 ms slower per batch-8 call here, and standard ops
   * run on every onnxruntime build.
   */
  embedding(name: string, rows: number, cols: number, ids: Tensor): Tensor {
    const f = this.input.format;
    const bits = f.kind === 'int8' ? 8 : f.kind === 'nbits' ? f.bits : 32;
    const setting: NbitsBlock = f.kind === 'nbits' ? f.block : 32;
    const block = setting === 'channel' ? cols : setting;
    if (!this.input.quantizeEmbeddings || f.kind === 'fp32' || cols % block !== 0) return ops.gather(this.const(name, [rows, cols]), ids);
    const g = this.g;
    const container = containerBits(bits);
    const perByte = 8 / container;
    const offset = 1 << (container - 1);
    const q = quantize(this.param(name), [rows, cols], embeddingScheme(bits, setting));
    const table = g.constant(packCodes(Array.from(q.codes, (c) => c + offset), container), 'uint8', [rows, cols / perByte], `${name}_q${bits}`);
    const scales = g.constant(q.scales, 'float32', [rows, cols / block], `${name}_scales`);
    const packed = ops.gather(table, ids); // (B, T, cols / perByte)
    let codes = packed;
    if (perByte > 1) {
      const mask = g.constant(new Uint8Array([(1 << container) - 1]), 'uint8', [], `${name}_code_mask`);
      const parts = Array.from({ length: perByte }, (_, k) => {
        const shift = g.constant(new Uint8Array([k * container]), 'uint8', [], `${name}_shift_${k}`);
        const shifted = k === 0 ? packed : g.addNode('BitShift', [packed, shift], { direction: 'RIGHT' }, [{ dtype: 'uint8', shape: packed.shape }])[0];
        return ops.unsqueeze(g.addNode('BitwiseAnd', [shifted, mask], {}, [{ dtype: 'uint8', shape: packed.shape }])[0], [3]);
      });
      codes = ops.reshape(ops.concat(parts, 3), [0, 0, cols]); // low bits first, as packed
    }
    const centered = ops.sub(ops.cast(codes, 'float32'), ops.scalar(g, offset, 'float32'));
    const blocks = ops.reshape(centered, [0, 0, cols / block, block]);
    const scaled = ops.mul(blocks, ops.unsqueeze(ops.gather(scales, ids), [3])); // (B, T, blocks, block) * (B, T, blocks, 1)
    return ops.reshape(scaled, [0, 0, cols]);
  }

  /**
   * The masked LM's output projection, tied to the word embeddings. In fp32 the file keeps one
   * copy of the table (onnxruntime folds the constant transpose when the session loads); a
   * quantized format stores it again as a quantized linear weight.
   */
  tiedDecoder(h: Tensor, tableName: string, biasName: string, vocab: number, d: number): Tensor {
    if (this.input.format.kind === 'fp32') return ops.add(ops.matmul(h, ops.transpose(this.const(tableName, [vocab, d]), [1, 0])), this.const(biasName, [vocab]));
    return this.linear(h, 'lm_head.decoder', vocab, d, tableName, biasName);
  }

  layerNorm(x: Tensor, name: string, d: number): Tensor {
    return ops.layerNorm(x, this.const(`${name}.weight`, [d]), this.const(`${name}.bias`, [d]), this.input.layerNormEps).y;
  }
}

/**
 * Exact GELU as the standard op (opset 20): one kernel where the Erf composition took four, and
 * onnxruntime's fusion does not match that composition (measured 3-5% of the fp32 latency).
 */
function gelu(x: Tensor): Tensor {
  return x.graph.addNode('Gelu', [x], {}, [{ dtype: 'float32', shape: x.shape }])[0];
}

export function buildEncoderExport(input: ExportInput): Graph {
  const c = input.model;
  const d = c.d_model;
  const hs = headDim(c);
  const head = input.head ?? 'classifier';
  const g = new Graph(`tltc-${head}`);
  const b = new WeightBuilder(g, { params: input.params, format: input.format, quantizeEmbeddings: input.quantizeEmbeddings, layerNormEps: c.layer_norm_eps });
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const positions = ops.add(ops.mul(ops.cumsum(mask, 1), mask), ops.scalar(g, 1, 'int64')); // padding_idx 1, tokens from 2
  const words = b.embedding('roberta.embeddings.word_embeddings.weight', c.vocab_size, d, ids);
  const pos = b.embedding('roberta.embeddings.position_embeddings.weight', c.max_len + 2, d, positions);
  let x = ops.add(words, pos); // (B, T, D)
  if (c.embedding_norm) x = b.layerNorm(x, EMBEDDING_NORM, d);
  const maskF = ops.cast(ops.unsqueeze(mask, [1, 2]), 'float32'); // (B, 1, 1, T)
  const attnBias = ops.mul(ops.sub(ops.scalar(g, 1, 'float32'), maskF), -1e4);
  const pre = c.norm === 'pre';
  for (let i = 0; i < c.n_layers; i++) {
    const p = layerPrefix(i);
    const norms = layerNormNames(c, i);
    const heads = layerHeads(c, i);
    const attn = heads * hs;
    const ffn = layerFfn(c, i);
    const split = (t: Tensor) => ops.transpose(ops.reshape(t, [0, 0, heads, hs]), [0, 2, 1, 3]); // (B, T, h*hs) -> (B, H, T, hs)
    x = g.scope(p, () => {
      const h = pre ? b.layerNorm(x, norms.attention, d) : x;
      const q = split(ops.mul(b.linear(h, `${p}.attention.self.query`, attn, d), 1 / Math.sqrt(hs)));
      const kT = ops.transpose(ops.reshape(b.linear(h, `${p}.attention.self.key`, attn, d), [0, 0, heads, hs]), [0, 2, 3, 1]); // (B, H, hs, T)
      const v = split(b.linear(h, `${p}.attention.self.value`, attn, d));
      const probs = ops.softmax(ops.add(ops.matmul(q, kT), attnBias), -1);
      const ctx = ops.reshape(ops.transpose(ops.matmul(probs, v), [0, 2, 1, 3]), [0, 0, attn]); // (B, H, T, hs) -> (B, T, h*hs)
      const sum1 = ops.add(x, b.linear(ctx, `${p}.attention.output.dense`, d, attn));
      const x1 = pre ? sum1 : b.layerNorm(sum1, norms.attention, d);
      const f = pre ? b.layerNorm(x1, norms.ffn, d) : x1;
      const inner = gelu(b.linear(f, `${p}.intermediate.dense`, ffn, d));
      const sum2 = ops.add(x1, b.linear(inner, `${p}.output.dense`, d, ffn));
      return pre ? sum2 : b.layerNorm(sum2, norms.ffn, d);
    });
  }
  const hidden = pre ? b.layerNorm(x, FINAL_NORM, d) : x;
  if (head === 'classifier') {
    if (!input.numLabels) throw new Error('export: a classifier needs numLabels');
    const first = ops.gather(hidden, ops.scalar(g, 0, 'int64'), 1); // (B, D)
    const logits = g.scope('classifier', () => {
      const h = ops.tanh(b.linear(first, 'classifier.dense', d, d));
      return b.linear(h, 'classifier.out_proj', input.numLabels!, d);
    });
    g.output(logits, 'logits');
  } else if (head === 'mlm') {
    const logits = g.scope('lm_head', () => {
      const h = b.layerNorm(gelu(b.linear(hidden, 'lm_head.dense', d, d)), 'lm_head.layer_norm', d);
      return b.tiedDecoder(h, 'roberta.embeddings.word_embeddings.weight', 'lm_head.bias', c.vocab_size, d);
    });
    g.output(logits, 'logits');
  }
  g.output(hidden, 'last_hidden_state');
  return g;
}

export const buildClassifierExport = (input: ExportInput) => buildEncoderExport({ ...input, head: 'classifier' });
