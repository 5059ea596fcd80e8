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
 * The scale the MLM head's norm starts at. The tied decoder adds logits of spread
 * scale * init_std * sqrt(d_model) to the output bias; at scale 1 an untrained L6-H384 evaluates
 * 9.6% above the unigram perplexity of the same positions, and at 1/3 1.3% above (L2-H128 at
 * scale 1: 2.3%). Scaling by base width / d_model, like muP's output multiplier, keeps that
 * spread falling as width grows; the norm stays a learned parameter.
 */
export function headNormScale(model: ModelConfig): number {
  return Math.min(1, WIDTH_RULE.d_model / model.d_model);
}

export interface StartScales {
  /** The MLM head norm's starting scale; default headNormScale. */
  headNorm?: number;
  /** A factor on the word and position embeddings' initial values; default 1. */
  embeddings?: number;
}

/**
 * Sets the output bias to the log frequencies of `train` and scales down the head's norm, so the
 * untrained model predicts (nearly) the unigram distribution instead of spending its first
 * steps learning it.
 */
export function startAtUnigram(params: Parameter[], model: ModelConfig, train: Uint16Array, scales: StartScales = {}): void {
  const find = (name: string) => {
    const p = params.find((q) => q.spec.name === name);
    if (!p) throw new Error(`the MLM has no parameter ${name}`);
    return p.data;
  };
  find('lm_head.bias').set(unigramLogProbs(train, model.vocab_size));
  find('lm_head.layer_norm.weight').fill(scales.headNorm ?? headNormScale(model));
  const embeddings = scales.embeddings ?? 1;
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
