/** Weight formats of exported files: their types, the quantizers they apply, how the CLI names them (`--quant`, `--grid`) and the file names transformers.js looks up. */
import type { Granularity, QuantScheme } from '../compress/quantize.ts';

/**
 * How linear weights are stored: fp32 MatMul; int8 per output channel with dynamic uint8
 * activations (see int8.ts); or `bits`-bit asymmetric blocks along the input axis
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

/** How n-bit linear weights are quantized: asymmetric, in blocks along the input axis or per output channel. */
export function nbitsScheme(bits: number, block: NbitsBlock): QuantScheme {
  return { bits, symmetric: false, granularity: blockGranularity(block) };
}

/** How embeddings are quantized: symmetric, so no zero points are stored, in blocks along the row. */
export function embeddingScheme(bits: number, block: NbitsBlock): QuantScheme {
  return { bits, symmetric: true, granularity: blockGranularity(block) };
}

/** The storage width onnxruntime has kernels for: 2, 4 or 8 bits. */
export function containerBits(bits: number): 2 | 4 | 8 {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) throw new Error(`quantization bits must be a whole number from 2 to 8, got ${bits}`);
  return bits <= 2 ? 2 : bits <= 4 ? 4 : 8;
}

/**
 * The int8 export's weight quantizer: symmetric per output channel, with codes in [-63, 63].
 * x86 CPUs without VNNI multiply uint8 activations by int8 weights with an instruction that adds
 * pairs of products in int16 and saturates (2 * 255 * 127 overflows it); 7-bit codes cannot
 * (2 * 255 * 63 does not), so the file computes the same everywhere. Measured on a random
 * 2-layer model: max logit error to fp32 0.137 with full 8-bit codes, 0.016 with these.
 */
export const INT8_WEIGHT_SCHEME: QuantScheme = { bits: 7, symmetric: true, granularity: { kind: 'channel' } };

/** The quantizers a format applies to linear weights and to embeddings; null for fp32. QAT fakes exactly these. */
export function formatSchemes(f: WeightFormat): { linear: QuantScheme; embeddings: QuantScheme } | null {
  if (f.kind === 'fp32') return null;
  if (f.kind === 'int8') return { linear: INT8_WEIGHT_SCHEME, embeddings: embeddingScheme(8, 32) };
  return { linear: nbitsScheme(f.bits, f.block), embeddings: embeddingScheme(f.bits, f.block) };
}

const QUANT_HINT = 'use fp32, int8, int4, or <bits>[:g32|:g64|:g128|:per-channel] with bits 2..8';

/** `fp32`, `int8` (per-channel weights, dynamic int8 activations), `int4` (= 4:g32), or `<bits>[:g32|:g64|:g128|:per-channel]`. */
export function parseWeightFormat(spec: string): WeightFormat {
  const parts = spec.trim().toLowerCase().split(':');
  const head = parts[0];
  if (parts.length === 1 && (head === 'fp32' || head === 'int8')) return { kind: head };
  const bits = head === 'int4' ? 4 : /^\d+$/.test(head) ? Number(head) : NaN;
  if (Number.isNaN(bits)) throw new Error(`--quant "${spec}" is not understood: ${QUANT_HINT}`);
  if (bits < 2 || bits > 8) throw new Error(`--quant "${spec}": bits must be from 2 to 8`);
  let block: NbitsBlock = 32;
  for (const p of parts.slice(1)) {
    if (p === 'g32' || p === 'g64' || p === 'g128') block = Number(p.slice(1)) as 32 | 64 | 128;
    else if (p === 'per-channel') block = 'channel';
    else throw new Error(`--quant "${spec}": "${p}" is not exported (n-bit weights are stored per channel or in blocks for MatMulNBits): ${QUANT_HINT}`);
  }
  if (block === 'channel' && bits === 8) throw new Error(`--quant "${spec}": 8-bit per-channel weights are what int8 is (with a 7-bit range that int8 kernels cannot overflow): use --quant int8`);
  return { kind: 'nbits', bits, block };
}

/** File names as transformers.js looks them up: model.onnx (fp32), model_quantized.onnx (q8), model_q4.onnx. */
export function formatFile(f: WeightFormat): string {
  if (f.kind === 'fp32') return 'model.onnx';
  if (f.kind === 'int8') return 'model_quantized.onnx';
  return `model_q${f.bits}${f.block === 32 ? '' : f.block === 'channel' ? '_channel' : `_g${f.block}`}.onnx`;
}
