/**
 * The deployable classifier graph: weights as initializers, dynamic batch and sequence axes,
 * inputs `input_ids` and `attention_mask` (int64) as transformers.js feeds them, output `logits`.
 * Activations stay (batch, sequence, d_model) so every reshape copies the dynamic axes (0 in
 * Reshape), and positions follow Hugging Face RoBERTa: cumsum(mask) * mask + 1.
 * Linear layers are fp32 MatMul, or int8 / 4-bit weights through onnxruntime's contrib kernels.
 */
import { Graph, MS_DOMAIN, ops, type Tensor } from '../graph/index.ts';
import type { ModelConfig } from '../nn/config.ts';
import { quantize, type QuantScheme } from '../compress/quantize.ts';

export type WeightFormat = 'fp32' | 'int8' | 'int4';

export interface ExportInput {
  model: ModelConfig;
  numLabels: number;
  params: ReadonlyMap<string, Float32Array>;
  format: WeightFormat;
}

/** Symmetric int8 codes of a (out, in) weight, laid out (in, out) as MatMul's B, with one scale per output. */
export function int8Weights(w: Float32Array, out: number, inp: number): { codesT: Int8Array; scales: Float32Array } {
  const scheme: QuantScheme = { bits: 8, symmetric: true, granularity: { kind: 'channel' } };
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

class Builder {
  constructor(
    readonly g: Graph,
    readonly input: ExportInput,
  ) {}

  param(name: string): Float32Array {
    const w = this.input.params.get(name);
    if (!w) throw new Error(`export: the checkpoint has no tensor ${name}`);
    return w;
  }

  const(name: string, shape: number[]): Tensor {
    return this.g.constant(this.param(name), 'float32', shape, name);
  }

  /** x @ W^T + b for a weight stored (out, in), in the chosen weight format. */
  linear(x: Tensor, name: string, out: number, inp: number): Tensor {
    const w = this.param(`${name}.weight`);
    const bias = this.const(`${name}.bias`, [out]);
    switch (this.input.format) {
      case 'fp32':
        return ops.add(ops.matmul(x, this.g.constant(transpose2d(w, out, inp), 'float32', [inp, out], `${name}.weight_t`)), bias);
      case 'int8':
        return this.int8Linear(x, w, bias, name, out, inp);
      case 'int4':
        return this.int4Linear(x, w, bias, name, out, inp);
    }
  }

  /** com.microsoft DynamicQuantizeMatMul: activations quantized per call, int8 weights with one scale per output column. */
  private int8Linear(x: Tensor, w: Float32Array, bias: Tensor, name: string, out: number, inp: number): Tensor {
    const { codesT, scales } = int8Weights(w, out, inp);
    const b = this.g.constant(codesT, 'int8', [inp, out], `${name}.weight_int8`);
    const scale = this.g.constant(scales, 'float32', [out], `${name}.weight_scale`);
    const zero = this.g.constant(new Int8Array(out), 'int8', [out], `${name}.weight_zero_point`);
    const shape = [...x.shape.slice(0, -1), out];
    return this.g.addNode('DynamicQuantizeMatMul', [x, b, scale, zero, bias], {}, [{ dtype: 'float32', shape }], { domain: MS_DOMAIN })[0];
  }

  /** com.microsoft MatMulNBits: 4-bit weights in blocks of 32 along the input axis, asymmetric (zero points packed). */
  private int4Linear(x: Tensor, w: Float32Array, bias: Tensor, name: string, out: number, inp: number): Tensor {
    const block = 32;
    if (inp % block !== 0) throw new Error(`export: ${name} has ${inp} inputs, not a multiple of ${block} for 4-bit blocks`);
    const scheme: QuantScheme = { bits: 4, symmetric: false, granularity: { kind: 'group', size: 32 } };
    const q = quantize(w, [out, inp], scheme);
    const blocks = inp / block;
    // B: (N, blocks, 16 bytes), two 4-bit codes per byte, low nibble first.
    const packed = new Uint8Array(out * blocks * (block / 2));
    for (let i = 0; i < q.codes.length; i += 2) packed[i / 2] = (q.codes[i] & 0x0f) | ((q.codes[i + 1] & 0x0f) << 4);
    // Zero points: (N, ceil(blocks / 2)) bytes, packed the same way.
    const zpCols = Math.ceil(blocks / 2);
    const zp = new Uint8Array(out * zpCols);
    for (let o = 0; o < out; o++) {
      for (let k = 0; k < blocks; k++) {
        const v = q.zeroPoints[o * blocks + k] & 0x0f;
        zp[o * zpCols + (k >> 1)] |= k % 2 === 0 ? v : v << 4;
      }
    }
    const b = this.g.constant(packed, 'uint8', [out, blocks, block / 2], `${name}.weight_q4`);
    const scales = this.g.constant(q.scales, 'float32', [out * blocks], `${name}.weight_scales`);
    const zeros = this.g.constant(zp, 'uint8', [out * zpCols], `${name}.weight_zero_points`);
    const shape = [...x.shape.slice(0, -1), out];
    const y = this.g.addNode('MatMulNBits', [x, b, scales, zeros], { K: inp, N: out, bits: 4, block_size: block }, [{ dtype: 'float32', shape }], { domain: MS_DOMAIN })[0];
    return ops.add(y, bias);
  }

  layerNorm(x: Tensor, name: string, d: number): Tensor {
    return ops.layerNorm(x, this.const(`${name}.weight`, [d]), this.const(`${name}.bias`, [d]), this.input.model.layer_norm_eps).y;
  }
}

/** Exact GELU from Erf: every onnxruntime build (web included) has these ops. */
function gelu(x: Tensor): Tensor {
  return ops.mul(ops.mul(x, 0.5), ops.add(ops.erf(ops.mul(x, Math.SQRT1_2)), 1));
}

export function buildClassifierExport(input: ExportInput): Graph {
  const c = input.model;
  const d = c.d_model;
  const heads = c.n_heads;
  const hs = d / heads;
  const g = new Graph('tltc-classifier');
  const b = new Builder(g, input);
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const positions = ops.add(ops.mul(ops.cumsum(mask, 1), mask), ops.scalar(g, 1, 'int64')); // padding_idx 1, tokens from 2
  const words = ops.gather(b.const('roberta.embeddings.word_embeddings.weight', [c.vocab_size, d]), ids);
  const pos = ops.gather(b.const('roberta.embeddings.position_embeddings.weight', [c.max_len + 2, d]), positions);
  let x = ops.add(words, pos); // (B, T, D)
  const maskF = ops.cast(ops.unsqueeze(mask, [1, 2]), 'float32'); // (B, 1, 1, T)
  const attnBias = ops.mul(ops.sub(ops.scalar(g, 1, 'float32'), maskF), -1e4);
  const split = (t: Tensor) => ops.transpose(ops.reshape(t, [0, 0, heads, hs]), [0, 2, 1, 3]); // (B, T, D) -> (B, H, T, hs)
  for (let i = 0; i < c.n_layers; i++) {
    const p = `roberta.encoder.layer.${i}`;
    x = g.scope(p, () => {
      const h = b.layerNorm(x, `${p}.attention.LayerNorm`, d);
      const q = split(ops.mul(b.linear(h, `${p}.attention.self.query`, d, d), 1 / Math.sqrt(hs)));
      const kT = ops.transpose(ops.reshape(b.linear(h, `${p}.attention.self.key`, d, d), [0, 0, heads, hs]), [0, 2, 3, 1]); // (B, H, hs, T)
      const v = split(b.linear(h, `${p}.attention.self.value`, d, d));
      const probs = ops.softmax(ops.add(ops.matmul(q, kT), attnBias), -1);
      const ctx = ops.reshape(ops.transpose(ops.matmul(probs, v), [0, 2, 1, 3]), [0, 0, d]); // (B, H, T, hs) -> (B, T, D)
      const x1 = ops.add(x, b.linear(ctx, `${p}.attention.output.dense`, d, d));
      const f = b.layerNorm(x1, `${p}.LayerNorm`, d);
      const inner = gelu(b.linear(f, `${p}.intermediate.dense`, c.d_ff, d));
      return ops.add(x1, b.linear(inner, `${p}.output.dense`, d, c.d_ff));
    });
  }
  const hidden = b.layerNorm(x, 'roberta.encoder.LayerNorm', d);
  const first = ops.gather(hidden, ops.scalar(g, 0, 'int64'), 1); // (B, D)
  const logits = g.scope('classifier', () => {
    const h = ops.tanh(b.linear(first, 'classifier.dense', d, d));
    return b.linear(h, 'classifier.out_proj', input.numLabels, d);
  });
  g.output(logits, 'logits');
  return g;
}
