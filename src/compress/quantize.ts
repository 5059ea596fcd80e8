/**
 * Uniform weight quantization (round to nearest): 2..8 bits, symmetric or asymmetric, per
 * tensor, per output channel (rows of a (out, in) weight) or in groups of 32/64/128 consecutive
 * input weights of a row (the layout MatMulNBits uses; a row's last group may be shorter, as after
 * structured pruning).
 */
import { numel } from '../graph/shape.ts';

export type Granularity = { kind: 'tensor' } | { kind: 'channel' } | { kind: 'group'; size: 32 | 64 | 128 };

export interface QuantScheme {
  bits: number;
  symmetric: boolean;
  granularity: Granularity;
}

export interface Quantized {
  scheme: QuantScheme;
  shape: number[];
  /** Integer codes in [qmin, qmax], one per weight. */
  codes: Int16Array;
  /** One scale and zero point per block (tensor, row or group), in row-major block order. */
  scales: Float32Array;
  zeroPoints: Int16Array;
  /** Elements per full block. */
  blockSize: number;
  /** Blocks per row: ceil(cols / group) for groups, 1 otherwise. */
  blocksPerRow: number;
}

/** The storage width onnxruntime has kernels for: 2, 4 or 8 bits. */
export function containerBits(bits: number): 2 | 4 | 8 {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) throw new Error(`quantization bits must be a whole number from 2 to 8, got ${bits}`);
  return bits <= 2 ? 2 : bits <= 4 ? 4 : 8;
}

/** Code range: symmetric uses [-(2^(b-1) - 1), 2^(b-1) - 1] so zero is exact and the range is balanced. */
export function codeRange(scheme: QuantScheme): [number, number] {
  if (scheme.symmetric) {
    const m = 2 ** (scheme.bits - 1) - 1;
    return [-m, m];
  }
  return [0, 2 ** scheme.bits - 1];
}

function checkScheme(s: QuantScheme): void {
  if (!Number.isInteger(s.bits) || s.bits < 2 || s.bits > 8) throw new Error(`quantization bits must be a whole number from 2 to 8, got ${s.bits}`);
}

/** Block layout of a weight of `shape` (last axis = input features): block length, blocks per row, and whether blocks split rows. */
function layout(shape: readonly number[], g: Granularity): { blockSize: number; blocksPerRow: number; cols: number; rows: number } {
  const total = numel(shape);
  const cols = shape[shape.length - 1];
  const rows = total / cols;
  switch (g.kind) {
    case 'tensor':
      return { blockSize: total, blocksPerRow: 1, cols: total, rows: 1 };
    case 'channel':
      return { blockSize: cols, blocksPerRow: 1, cols, rows };
    case 'group':
      return { blockSize: g.size, blocksPerRow: Math.ceil(cols / g.size), cols, rows };
  }
}

/** The block (index into scales and zeroPoints) of element i. */
export function blockIndex(q: Quantized, i: number): number {
  if (q.scheme.granularity.kind === 'tensor') return 0;
  const cols = q.shape[q.shape.length - 1];
  const row = Math.floor(i / cols);
  return row * q.blocksPerRow + Math.floor((i - row * cols) / q.blockSize);
}

export function quantize(w: Float32Array, shape: readonly number[], scheme: QuantScheme): Quantized {
  checkScheme(scheme);
  const { blockSize, blocksPerRow, cols, rows } = layout(shape, scheme.granularity);
  const [qmin, qmax] = codeRange(scheme);
  const codes = new Int16Array(w.length);
  const scales = new Float32Array(rows * blocksPerRow);
  const zeroPoints = new Int16Array(rows * blocksPerRow);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < blocksPerRow; k++) {
      const start = r * cols + k * blockSize;
      const end = Math.min(start + blockSize, (r + 1) * cols);
      const b = r * blocksPerRow + k;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = start; i < end; i++) {
        lo = Math.min(lo, w[i]);
        hi = Math.max(hi, w[i]);
      }
      let scale: number;
      let zero: number;
      if (scheme.symmetric) {
        scale = Math.max(Math.abs(lo), Math.abs(hi)) / qmax;
        zero = 0;
      } else {
        // The range always contains 0 so that zero (and pruned weights) stay exact.
        lo = Math.min(lo, 0);
        hi = Math.max(hi, 0);
        scale = (hi - lo) / (qmax - qmin);
        zero = scale > 0 ? Math.min(qmax, Math.max(qmin, Math.round(qmin - lo / scale))) : 0;
      }
      scale = Math.fround(scale > 0 ? scale : 1);
      scales[b] = scale;
      zeroPoints[b] = zero;
      for (let i = start; i < end; i++) codes[i] = Math.min(qmax, Math.max(qmin, Math.round(w[i] / scale) + zero));
    }
  }
  return { scheme, shape: [...shape], codes, scales, zeroPoints, blockSize, blocksPerRow };
}

export function dequantize(q: Quantized): Float32Array {
  const out = new Float32Array(q.codes.length);
  for (let i = 0; i < out.length; i++) {
    const b = blockIndex(q, i);
    out[i] = (q.codes[i] - q.zeroPoints[b]) * q.scales[b];
  }
  return out;
}

/** Quantize-dequantize: the weights a quantized model computes with. */
export function fakeQuantize(w: Float32Array, shape: readonly number[], scheme: QuantScheme): Float32Array {
  return dequantize(quantize(w, shape, scheme));
}

/** Bytes to store the codes (packed at `bits` per weight) plus one fp32 scale and, if asymmetric, one zero point per block. */
export function quantizedBytes(q: Quantized): number {
  const blocks = q.scales.length;
  return Math.ceil((q.codes.length * q.scheme.bits) / 8) + 4 * blocks + (q.scheme.symmetric ? 0 : Math.ceil((blocks * q.scheme.bits) / 8));
}

/**
 * Parses the CLI form: `int8`, `int4`, or `<bits>[:per-tensor|:per-channel|:g32|:g64|:g128][:asym]`.
 * Defaults: per-channel, symmetric; `int4` means 4 bits in groups of 32 (MatMulNBits' layout).
 */
export function parseQuantSpec(spec: string): QuantScheme {
  const hint = 'use int8, int4, or <bits>[:per-tensor|:per-channel|:g32|:g64|:g128][:asym] with bits 2..8';
  const parts = spec.trim().toLowerCase().split(':');
  const head = parts[0];
  let bits: number;
  let granularity: Granularity = { kind: 'channel' };
  if (head === 'int8') bits = 8;
  else if (head === 'int4') {
    bits = 4;
    granularity = { kind: 'group', size: 32 };
  } else if (/^\d+$/.test(head)) bits = Number(head);
  else throw new Error(`quantization "${spec}" is not understood: ${hint}`);
  if (bits < 2 || bits > 8) throw new Error(`quantization "${spec}": bits must be from 2 to 8`);
  let symmetric = true;
  for (const p of parts.slice(1)) {
    if (p === 'per-tensor') granularity = { kind: 'tensor' };
    else if (p === 'per-channel') granularity = { kind: 'channel' };
    else if (p === 'g32' || p === 'g64' || p === 'g128') granularity = { kind: 'group', size: Number(p.slice(1)) as 32 | 64 | 128 };
    else if (p === 'asym') symmetric = false;
    else if (p === 'sym') symmetric = true;
    else throw new Error(`quantization "${spec}": unknown option "${p}": ${hint}`);
  }
  return { bits, symmetric, granularity };
}
