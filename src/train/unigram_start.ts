/**
 * Starting the masked LM at the unigram distribution, and the unigram perplexity it is measured
 * against.
 */
import type { MlmBatch } from '../data/mlm_batches.ts';
import { unigramLogProbs } from '../data/prepare.ts';
import type { ModelConfig } from '../nn/config.ts';
import { POSITION_EMBEDDINGS, WORD_EMBEDDINGS, type Parameter } from '../nn/params.ts';
import { WIDTH_RULE } from './config.ts';

/**
 * The factor on the initial word and position embeddings. The tied decoder adds logits of spread
 * factor * init_std * sqrt(d_model) to the output bias: at factor 1 an untrained L6-H384
 * evaluates 9.6% above the unigram perplexity of the same positions. sqrt(128 / d_model) holds
 * the spread at its width-128 value (untrained L6-H384: +3.5%), and the embedding LayerNorm
 * removes the factor on the input side. Shrinking the head norm instead (min(1, 128 / d_model))
 * also starts near the unigram but slows learning: 5.7% higher perplexity for L4-H256 after
 * 210 steps (docs/RESULTS.md, "How to start at the unigram distribution").
 */
export function embeddingScale(model: ModelConfig): number {
  return Math.min(1, Math.sqrt(WIDTH_RULE.d_model / model.d_model));
}

export interface StartScales {
  /** The MLM head norm's starting scale; default 1. */
  headNorm?: number;
  /** A factor on the word and position embeddings' initial values; default embeddingScale. */
  embeddings?: number;
}

/** The scales a run starts with: the configured ones, else the defaults. */
export function resolveStartScales(model: ModelConfig, configured: StartScales): Required<StartScales> {
  return { headNorm: configured.headNorm ?? 1, embeddings: configured.embeddings ?? embeddingScale(model) };
}

/**
 * Sets the output bias to the log frequencies of `train` and scales down the decoder's random
 * logits, so the untrained model predicts (nearly) the unigram distribution instead of spending
 * its first steps learning it.
 */
export function startAtUnigram(params: Parameter[], model: ModelConfig, train: Uint16Array, scales: StartScales = {}): void {
  const find = (name: string) => {
    const p = params.find((q) => q.spec.name === name);
    if (!p) throw new Error(`the MLM has no parameter ${name}`);
    return p.data;
  };
  find('lm_head.bias').set(unigramLogProbs(train, model.vocab_size));
  const { headNorm, embeddings } = resolveStartScales(model, scales);
  find('lm_head.layer_norm.weight').fill(headNorm);
  if (embeddings !== 1) for (const name of [WORD_EMBEDDINGS, POSITION_EMBEDDINGS]) find(name).forEach((x, i, a) => (a[i] = x * embeddings));
}

/**
 * Perplexity of the training unigram distribution on exactly the positions the validation loss
 * is taken over (masked tokens of the fixed validation batches): the bar a run must clear. The
 * whole split's unigram perplexity is another number (every token, a different sample).
 */
export function maskedUnigramPerplexity(train: Uint16Array, vocab: number, batches: readonly MlmBatch[]): number {
  const logp = unigramLogProbs(train, vocab);
  let nll = 0;
  let count = 0;
  for (const b of batches) {
    for (const label of b.labels) {
      nll -= logp[Number(label)];
      count++;
    }
  }
  return Math.exp(nll / count);
}
