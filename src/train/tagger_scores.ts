/**
 * Scoring a tagger per token: each exit's tags on a split from the training graph's evaluator
 * (no dropout), and the two baselines of part-of-speech tagging, the most frequent tag and each
 * word's most frequent training tag.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { serializeGraph } from '../graph/index.ts';
import type { ModelConfig } from '../nn/config.ts';
import type { Parameter } from '../nn/params.ts';
import { buildTagger } from '../nn/tagger.ts';
import { createSession } from '../runtime/session.ts';
import { accuracyInterval } from './bootstrap.ts';
import { runRowBatches } from './feeds.ts';
import { tokenBatchOf, type EncodedTokenSplit } from './token_data.ts';

/** Accuracy over tagged tokens, with its percentile bootstrap 95% interval over tokens. */
export interface TokenScores {
  accuracy: number;
  tokens: number;
  accuracy_95: [number, number];
}

/** Scores of predicted tags against gold tags (-100: not scored). */
export function scoreTags(pred: Int32Array, gold: Int32Array): TokenScores {
  const correct: number[] = [];
  gold.forEach((g, i) => g !== -100 && correct.push(pred[i] === g ? 1 : 0));
  const hits = correct.reduce((a, b) => a + b, 0);
  return { accuracy: hits / Math.max(1, correct.length), tokens: correct.length, accuracy_95: accuracyInterval(Uint8Array.from(correct)) };
}

/** Each row's argmax over `k` columns. */
export function argmaxTokens(logits: Float32Array, k: number): Int32Array {
  const out = new Int32Array(logits.length / k);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[i * k + j] > logits[i * k + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** The evaluation graph with one output per exit, `exit_logits/<i>` (B * T, tags). */
export async function taggerEvaluator(model: ModelConfig, tags: number, batch: number, threads: number): Promise<InferenceSession> {
  const built = buildTagger(model, tags, { batch, seq: model.max_len }, { dropout: 0, withLabels: false });
  built.exitLogits.forEach((t, i) => built.graph.output(t, `exit_logits/${i}`));
  return createSession(serializeGraph(built.graph), { threads });
}

/** Each exit's predicted tag of every token of the split (count * seq), shallowest exit first. */
export async function splitTags(session: InferenceSession, params: readonly Parameter[], split: EncodedTokenSplit, exits: number, tags: number, batch: number, seq: number): Promise<Int32Array[]> {
  const out = Array.from({ length: exits }, () => new Int32Array(split.count * seq));
  const inputsOf = (rows: number[]) => {
    const { input_ids, attention_mask } = tokenBatchOf(split, rows, batch, seq);
    return { input_ids, attention_mask };
  };
  await runRowBatches(session, params, split.count, batch, inputsOf, (r, start, n) => {
    out.forEach((o, i) => o.set(argmaxTokens((r[`exit_logits/${i}`].data as Float32Array).subarray(0, n * seq * tags), tags), start * seq));
  });
  return out;
}

/** The most frequent training tag, and each training word's most frequent tag (words unseen in training get the former). */
export function tagBaselines(train: readonly { words: string[]; tags: number[] }[], split: readonly { words: string[]; tags: number[] }[], tags: number): { majority_tag: TokenScores; most_frequent_tag: TokenScores } {
  const overall = new Int32Array(tags);
  const byWord = new Map<string, Int32Array>();
  for (const s of train) {
    s.words.forEach((w, i) => {
      overall[s.tags[i]]++;
      const counts = byWord.get(w) ?? byWord.set(w, new Int32Array(tags)).get(w)!;
      counts[s.tags[i]]++;
    });
  }
  const argmax = (c: Int32Array) => c.indexOf(Math.max(...c));
  const majority = argmax(overall);
  const gold = Int32Array.from(split.flatMap((s) => s.tags));
  const perWord = Int32Array.from(split.flatMap((s) => s.words.map((w) => (byWord.has(w) ? argmax(byWord.get(w)!) : majority))));
  return { majority_tag: scoreTags(new Int32Array(gold.length).fill(majority), gold), most_frequent_tag: scoreTags(perWord, gold) };
}
