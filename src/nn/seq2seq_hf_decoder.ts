/**
 * The decoder in the layout transformers.js runs an mBART model with (`decoder_model_merged`):
 * inputs `input_ids` (the newest tokens), `encoder_attention_mask`, `encoder_hidden_states` and
 * `past_key_values.<i>.decoder.key|value`; outputs `logits` and `present.<i>.decoder.key|value`.
 * transformers.js passes no positions and starts from an empty past (its length 0 taken from the
 * symbolic dimension), so positions count from the past's length, read at run time. The
 * cross-attention keys and values are recomputed from the encoder output at every step: the
 * file then needs no branch on the first step, at the cost of two projections per layer and step.
 */
import { Graph, ops, type Tensor } from '../graph/index.ts';
import { attentionBias } from './layout.ts';
import { inferenceContext, crossKeysValues, decoderStepLayer, embedTargetTokens, targetLogits } from './seq2seq_cache.ts';
import type { Seq2SeqConfig } from './seq2seq_config.ts';
import type { WeightProvider } from './weights.ts';

export const hfPastName = (layer: number, kind: 'key' | 'value') => `past_key_values.${layer}.decoder.${kind}`;
export const hfPresentName = (layer: number, kind: 'key' | 'value') => `present.${layer}.decoder.${kind}`;

/** Positions (B, T) of the new tokens after `past` cached ones, and the causal bias (B, 1, T, P + T) over all of them. */
function positionsAfter(ids: Tensor, pastKey: Tensor): { position: Tensor; causal: Tensor } {
  const g = ids.graph;
  const one = ops.scalar(g, 1, 'int64');
  const past = ops.shapeOf(pastKey, 2, 3); // (1): the cache's length
  const count = ops.cumsum(ops.add(ops.mul(ids, ops.scalar(g, 0, 'int64')), one), 1); // 1..T per row
  const position = ops.sub(ops.add(count, past), one); // past .. past + T - 1
  // Key j of the P + T keys sits at position j: count over a row of P + T ones.
  const pastRow = ops.squeeze(ops.slice(pastKey, [0, 0], [1, 1], [1, 3]), [1, 3]); // (B, P)
  const keys = ops.concat([ops.mul(ops.cast(pastRow, 'int64'), ops.scalar(g, 0, 'int64')), ops.mul(ids, ops.scalar(g, 0, 'int64'))], 1);
  const keyPosition = ops.sub(ops.cumsum(ops.add(keys, one), 1), one); // (B, P + T)
  const later = ops.greater(ops.unsqueeze(keyPosition, [1, 2]), ops.unsqueeze(position, [1, 3]));
  return { position, causal: ops.mul(ops.cast(later, 'float32'), ops.scalar(g, -1e4, 'float32')) };
}

export function buildHfDecoderGraph(c: Seq2SeqConfig, weightsFor: (g: Graph) => WeightProvider): Graph {
  const g = new Graph('tltc-seq2seq-decoder-merged');
  const w = weightsFor(g);
  const ctx = inferenceContext(c, w);
  const [heads, hs] = [c.n_heads, c.d_model / c.n_heads];
  const ids = g.input('input_ids', 'int64', ['batch_size', 'decoder_sequence_length']);
  const memoryMask = g.input('encoder_attention_mask', 'int64', ['batch_size', 'encoder_sequence_length']);
  const memory = g.input('encoder_hidden_states', 'float32', ['batch_size', 'encoder_sequence_length', c.d_model]);
  // Head count and width are numbers in the file: transformers.js sizes the empty first past from them.
  const past = Array.from({ length: c.decoder_layers }, (_, i) => [hfPastName(i, 'key'), hfPastName(i, 'value')].map((name) => g.input(name, 'float32', ['batch_size', heads, 'past_decoder_sequence_length', hs])) as [Tensor, Tensor]);
  const { position, causal } = positionsAfter(ids, past[0][0]);
  const memoryBias = attentionBias(memoryMask);
  let x = embedTargetTokens(ids, position, c, ctx);
  for (let i = 0; i < c.decoder_layers; i++) {
    const layer = decoderStepLayer(x, ctx, c, i, { past: past[i], cross: crossKeysValues(memory, w, c, i), memoryBias, selfBias: causal });
    x = layer.y;
    g.output(layer.present[0], hfPresentName(i, 'key'));
    g.output(layer.present[1], hfPresentName(i, 'value'));
  }
  g.output(targetLogits(x, c, ctx), 'logits');
  return g;
}
