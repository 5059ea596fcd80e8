/** int8 weights computed by integer kernels: standard ONNX that every runtime runs. */
import { ops, type Graph, type Tensor } from '../graph/index.ts';
import { quantize } from '../compress/quantize.ts';
import { INT8_WEIGHT_SCHEME } from './weight_format.ts';

/** int8 codes of a (out, in) weight, laid out (in, out) as MatMul's B, with one scale per output. */
export function int8Weights(w: Float32Array, out: number, inp: number): { codesT: Int8Array; scales: Float32Array } {
  const q = quantize(w, [out, inp], INT8_WEIGHT_SCHEME);
  const codesT = new Int8Array(inp * out);
  for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) codesT[i * out + o] = q.codes[o * inp + i];
  return { codesT, scales: q.scales };
}

/**
 * x @ W^T + b with int8 weights, one scale per output column, and activations quantized per call
 * (uint8, one scale per tensor): DynamicQuantizeLinear + MatMulInteger + rescale, which
 * onnxruntime fuses into its DynamicQuantizeMatMul kernel.
 */
export function int8Linear(g: Graph, x: Tensor, w: Float32Array, bias: Tensor, name: string, out: number, inp: number): Tensor {
  const { codesT, scales } = int8Weights(w, out, inp);
  return integerMatMul(x, g.constant(codesT, 'int8', [inp, out], `${name}.weight_int8`), null, g.constant(scales, 'float32', [out], `${name}.weight_scale`), bias);
}

/** x @ (W - zero) * scale + bias for int8 W (in, out): activations quantized per call to uint8, one scale per output column. */
export function integerMatMul(x: Tensor, w: Tensor, zero: Tensor | null, scale: Tensor, bias: Tensor): Tensor {
  const xq = ops.dynamicQuantizeLinear(x);
  const acc = ops.matMulInteger(xq.y, w, xq.zeroPoint, zero);
  return ops.add(ops.mul(ops.cast(acc, 'float32'), ops.mul(xq.scale, scale)), bias);
}
