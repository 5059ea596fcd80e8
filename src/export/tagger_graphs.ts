/**
 * A tagger (nn/tagger.ts) as blocks for token-level early exit: the embeddings block of
 * early_exit_graphs.ts, then per layer `hidden`, `attention_mask` -> `hidden_out` and that
 * layer's per-token `logits` (batch, sequence, tags). Every layer outputs its states, the last
 * included, because a runner copies halted tokens' states into them (token_exit_runner.ts).
 */
import { Graph } from '../graph/index.ts';
import type { ModelConfig } from '../nn/config.ts';
import { encoderLayer } from '../nn/layers.ts';
import { robertaLayer } from '../nn/params.ts';
import { tagLogits } from '../nn/tagger.ts';
import { contextOf, embeddingsBlock, type ExitBlock } from './early_exit_graphs.ts';
import type { WeightFormat } from './weight_format.ts';

export interface TaggerExportInput {
  model: ModelConfig;
  tags: number;
  params: ReadonlyMap<string, Float32Array>;
  format: WeightFormat;
}

function tagLayerBlock(input: TaggerExportInput, layer: number): ExitBlock {
  const c = input.model;
  const g = new Graph(`tltc-tag-layer-${layer}`);
  const hidden = g.input('hidden', 'float32', ['batch', 'sequence', c.d_model]);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const ctx = contextOf(input, g, mask);
  const x = encoderLayer(hidden, ctx, robertaLayer(c, layer));
  g.output(tagLogits(x, c, input.tags, ctx, layer), 'logits');
  g.output(x, 'hidden_out');
  return { name: `layer_${layer}`, graph: g };
}

/** The blocks of a tagger with a head after every layer, in running order. */
export function buildTagExitBlocks(input: TaggerExportInput): ExitBlock[] {
  if (!input.model.exit_heads) throw new Error('a tagger needs a head after every layer for token-level exit (fine-tune it with --early-exit)');
  return [embeddingsBlock(input), ...Array.from({ length: input.model.n_layers }, (_, l) => tagLayerBlock(input, l))];
}
