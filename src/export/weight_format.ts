/** Weight formats of exported files: their types, the quantizers they apply, how the CLI names them (`--quant`, `--grid`) and the file names transformers.js looks up. */
import { checkBcqScheme } from '../compress/bcq.ts';
import { checkNmPattern } from '../compress/nm.ts';
import type { Granularity, QuantScheme } from '../compress/quantize.ts';

/**
 * How linear weights are stored: fp32 MatMul; int8 per output channel with dynamic uint8
 * activations (see int8.ts); or `bits`-bit asymmetric blocks along the input axis
 * (MatMulNBits, weights only). onnxruntime has 2-, 4- and 8-bit kernels; other widths are
 * quantized to their own levels and stored in the next wider container.
 */
/** n-bit weights; `int8Compute`: MatMulNBits multiplies in int8 (accuracy_level 4), for CPUs with VNNI (slower on AVX2, docs/BENCHMARKS.md). */
export type NbitsFormat = { kind: 'nbits'; bits: number; block: NbitsBlock; int8Compute?: true };

export type WeightFormat = { kind: 'fp32' } | { kind: 'int8' } | NbitsFormat | NmFormat | BcqFormat;
/**
 * N:M sparse encoder weights (nm.ts) stored compactly: values fp32 (`values` null), int8 (the
 * int8 format's 7-bit codes) or `values`-bit codes per output channel, computed by int8 kernels.
 */
export type NmFormat = { kind: 'nm'; n: number; m: number; values: null | 'int8' | number; perWeight?: Record<string, WeightChoice> };
/** One weight's storage in a searched N:M file (layer_search.ts): sparse to the format's N:M or dense, and its value bits (7: int8 codes). */
export type WeightChoice = { sparse: boolean; bits: number };
/** Binary-coding quantization (bcq.ts): q binary planes per weight with q scales per group along the input axis. */
export type BcqFormat = { kind: 'bcq'; q: number; block: 32 | 64 | 128 };
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

export { containerBits } from '../compress/quantize.ts';

/**
 * The int8 export's weight quantizer: symmetric per output channel, with codes in [-63, 63].
 * x86 CPUs without VNNI multiply uint8 activations by int8 weights with an instruction that adds
 * pairs of products in int16 and saturates (2 * 255 * 127 overflows it); 7-bit codes cannot
 * (2 * 255 * 63 does not), so the file computes the same everywhere. Measured on a random
 * 2-layer model: max logit error to fp32 0.137 with full 8-bit codes, 0.016 with these.
 */
export const INT8_WEIGHT_SCHEME: QuantScheme = { bits: 7, symmetric: true, granularity: { kind: 'channel' } };

/** N:M values' quantizer: symmetric per output channel, so pruned weights stay exactly zero; null for fp32 values. */
export function nmValueScheme(f: NmFormat): QuantScheme | null {
  if (f.values === null) return null;
  return f.values === 'int8' ? INT8_WEIGHT_SCHEME : { bits: f.values, symmetric: true, granularity: { kind: 'channel' } };
}

/** The quantizer of one linear weight (a searched N:M file chooses per weight); null where it stays fp32. */
export function linearSchemeOf(f: WeightFormat, name: string): QuantScheme | null {
  const choice = f.kind === 'nm' ? f.perWeight?.[name] : undefined;
  if (choice) return choice.bits === 7 ? INT8_WEIGHT_SCHEME : { bits: choice.bits, symmetric: true, granularity: { kind: 'channel' } };
  return formatSchemes(f)?.linear ?? null;
}

/**
 * The uniform quantizers a format applies to linear weights and to embeddings; null where
 * weights stay fp32, and for binary coding, whose levels are fitted to the weights rather than
 * uniform. QAT fakes exactly these.
 */
export function formatSchemes(f: WeightFormat): { linear: QuantScheme; embeddings: QuantScheme } | null {
  if (f.kind === 'fp32' || f.kind === 'bcq') return null;
  if (f.kind === 'int8') return { linear: INT8_WEIGHT_SCHEME, embeddings: embeddingScheme(8, 32) };
  if (f.kind === 'nm') {
    const linear = nmValueScheme(f);
    return linear && { linear, embeddings: embeddingScheme(f.values === 'int8' ? 8 : linear.bits, 32) };
  }
  return { linear: nbitsScheme(f.bits, f.block), embeddings: embeddingScheme(f.bits, f.block) };
}

/** Whether a file of this format stores its embedding tables compressed too (when the caller allows it). */
export function compressesEmbeddings(f: WeightFormat): boolean {
  return !(f.kind === 'fp32' || (f.kind === 'nm' && f.values === null));
}

const QUANT_HINT = 'use fp32, int8, int4, <bits>[:g32|:g64|:g128|:per-channel][:int8-compute] with bits 2..8, nmN:M[:int8|:q<bits>] or bcq<q>[:g32|:g64|:g128]';

