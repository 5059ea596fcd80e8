/** Parameter layout of the MLM encoder, named as Hugging Face names the RoBERTa equivalents. */
import { numel } from '../graph/shape.ts';
import { Random } from '../util/random.ts';
import { expertRouting, headDim, layerFfn, layerHeads, POSITION_OFFSET, type ModelConfig } from './config.ts';
import type { LayerSpec } from './layers.ts';
import { switchParamShapes } from './switch_ffn.ts';

/** `constant` fills with `value`: the embedding norm's scale (see mlmParamSpecs). */
export type Init = 'normal' | 'zeros' | 'ones' | { constant: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
  /** Weight decay applies to matrices (weights, embeddings), not to biases and norms. */
  decay: boolean;
}

export interface Parameter {
  readonly spec: ParamSpec;
  data: Float32Array;
}

export const linearSpecs = (name: string, out: number, inp: number): ParamSpec[] => [
  { name: `${name}.weight`, shape: [out, inp], init: 'normal', decay: true },
  { name: `${name}.bias`, shape: [out], init: 'zeros', decay: false },
];

export const normSpecs = (name: string, d: number): ParamSpec[] => [
  { name: `${name}.weight`, shape: [d], init: 'ones', decay: false },
  { name: `${name}.bias`, shape: [d], init: 'zeros', decay: false },
];

export const layerPrefix = (i: number) => `roberta.encoder.layer.${i}`;

export const EMBEDDING_NORM = 'roberta.embeddings.LayerNorm';

/** The pre-LN encoder's last norm, on the output of the final layer. */
export const FINAL_NORM = 'roberta.encoder.LayerNorm';

/**
 * Layer i's two norms: pre-LN normalizes the inputs of attention and of the FFN, post-LN their
 * residual sums; the post-LN names are Hugging Face RoBERTa's own.
 */
export function layerNormNames(c: Pick<ModelConfig, 'norm'>, i: number): { attention: string; ffn: string } {
  const p = layerPrefix(i);
  return c.norm === 'pre' ? { attention: `${p}.attention.LayerNorm`, ffn: `${p}.LayerNorm` } : { attention: `${p}.attention.output.LayerNorm`, ffn: `${p}.output.LayerNorm` };
}

export const WORD_EMBEDDINGS = 'roberta.embeddings.word_embeddings.weight';
/** Prompt tuning's learned vectors (prompt_length, d_model), which a classifier reads before its tokens. */
export const PROMPT_EMBEDDINGS = 'prompt.embeddings';
export const POSITION_EMBEDDINGS = 'roberta.embeddings.position_embeddings.weight';

/** Layer i of a RoBERTa-family encoder: Hugging Face's parameter names, its (possibly pruned) sizes. */
export function robertaLayer(c: ModelConfig, i: number): LayerSpec {
  const p = layerPrefix(i);
  const norms = layerNormNames(c, i);
  const d = c.d_model;
  const routing = expertRouting(c);
  return {
    scope: p,
    norm: c.norm,
    activation: 'gelu',
    heads: layerHeads(c, i),
    headDim: headDim(c),
    dIn: d,
    dOut: d,
    ffn: layerFfn(c, i),
    names: {
      query: `${p}.attention.self.query`,
      key: `${p}.attention.self.key`,
      value: `${p}.attention.self.value`,
      attentionOut: `${p}.attention.output.dense`,
      attentionNorm: norms.attention,
      ffnIn: `${p}.intermediate.dense`,
      ffnOut: `${p}.output.dense`,
      ffnNorm: norms.ffn,
    },
    ...(routing ? { experts: { name: `${p}.experts`, experts: routing.experts, capacityFactor: routing.capacityFactor, d, ffn: layerFfn(c, i), activation: 'gelu' as const } } : {}),
  };
}

/** The FFN's parameters of one layer: two linear layers, or a Switch layer's router and experts. */
function ffnParamSpecs(s: LayerSpec): ParamSpec[] {
  if (!s.experts) return [...linearSpecs(s.names.ffnIn, s.ffn, s.dOut), ...linearSpecs(s.names.ffnOut, s.dOut, s.ffn)];
  return switchParamShapes(s.experts).map((p) => ({ name: p.name, shape: p.shape, init: p.matrix ? 'normal' : 'zeros', decay: p.matrix }));
}

/** Every parameter of the encoder and MLM head, in a fixed order. */
export function mlmParamSpecs(c: ModelConfig): ParamSpec[] {
  const d = c.d_model;
  const specs: ParamSpec[] = [
    { name: WORD_EMBEDDINGS, shape: [c.vocab_size, d], init: 'normal', decay: true },
    { name: POSITION_EMBEDDINGS, shape: [c.max_len + POSITION_OFFSET, d], init: 'normal', decay: true },
  ];
  if (c.embedding_norm) {
    // The norm's scale starts at the spread of the summed embeddings, init_std * sqrt(2), so the
    // model starts as it would without the norm: a unit-scale embedding would drown the layers'
    // small initial outputs in the residual stream and slow early training (measured in
    // docs/HUGGINGFACE.md). It stays a learned LayerNorm, as in Hugging Face's RoBERTa.
    specs.push(
      { name: `${EMBEDDING_NORM}.weight`, shape: [d], init: { constant: c.init_std * Math.SQRT2 }, decay: false },
      { name: `${EMBEDDING_NORM}.bias`, shape: [d], init: 'zeros', decay: false },
    );
  }
  for (let i = 0; i < c.n_layers; i++) {
    const layer = robertaLayer(c, i);
    const { names: n, heads, headDim: hs } = layer;
    specs.push(
      ...linearSpecs(n.query, heads * hs, d),
      ...linearSpecs(n.key, heads * hs, d),
      ...linearSpecs(n.value, heads * hs, d),
      ...linearSpecs(n.attentionOut, d, heads * hs),
      ...normSpecs(n.attentionNorm, d),
      ...ffnParamSpecs(layer),
      ...normSpecs(n.ffnNorm, d),
    );
  }
  if (c.norm === 'pre') specs.push(...normSpecs(FINAL_NORM, d));
  specs.push(
    ...linearSpecs('lm_head.dense', d, d),
    ...normSpecs('lm_head.layer_norm', d),
    { name: 'lm_head.bias', shape: [c.vocab_size], init: 'zeros', decay: false },
  );
  return specs;
}

export { numel };

export function countParams(specs: readonly ParamSpec[]): number {
  return specs.reduce((n, s) => n + numel(s.shape), 0);
}

/**
 * Parameters outside the vocabulary- and position-sized tables (word and position embeddings,
 * output bias): the N of scaling laws (Kaplan et al. 2020), which counts the compute-bearing weights.
 */
export function countNonEmbeddingParams(c: ModelConfig): number {
  const tables = new Set([WORD_EMBEDDINGS, POSITION_EMBEDDINGS, 'lm_head.bias']);
  return countParams(mlmParamSpecs(c).filter((s) => !tables.has(s.name)));
}

/** Fresh parameters: N(0, init_std) matrices, zero biases, unit norm scales. */
export function initParams(specs: readonly ParamSpec[], c: Pick<ModelConfig, 'init_std'>, seed: number): Parameter[] {
  const rng = new Random(seed, 0x1417);
  return specs.map((spec) => {
    const data = new Float32Array(numel(spec.shape));
    if (spec.init === 'ones') data.fill(1);
    else if (typeof spec.init === 'object') data.fill(spec.init.constant);
    else if (spec.init === 'normal') for (let i = 0; i < data.length; i++) data[i] = rng.normal() * c.init_std;
    return { spec, data };
  });
}
