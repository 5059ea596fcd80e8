/**
 * The deployable encoder graphs: the model of src/nn/encoder.ts with weights as initializers in
 * a storage format (exportWeights), dynamic batch and sequence axes, and standard kernels.
 * Inputs `input_ids` and `attention_mask` (int64) as transformers.js feeds them; outputs
 * `last_hidden_state` (batch, sequence, d_model) and, per head, `logits`: (batch, labels) for a
 * classifier, (batch, sequence, vocab) for the masked LM. Positions follow Hugging Face RoBERTa.
 */
import { Graph, type Tensor } from '../graph/index.ts';
import type { ModelConfig } from '../nn/config.ts';
import { classifierLogits, encode, maskedPositions, mlmHead, modelContext } from '../nn/encoder.ts';
import { attentionBias, DYNAMIC } from '../nn/layout.ts';
import { exportWeights } from './weight_providers.ts';
import type { WeightFormat } from './weight_format.ts';

export type ExportHead = 'classifier' | 'mlm' | 'features';

export interface ExportInput {
  model: ModelConfig;
  /** Default classifier. */
  head?: ExportHead;
  /** Classifier labels (classifier head only). */
  numLabels?: number;
  params: ReadonlyMap<string, Float32Array>;
  format: WeightFormat;
  /** Quantize the word and position embeddings too. */
  quantizeEmbeddings?: boolean;
}

export function buildEncoderExport(input: ExportInput): Graph {
  const c = input.model;
  const head = input.head ?? 'classifier';
  if (head === 'classifier' && !input.numLabels) throw new Error('export: a classifier needs numLabels');
  const g = new Graph(`tltc-${head}`);
  const weights = exportWeights(g, input.params, input.format, input.quantizeEmbeddings);
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const positions = maskedPositions(mask);
  const ctx = modelContext(c, { weights, layout: DYNAMIC, kernels: 'standard', dropout: 0, attentionBias: attentionBias(mask) });
  let hidden: Tensor;
  if (head === 'classifier') {
    const out = classifierLogits(ids, positions, mask, c, input.numLabels!, ctx);
    g.output(out.logits, 'logits');
    hidden = out.hidden;
  } else {
    hidden = encode(ids, positions, c, ctx);
    if (head === 'mlm') g.output(mlmHead(hidden, c, ctx), 'logits');
  }
  g.output(hidden, 'last_hidden_state');
  return g;
}

export const buildClassifierExport = (input: ExportInput) => buildEncoderExport({ ...input, head: 'classifier' });
