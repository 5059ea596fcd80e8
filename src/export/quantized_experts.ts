/**
 * Switch expert matrices in quantized files. onnxruntime has no batched low-bit kernel for a
 * stack of (in, out) matrices, so the codes are stored (int8, or two per byte up to 4 bits) with
 * one scale per expert and output column, and decoded to fp32 by constant ops that onnxruntime
 * folds when the session loads: the file shrinks as the format says, the products stay fp32.
 */
import { ops, type Graph, type Tensor } from '../graph/index.ts';
import { quantize } from '../compress/quantize.ts';
import { unpackNibbles } from './packing.ts';

/** The (experts, in, out) stack `w` at `bits` bits, symmetric per (expert, output column), as the fp32 tensor the layer multiplies. */
export function quantizedExperts(g: Graph, w: Float32Array, shape: readonly [number, number, number], bits: number, name: string): Tensor {
  const [experts, inp, out] = shape;
  const codes = new Int8Array(w.length);
  const scales = new Float32Array(experts * out);
  const rows = new Float32Array(out * inp); // one expert's matrix as (out, in): a row per output column
  for (let e = 0; e < experts; e++) {
    const base = e * inp * out;
    for (let k = 0; k < inp; k++) for (let n = 0; n < out; n++) rows[n * inp + k] = w[base + k * out + n];
    const q = quantize(rows, [out, inp], { bits, symmetric: true, granularity: { kind: 'channel' } });
    scales.set(q.scales, e * out);
    for (let k = 0; k < inp; k++) for (let n = 0; n < out; n++) codes[base + k * out + n] = q.codes[n * inp + k];
  }
  const stored = bits > 4 ? g.constant(codes, 'int8', [experts * inp, out], `${name}_q${bits}`) : unpackNibbles(g, codes, experts * inp, out, `${name}_q${bits}`);
  const decoded = ops.cast(ops.reshape(stored, [experts, inp, out]), 'float32');
  return ops.mul(decoded, g.constant(scales, 'float32', [experts, 1, out], `${name}_scales`));
}
