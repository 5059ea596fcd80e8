/**
 * The Universal Sentence Encoder Lite (src/nn/use_lite.ts) as a deployable ONNX graph: inputs
 * `input_ids` and `attention_mask` (int64, dynamic batch and sequence), outputs
 * `sentence_embedding` (batch, output_dim), unit length, and `last_hidden_state`. Linear layers
 * and the embedding table take any weight format of the classifier export.
 */
import { Graph } from '../graph/index.ts';
import { DYNAMIC } from '../nn/layout.ts';
import { useLiteEncode } from '../nn/use_lite.ts';
import type { UseLiteConfig } from '../nn/use_lite_config.ts';
import { exportWeights } from './weight_providers.ts';
import type { WeightFormat } from './weight_format.ts';

export interface UseLiteExportInput {
  config: UseLiteConfig;
  params: ReadonlyMap<string, Float32Array>;
  format: WeightFormat;
  quantizeEmbeddings?: boolean;
}

export function buildUseLiteGraph(input: UseLiteExportInput): Graph {
  const c = input.config;
  const g = new Graph('tltc-use-lite');
  const weights = exportWeights(g, input.params, input.format, input.quantizeEmbeddings);
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const { hidden, embedding } = useLiteEncode(ids, mask, c, { weights, layout: DYNAMIC, kernels: 'standard', eps: c.layer_norm_eps, dropout: 0 });
  g.output(hidden, 'last_hidden_state');
  g.output(embedding, 'sentence_embedding');
  return g;
}
