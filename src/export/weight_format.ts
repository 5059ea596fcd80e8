/** Weight formats as the CLI names them (`--quant`, `--grid`) and the file names transformers.js looks up. */
import type { NbitsBlock, WeightFormat } from './encoder_graph.ts';

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
