/**
 * A quantized embedding table in a deployment graph: symmetric `bits`-bit blocks along the row,
 * codes offset to unsigned and packed, and only the gathered rows unpacked and dequantized with
 * standard ops. onnxruntime's GatherBlockQuantized measured about 10 ms slower per batch-8 call
 * here, and standard ops run on every onnxruntime build.
 */
import { ops, type Graph, type Tensor } from '../graph/index.ts';
import { quantize } from '../compress/quantize.ts';
import { packCodes } from './packing.ts';
import { containerBits, embeddingScheme, type NbitsBlock } from './weight_format.ts';

/**
 * The blocks a table of `cols` columns is stored in at `bits`: the format's block when a row holds
 * a whole number of them, else one scale per row (a CMOW table of 4 x 4 matrices has 16 columns);
 * null when a row's codes do not fill whole bytes, and the table stays fp32.
 */
export function embeddingBlock(cols: number, bits: number, block: NbitsBlock): NbitsBlock | null {
  if (cols % (8 / containerBits(bits)) !== 0) return null;
  return block === 'channel' || cols % block === 0 ? block : 'channel';
}

export function quantizedEmbedding(g: Graph, table: Float32Array, name: string, shape: { rows: number; cols: number }, ids: Tensor, bits: number, setting: NbitsBlock): Tensor {
  const { rows, cols } = shape;
  const block = setting === 'channel' ? cols : setting;
  const container = containerBits(bits);
  const perByte = 8 / container;
  const offset = 1 << (container - 1);
  const q = quantize(table, [rows, cols], embeddingScheme(bits, setting));
  const codesTable = g.constant(packCodes(Array.from(q.codes, (c) => c + offset), container), 'uint8', [rows, cols / perByte], `${name}_q${bits}`);
  const scales = g.constant(q.scales, 'float32', [rows, cols / block], `${name}_scales`);
  const packed = ops.gather(codesTable, ids); // (B, T, cols / perByte)
  const codes = perByte > 1 ? unpackRows(g, packed, name, container, cols) : packed;
  const centered = ops.sub(ops.cast(codes, 'float32'), ops.scalar(g, offset, 'float32'));
  const blocks = ops.reshape(centered, [0, 0, cols / block, block]);
  const scaled = ops.mul(blocks, ops.unsqueeze(ops.gather(scales, ids), [3])); // (B, T, blocks, block) * (B, T, blocks, 1)
  return ops.reshape(scaled, [0, 0, cols]);
}

/** (B, T, cols / perByte) packed bytes -> (B, T, cols) codes, low bits first as packed. */
function unpackRows(g: Graph, packed: Tensor, name: string, container: number, cols: number): Tensor {
  const perByte = 8 / container;
  const mask = g.constant(new Uint8Array([(1 << container) - 1]), 'uint8', [], `${name}_code_mask`);
  const parts = Array.from({ length: perByte }, (_, k) => {
    const shift = g.constant(new Uint8Array([k * container]), 'uint8', [], `${name}_shift_${k}`);
    const shifted = k === 0 ? packed : ops.bitShift(packed, shift, 'RIGHT');
    return ops.unsqueeze(ops.bitwiseAnd(shifted, mask), [3]);
  });
  return ops.reshape(ops.concat(parts, 3), [0, 0, cols]);
}
