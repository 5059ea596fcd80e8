/**
 * The CMOW/CBOW student as a deployment file: the same cmowOutputs as its training graph, on
 * weights stored in a format (fp32, int8, n-bit: the matrices and vectors are embedding tables,
 * stored as such). Inputs `input_ids` and `attention_mask` of (batch, max_len): sequences are
 * padded to max_len, which the balanced product needs; output `logits`, the sentence embedding.
 */
import { Graph } from '../graph/index.ts';
import { cmowInputs, cmowOutputs, type CmowConfig } from '../nn/cmow.ts';
import { exportWeights } from './weight_providers.ts';
import type { WeightFormat } from './weight_format.ts';

export function buildCmowExport(c: CmowConfig, outputs: number, params: ReadonlyMap<string, Float32Array>, format: WeightFormat, quantizeEmbeddings: boolean): Graph {
  const g = new Graph('cmow-cbow');
  const { ids, mask } = cmowInputs(g, c, 'batch');
  g.output(cmowOutputs(ids, mask, c, outputs, exportWeights(g, params, format, quantizeEmbeddings)), 'logits');
  return g;
}