/** `nm2:4` (fp32 values), `nm2:4:int8`, `nm2:4:q4` (4-bit values, bits 2..7). */
function parseNmFormat(spec: string): NmFormat {
  const match = /^nm(\d+):(\d+)(?::(int8|q\d+))?$/.exec(spec);
  if (!match) throw new Error(`--quant "${spec}" is not understood: N:M sparse weights are written nmN:M[:int8|:q<bits>], e.g. nm2:4 or nm2:4:q4`);
  const [n, m] = [Number(match[1]), Number(match[2])];
  checkNmPattern({ n, m });
  const values = match[3] === undefined ? null : match[3] === 'int8' ? 'int8' : Number(match[3].slice(1));
  if (typeof values === 'number' && !(values >= 2 && values <= 7)) {
    throw new Error(`--quant "${spec}": N:M values take 2 to 7 bits (int8 kernels without VNNI saturate on full 8-bit codes), or :int8 for the int8 format's codes`);
  }
  return { kind: 'nm', n, m, values };
}

/** `bcq3` (3 binary planes, groups of 128 inputs), `bcq2:g64`; q from 1 to 4. */
function parseBcqFormat(spec: string): BcqFormat {
  const match = /^bcq(\d+)(?::g(32|64|128))?$/.exec(spec);
  if (!match) throw new Error(`--quant "${spec}" is not understood: binary-coding quantization is written bcq<q>[:g32|:g64|:g128] with q 1..4, e.g. bcq3`);
  const q = Number(match[1]);
  const block = Number(match[2] ?? 128) as 32 | 64 | 128;
  checkBcqScheme({ q, block });
  return { kind: 'bcq', q, block };
}

/** `fp32`, `int8` (per-channel weights, dynamic int8 activations), `int4` (= 4:g32), `<bits>[:g32|:g64|:g128|:per-channel]`, `nmN:M[...]` or `bcq<q>[...]`. */
export function parseWeightFormat(spec: string): WeightFormat {
  const lower = spec.trim().toLowerCase();
  if (lower.startsWith('nm')) return parseNmFormat(lower);
  if (lower.startsWith('bcq')) return parseBcqFormat(lower);
  const parts = lower.split(':');
  const head = parts[0];
  if (parts.length === 1 && (head === 'fp32' || head === 'int8')) return { kind: head };
  const bits = head === 'int4' ? 4 : /^\d+$/.test(head) ? Number(head) : NaN;
  if (Number.isNaN(bits)) throw new Error(`--quant "${spec}" is not understood: ${QUANT_HINT}`);
  if (bits < 2 || bits > 8) throw new Error(`--quant "${spec}": bits must be from 2 to 8`);
  let block: NbitsBlock = 32;
  let int8Compute = false;
  for (const p of parts.slice(1)) {
    if (p === 'g32' || p === 'g64' || p === 'g128') block = Number(p.slice(1)) as 32 | 64 | 128;
    else if (p === 'per-channel') block = 'channel';
    else if (p === 'int8-compute') int8Compute = true;
    else throw new Error(`--quant "${spec}": "${p}" is not exported (n-bit weights are stored per channel or in blocks for MatMulNBits): ${QUANT_HINT}`);
  }
  if (block === 'channel' && bits === 8) throw new Error(`--quant "${spec}": 8-bit per-channel weights are what int8 is (with a 7-bit range that int8 kernels cannot overflow): use --quant int8`);
  if (int8Compute && block === 'channel') throw new Error(`--quant "${spec}": per-channel weights already compute in int8; int8-compute applies to blocks (g32, g64, g128)`);
  return { kind: 'nbits', bits, block, ...(int8Compute ? { int8Compute: true as const } : {}) };
}

/** File names as transformers.js looks them up: model.onnx (fp32), model_quantized.onnx (q8), model_q4.onnx. */
export function formatFile(f: WeightFormat): string {
  if (f.kind === 'fp32') return 'model.onnx';
  if (f.kind === 'int8') return 'model_quantized.onnx';
  if (f.kind === 'nm' && f.perWeight) return `model_nm${f.n}of${f.m}_searched.onnx`;
  if (f.kind === 'nm') return `model_nm${f.n}of${f.m}${f.values === null ? '' : f.values === 'int8' ? '_int8' : `_q${f.values}`}.onnx`;
  if (f.kind === 'bcq') return `model_bcq${f.q}${f.block === 128 ? '' : `_g${f.block}`}.onnx`;
  return `model_q${f.bits}${f.block === 32 ? '' : f.block === 'channel' ? '_channel' : `_g${f.block}`}${f.int8Compute ? '_int8compute' : ''}.onnx`;
}
