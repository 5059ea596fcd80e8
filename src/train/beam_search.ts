/**
 * Beam search over a step model (one next-token distribution per row, rows = sentences x beam),
 * as fairseq runs it: each step every live beam of a sentence proposes its best 2 x beam
 * continuations; a proposal ending in the end token becomes a finished hypothesis scored by its
 * log-probability over length^lengthPenalty, the rest refill the beam; a sentence is done with
 * `beam` finished hypotheses (or at maxTokens). Beam 1 is greedy decoding.
 */
import { EOS } from '../tokenizer/tokenizer.ts';

export interface StepModel {
  /** Logits (rows, vocab) of the next token after feeding `tokens` (one per row) at `position` (0 = the start token). */
  next(tokens: readonly number[], position: number): Promise<Float32Array>;
  /** Row r of the cache becomes a copy of row origins[r]. */
  reorder(origins: readonly number[]): void;
}

export interface BeamOptions {
  beam: number;
  maxTokens: number;
  start: number;
  vocab: number;
  /** Exponent of the length that divides a finished hypothesis's log-probability (1: per-token mean). */
  lengthPenalty?: number;
}

interface Hypothesis {
  tokens: number[];
  score: number;
}

/** log-softmax of row r of `logits`, the best `k` (token, log-probability) pairs. */
function topK(logits: Float32Array, r: number, vocab: number, k: number): [number, number][] {
  const row = logits.subarray(r * vocab, (r + 1) * vocab);
  let max = -Infinity;
  for (const x of row) max = Math.max(max, x);
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  const logZ = max + Math.log(sum);
  const best: [number, number][] = [];
  for (let t = 0; t < vocab; t++) {
    if (best.length < k || row[t] > best[best.length - 1][1]) {
      best.push([t, row[t]]);
      best.sort((a, b) => b[1] - a[1]);
      if (best.length > k) best.pop();
    }
  }
  return best.map(([t, x]) => [t, x - logZ]);
}

/** The generated ids of each of `sentences` sentences, without the start and end tokens. */
export async function beamSearch(model: StepModel, sentences: number, o: BeamOptions): Promise<number[][]> {
  const { beam, vocab } = o;
  const norm = (score: number, length: number) => score / Math.max(1, length) ** (o.lengthPenalty ?? 1);
  // Every beam of a sentence starts identical: only the first may propose, or the beam fills with copies.
  let live: Hypothesis[] = Array.from({ length: sentences * beam }, (_, r) => ({ tokens: [], score: r % beam === 0 ? 0 : -Infinity }));
  const finished: Hypothesis[][] = Array.from({ length: sentences }, () => []);
  const done = new Array<boolean>(sentences).fill(false);
  let feed = live.map(() => o.start);
  for (let position = 0; position < o.maxTokens && done.includes(false); position++) {
    const logits = await model.next(feed, position);
    const origins: number[] = [];
    const next: Hypothesis[] = [];
    for (let s = 0; s < sentences; s++) {
      const proposals = Array.from({ length: beam }, (_, b) => s * beam + b).flatMap((r) => topK(logits, r, vocab, 2 * beam).map(([t, lp]) => ({ r, t, score: live[r].score + lp })));
      proposals.sort((a, b) => b.score - a.score);
      const kept: typeof proposals = [];
      for (const p of proposals) {
        if (kept.length === beam) break;
        if (done[s] || p.score === -Infinity) continue;
        if (p.t === EOS || position === o.maxTokens - 1) finished[s].push({ tokens: [...live[p.r].tokens, ...(p.t === EOS ? [] : [p.t])], score: norm(p.score, position + 1) });
        else kept.push(p);
      }
      if (finished[s].length >= beam) done[s] = true;
      // A done sentence's rows keep running on copies of its first row, their results unused.
      for (let b = 0; b < beam; b++) {
        const p = kept[b] ?? kept[0] ?? { r: s * beam, t: EOS, score: -Infinity };
        origins.push(p.r);
        next.push({ tokens: [...live[p.r].tokens, p.t], score: kept[b] ? p.score : -Infinity });
      }
    }
    model.reorder(origins);
    live = next;
    feed = next.map((h) => h.tokens.at(-1) ?? EOS);
  }
  return finished.map((hyps, s) => {
    const pool = hyps.length > 0 ? hyps : live.slice(s * beam, (s + 1) * beam).map((h) => ({ tokens: h.tokens, score: norm(h.score, h.tokens.length) }));
    return pool.reduce((a, b) => (b.score > a.score ? b : a)).tokens;
  });
}
