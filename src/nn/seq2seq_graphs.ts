/**
 * The encoder-decoder's inference graphs, in the layout transformers.js runs a Marian or BART model
 * without a cache: an encoder (`input_ids`, `attention_mask` -> `last_hidden_state`) and a decoder
 * (`input_ids` of the target so far, `encoder_hidden_states`, `encoder_attention_mask` -> `logits`),
 * every axis dynamic. The weight provider decides what the file holds: graph inputs fed from the
 * trainer's arrays (decoding during training, `tltc translate` from a checkpoint) or initializers
 * in a storage format (src/export).
 */
import { Graph, ops, type Tensor } from '../graph/index.ts';
import { maskedPositions } from './encoder.ts';
import { attentionBias, DYNAMIC } from './layout.ts';
import type { LayerContext } from './layers.ts';
import { decodeTarget, encodeSource, outputLogits } from './seq2seq.ts';
import { inferenceContext } from './seq2seq_cache.ts';
import type { Seq2SeqConfig } from './seq2seq_config.ts';
import { seq2seqParamSpecs } from './seq2seq_params.ts';
import { ParameterInputs, type WeightProvider } from './weights.ts';

/** Parameters as graph inputs, on (batch, sequence, features): linear layers as MatMul by the transposed weight. */
export class SequenceParameterInputs extends ParameterInputs {
  override linear(x: Tensor, name: string): Tensor {
    return ops.add(ops.matmul(x, ops.transpose(this.weight(`${name}.weight`), [1, 0])), this.weight(`${name}.bias`));
  }

  override tiedDecoder(h: Tensor, table: string, bias: string): Tensor {
    return ops.add(ops.matmul(h, ops.transpose(this.weight(table), [1, 0])), this.weight(bias));
  }
}

type WeightsFor = (g: Graph) => WeightProvider;

/** The weights as graph inputs named as the checkpoint names them. */
export const parameterInputs =
  (c: Seq2SeqConfig): WeightsFor =>
  (g) =>
    new SequenceParameterInputs(g, seq2seqParamSpecs(c));

const context = (c: Seq2SeqConfig, weights: WeightProvider, bias: Tensor): LayerContext => ({ ...inferenceContext(c, weights), attentionBias: bias });

export function buildEncoderGraph(c: Seq2SeqConfig, weightsFor: WeightsFor): Graph {
  const g = new Graph('tltc-seq2seq-encoder');
  const weights = weightsFor(g);
  const ids = g.input('input_ids', 'int64', ['batch', 'source']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'source']);
  g.output(encodeSource(ids, maskedPositions(mask), c, context(c, weights, attentionBias(mask))), 'last_hidden_state');
  return g;
}

/**
 * Causal bias (B, 1, T, T) and positions (B, T) of the target so far, computed from the ids
 * themselves, so one graph serves every length: position i counts the tokens up to i.
 */
function targetPositions(ids: Tensor): { positions: Tensor; causal: Tensor } {
  const g = ids.graph;
  const ones = ops.add(ops.mul(ids, ops.scalar(g, 0, 'int64')), ops.scalar(g, 1, 'int64'));
  const count = ops.cumsum(ones, 1); // 1, 2, ..., T in every row
  const later = ops.greater(ops.unsqueeze(count, [1, 2]), ops.unsqueeze(count, [1, 3])); // key j after query i
  const causal = ops.mul(ops.cast(later, 'float32'), ops.scalar(g, -1e4, 'float32'));
  return { positions: ops.add(count, ops.scalar(g, 1, 'int64')), causal };
}

export function buildDecoderGraph(c: Seq2SeqConfig, weightsFor: WeightsFor): Graph {
  const g = new Graph('tltc-seq2seq-decoder');
  const weights = weightsFor(g);
  const ids = g.input('input_ids', 'int64', ['batch', 'target']);
  const memory = g.input('encoder_hidden_states', 'float32', ['batch', 'source', c.d_model]);
  const memoryMask = g.input('encoder_attention_mask', 'int64', ['batch', 'source']);
  const { positions, causal } = targetPositions(ids);
  const ctx = context(c, weights, causal);
  const hidden = decodeTarget(ids, positions, { x: memory, layout: DYNAMIC, bias: attentionBias(memoryMask) }, c, ctx);
  g.output(outputLogits(hidden, c, ctx), 'logits');
  return g;
}
