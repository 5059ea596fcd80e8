/**
 * A tagger (nn/tagger.ts) as blocks for token-level early exit: the embeddings block of
 * early_exit_graphs.ts, then per layer `hidden`, `attention_mask` -> `hidden_out` and that
 * layer's per-token `logits` (batch, sequence, tags). Every layer outputs its states, the last
 * included, because a runner copies halted tokens' states into them (token_exit_runner.ts).
 */
import type { ModelConfig } from '../nn/config.ts';
import { tagLogits } from '../nn/tagger.ts';
import { embeddingsBlock, headedLayerBlock, type ExitBlock } from './early_exit_graphs.ts';
import type { WeightFormat } from './weight_format.ts';

export interface TaggerExportInput {
  model: ModelConfig;
  tags: number;
  params: ReadonlyMap<string, Float32Array>;
  format: WeightFormat;
}

function tagLayerBlock(input: TaggerExportInput, layer: number): ExitBlock {
  return headedLayerBlock(input, layer, `tltc-tag-layer-${layer}`, (x, _mask, ctx) => tagLogits(x, input.model, input.tags, ctx, layer), true);
}

/** The blocks of a tagger with a head after every layer, in running order. */
export function buildTagExitBlocks(input: TaggerExportInput): ExitBlock[] {
  if (!input.model.exit_heads) throw new Error('a tagger needs a head after every layer for token-level exit (fine-tune it with --early-exit)');
  return [embeddingsBlock(input), ...Array.from({ length: input.model.n_layers }, (_, l) => tagLayerBlock(input, l))];
}
