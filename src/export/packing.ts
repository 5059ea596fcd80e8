/**
 * Bit packing for quantized weights: codes packed low bits first as onnxruntime's contrib ops
 * read them, and constant nibble tables unpacked by standard ops that onnxruntime folds when a
 * session loads.
 */
import { ops, type Graph, type Tensor } from '../graph/index.ts';
import { quantize } from '../compress/quantize.ts';
import { containerBits, nbitsScheme, type NbitsBlock } from './weight_format.ts';

/** Codes (each < 2^container) packed low bits first, `8 / container` per byte. */
export function packCodes(codes: ArrayLike<number>, container: number): Uint8Array {
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

/** The power of two (at least 16, as MatMulNBits requires) that holds a whole row of `cols`. */
const rowBlock = (cols: number) => Math.max(16, 2 ** Math.ceil(Math.log2(cols)));

/**
 * A (rows, cols) weight quantized asymmetrically in blocks along cols, packed for the contrib ops.
 * A row's short last block (cols not a multiple of block, as after structured pruning, or a
 * per-channel row stored in a power-of-two block) is padded with its zero point, which
 * dequantizes to 0. Returns the stored block size too.
 */
export function blockQuantized(w: Float32Array, rows: number, cols: number, bits: number, block: NbitsBlock) {
  const container = containerBits(bits);
  const q = quantize(w, [rows, cols], nbitsScheme(bits, block));
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
 * A constant (rows, cols) int8 matrix of values in [-8, 7], stored two per byte along rows and
 * unpacked by ops whose inputs are all constants, which onnxruntime folds when the session loads.
 */
export function unpackNibbles(g: Graph, values: Int8Array, rows: number, cols: number, name: string): Tensor {
  const pairs = Math.ceil(rows / 2);
  const packed = new Uint8Array(pairs * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) packed[(r >> 1) * cols + c] |= (values[r * cols + c] & 15) << (4 * (r & 1));
  const table = g.constant(packed, 'uint8', [pairs, cols], name);
  const lo = ops.bitwiseAnd(table, g.constant(new Uint8Array([15]), 'uint8', [], `${name}_mask`));
  const hi = ops.bitShift(table, g.constant(new Uint8Array([4]), 'uint8', [], `${name}_shift`), 'RIGHT');
  let nibbles = ops.reshape(ops.concat([ops.unsqueeze(lo, [1]), ops.unsqueeze(hi, [1])], 1), [2 * pairs, cols]);
  if (2 * pairs !== rows) nibbles = ops.slice(nibbles, [0], [rows], [0]);
  // Two's-complement nibbles to int8 through a lookup: ONNX casts do not sign-extend 4 bits.
  const signed = g.constant(Int8Array.from({ length: 16 }, (_, i) => (i < 8 ? i : i - 16)), 'int8', [16], `${name}_lut`);
  return ops.gather(signed, ops.cast(nibbles, 'int64'));
}

/**
 * `count` unsigned codes of `container` bits (1, 2, 4 or 8) packed by packCodes, as a constant
 * uint8 tensor [count]: each byte shifted by every field's offset at once (broadcast) and masked,
 * two ops that onnxruntime folds when a session loads.
 */
export function unpackBits(g: Graph, codes: ArrayLike<number>, count: number, container: 1 | 2 | 4 | 8, name: string): Tensor {
  if (container === 8) return g.constant(Uint8Array.from(codes), 'uint8', [count], name);
  const packed = packCodes(codes, container);
  const perByte = 8 / container;
  const table = g.constant(packed, 'uint8', [packed.length, 1], name);
  const shifts = g.constant(Uint8Array.from({ length: perByte }, (_, j) => container * j), 'uint8', [perByte], `${name}_shifts`);
  const mask = g.constant(new Uint8Array([(1 << container) - 1]), 'uint8', [], `${name}_mask`);
  const fields = ops.bitwiseAnd(ops.bitShift(table, shifts, 'RIGHT'), mask); // (bytes, perByte), low bits first
  const all = ops.reshape(fields, [packed.length * perByte]);
  return packed.length * perByte === count ? all : ops.slice(all, [0], [count], [0]);
}
