/**
 * Parameter layout of the encoder-decoder, named as Hugging Face names mBART's (pre-LN layers,
 * a LayerNorm on the embeddings, a final LayerNorm on each stack, learned positions offset by 2,
 * one embedding table shared by both stacks and the output projection), so an export can write
 * the architecture transformers.js already knows.
 */
import { POSITION_OFFSET } from './config.ts';
import type { LayerSpec } from './layers.ts';
import type { ParamSpec } from './params.ts';
import type { Seq2SeqConfig } from './seq2seq_config.ts';

export const SHARED_EMBEDDINGS = 'model.shared.weight';
export const FINAL_LOGITS_BIAS = 'final_logits_bias';

export type Stack = 'encoder' | 'decoder';

export const positionTable = (stack: Stack) => `model.${stack}.embed_positions.weight`;
export const embeddingNorm = (stack: Stack) => `model.${stack}.layernorm_embedding`;
export const stackNorm = (stack: Stack) => `model.${stack}.layer_norm`;

/** Self-attention (or, with `cross`, the decoder's attention over the encoder) and FFN of layer i of a stack. */
export function seq2seqLayer(c: Seq2SeqConfig, stack: Stack, i: number, cross = false): LayerSpec {
  const p = `model.${stack}.layers.${i}`;
  const a = cross ? `${p}.encoder_attn` : `${p}.self_attn`;
  const d = c.d_model;
  return {
    scope: cross ? `${p}.cross` : p,
    norm: 'pre',
    activation: 'gelu',
    heads: c.n_heads,
    headDim: d / c.n_heads,
    dIn: d,
    dOut: d,
    ffn: c.d_ff,
    names: {
      query: `${a}.q_proj`,
      key: `${a}.k_proj`,
      value: `${a}.v_proj`,
      attentionOut: `${a}.out_proj`,
      attentionNorm: `${a}_layer_norm`,
      ffnIn: `${p}.fc1`,
      ffnOut: `${p}.fc2`,
      ffnNorm: `${p}.final_layer_norm`,
    },
  };
}

const linear = (name: string, out: number, inp: number): ParamSpec[] => [
  { name: `${name}.weight`, shape: [out, inp], init: 'normal', decay: true },
  { name: `${name}.bias`, shape: [out], init: 'zeros', decay: false },
];

const norm = (name: string, d: number, scale: ParamSpec['init'] = 'ones'): ParamSpec[] => [
  { name: `${name}.weight`, shape: [d], init: scale, decay: false },
  { name: `${name}.bias`, shape: [d], init: 'zeros', decay: false },
];

function attentionSpecs(s: LayerSpec, d: number): ParamSpec[] {
  const n = s.names;
  return [...linear(n.query, d, d), ...linear(n.key, d, d), ...linear(n.value, d, d), ...linear(n.attentionOut, d, d), ...norm(n.attentionNorm, d)];
}

function ffnSpecs(s: LayerSpec): ParamSpec[] {
  return [...linear(s.names.ffnIn, s.ffn, s.dIn), ...linear(s.names.ffnOut, s.dOut, s.ffn), ...norm(s.names.ffnNorm, s.dOut)];
}

function stackSpecs(c: Seq2SeqConfig, stack: Stack): ParamSpec[] {
  const d = c.d_model;
  // The embedding norm's scale starts at the summed embeddings' spread, as the encoder's does
  // (params.ts): a unit scale would drown the layers' small initial outputs in the residual stream.
  const specs: ParamSpec[] = [{ name: positionTable(stack), shape: [c.max_len + POSITION_OFFSET, d], init: 'normal', decay: true }, ...norm(embeddingNorm(stack), d, { constant: c.init_std * Math.SQRT2 })];
  const layers = stack === 'encoder' ? c.encoder_layers : c.decoder_layers;
  for (let i = 0; i < layers; i++) {
    const self = seq2seqLayer(c, stack, i);
    specs.push(...attentionSpecs(self, d));
    if (stack === 'decoder') specs.push(...attentionSpecs(seq2seqLayer(c, stack, i, true), d));
    specs.push(...ffnSpecs(self));
  }
  specs.push(...norm(stackNorm(stack), d));
  return specs;
}

/** Every parameter of the encoder-decoder, in a fixed order. */
export function seq2seqParamSpecs(c: Seq2SeqConfig): ParamSpec[] {
  return [
    { name: SHARED_EMBEDDINGS, shape: [c.vocab_size, c.d_model], init: 'normal', decay: true },
    ...stackSpecs(c, 'encoder'),
    ...stackSpecs(c, 'decoder'),
    { name: FINAL_LOGITS_BIAS, shape: [c.vocab_size], init: 'zeros', decay: false },
  ];
}

/** Parameters outside the vocabulary- and position-sized tables: the N of scaling laws. */
export function seq2seqNonEmbeddingParams(c: Seq2SeqConfig): number {
  const tables = new Set([SHARED_EMBEDDINGS, FINAL_LOGITS_BIAS, positionTable('encoder'), positionTable('decoder')]);
  return seq2seqParamSpecs(c)
    .filter((s) => !tables.has(s.name))
    .reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}
