/**
 * The Universal Sentence Encoder Lite as an ONNX graph: inputs `input_ids` and `attention_mask`
 * (int64, dynamic batch and sequence), outputs `sentence_embedding` (batch, output_dim), unit
 * length, and `last_hidden_state`. Linear layers and the embedding table take any weight format
 * of the classifier export.
 */
import { Graph, ops, type Tensor } from '../graph/index.ts';
import type { UseLiteConfig } from '../nn/use_lite_config.ts';
import { WeightBuilder, type WeightFormat } from './encoder_graph.ts';

export interface UseLiteExportInput {
  config: UseLiteConfig;
  params: ReadonlyMap<string, Float32Array>;
  format: WeightFormat;
  quantizeEmbeddings?: boolean;
}

const unary = (op: string, x: Tensor) => x.graph.addNode(op, [x], {}, [{ dtype: x.dtype, shape: x.shape }])[0];

export function buildUseLiteGraph(input: UseLiteExportInput): Graph {
  const c = input.config;
  const g = new Graph('tltc-use-lite');
  const b = new WeightBuilder(g, { params: input.params, format: input.format, quantizeEmbeddings: input.quantizeEmbeddings, layerNormEps: c.layer_norm_eps });
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const maskF = ops.cast(mask, 'float32');

  // Sin/cos of position x inverse timescale (tensor2tensor's timing signal). The original graph
  // adds (embeddings + timing) to the embeddings again, so the embeddings count twice.
  const positions = ops.unsqueeze(ops.sub(ops.cumsum(maskF, 1), 1), [2]); // (B, T, 1): 0, 1, ... over the tokens
  const angles = ops.mul(positions, b.const('timing.inverse_timescales', [c.timing_channels]));
  const tokens = b.embedding('embeddings.weight', c.vocab_size, c.embedding_dim, ids);
  let x = ops.add(ops.mul(tokens, 2), ops.concat([unary('Sin', angles), unary('Cos', angles)], 2));

  const attnBias = ops.mul(ops.sub(ops.scalar(g, 1, 'float32'), ops.unsqueeze(maskF, [1, 2])), -1e9); // (B, 1, 1, T)
  c.layers.forEach((l, i) => {
    const p = `layers.${i}`;
    const q = l.heads * l.head_dim;
    x = g.scope(p, () => {
      const h = b.layerNorm(x, `${p}.attention_norm`, l.d_in);
      const heads = (t: Tensor) => ops.transpose(ops.reshape(t, [0, 0, l.heads, l.head_dim]), [0, 2, 1, 3]); // (B, H, T, hd)
      const query = heads(ops.mul(b.linear(h, `${p}.query`, q, l.d_in), 1 / Math.sqrt(l.head_dim)));
      const keyT = ops.transpose(ops.reshape(b.linear(h, `${p}.key`, q, l.d_in), [0, 0, l.heads, l.head_dim]), [0, 2, 3, 1]); // (B, H, hd, T)
      const value = heads(b.linear(h, `${p}.value`, q, l.d_in));
      const probs = ops.softmax(ops.add(ops.matmul(query, keyT), attnBias), -1);
      const ctx = ops.reshape(ops.transpose(ops.matmul(probs, value), [0, 2, 1, 3]), [0, 0, q]);
      const residual = l.residual_projection ? b.linear(x, `${p}.residual`, l.d_out, l.d_in) : x;
      const x1 = ops.add(residual, b.linear(ctx, `${p}.attention_out`, l.d_out, q));
      const f = unary('Relu', b.linear(b.layerNorm(x1, `${p}.ffn_norm`, l.d_out), `${p}.ffn_in`, l.ffn, l.d_out));
      return ops.add(x1, b.linear(f, `${p}.ffn_out`, l.d_out, l.ffn));
    });
  });
  g.output(x, 'last_hidden_state');

  // Mean over the tokens, tanh layer, unit length.
  const width = c.layers.at(-1)!.d_out;
  const summed = ops.reduceSum(ops.mul(x, ops.unsqueeze(maskF, [2])), [1]); // (B, D)
  const count = ops.max(ops.reduceSum(maskF, [1], { keepdims: true }), 1);
  const pooled = ops.tanh(b.linear(ops.div(summed, count), 'pooler', c.output_dim, width));
  const norm = ops.sqrt(ops.max(ops.reduceSum(ops.mul(pooled, pooled), [1], { keepdims: true }), 1e-12));
  g.output(ops.div(pooled, norm), 'sentence_embedding');
  return g;
}
