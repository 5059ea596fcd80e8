/**
 * Bootstrap intervals of corpus BLEU (Koehn 2004): the sentences resampled with replacement,
 * their n-gram statistics summed and BLEU computed from the sums, 1,000 times with a fixed seed,
 * so a result file is reproducible. `bleuInterval` is one system's percentile interval;
 * `pairedBleuDifference` resamples the same sentences for two systems at once, so the interval of
 * their difference leaves out how hard the sampled sentences happen to be.
 */
import { Random } from '../util/random.ts';
import { bleuFromStatistics, bleuStatistics, type BleuOptions, type BleuStatistics } from './bleu.ts';

const RESAMPLES = 1000;

/** Per-sentence statistics of `hypotheses` against one reference each. */
function sentenceStatistics(hypotheses: readonly string[], references: readonly string[], options: BleuOptions): BleuStatistics[] {
  return hypotheses.map((h, i) => bleuStatistics([h], [[references[i]]], options));
}

/** BLEU of the sentences `picks` (indices, repeats allowed) of `each`. */
function resampledBleu(each: readonly BleuStatistics[], picks: Int32Array, options: BleuOptions): number {
  const sum: BleuStatistics = { counts: each[0].counts.map(() => 0), totals: each[0].totals.map(() => 0), hyp_len: 0, ref_len: 0 };
  for (const k of picks) {
    const s = each[k];
    s.counts.forEach((c, o) => (sum.counts[o] += c));
    s.totals.forEach((t, o) => (sum.totals[o] += t));
    sum.hyp_len += s.hyp_len;
    sum.ref_len += s.ref_len;
  }
  return bleuFromStatistics(sum, options).score;
}

/** `resamples` draws of n sentence indices with replacement, from a fixed seed. */
function* resamplings(n: number, resamples: number, seed: number): Generator<Int32Array> {
  const rng = new Random(seed);
  const picks = new Int32Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let k = 0; k < n; k++) picks[k] = rng.int(n);
    yield picks;
  }
}

/** The 2.5th and 97.5th percentiles of `scores`. */
function percentile95(scores: Float64Array): [number, number] {
  scores.sort();
  const last = scores.length - 1;
  return [scores[Math.floor(0.025 * last)], scores[Math.ceil(0.975 * last)]];
}

export function bleuInterval(hypotheses: string[], references: string[], options: BleuOptions = {}, resamples = RESAMPLES, seed = 7): [number, number] {
  if (hypotheses.length === 0) return [0, 0];
  const each = sentenceStatistics(hypotheses, references, options);
  const scores = new Float64Array(resamples);
  let r = 0;
  for (const picks of resamplings(hypotheses.length, resamples, seed)) scores[r++] = resampledBleu(each, picks, options);
  return percentile95(scores);
}

export interface BleuDifference {
  /** BLEU of system a minus BLEU of system b on all the sentences. */
  difference: number;
  /** Percentile bootstrap 95% interval of that difference. */
  interval95: [number, number];
}

/** BLEU(a) - BLEU(b) on the same sentences, with a paired bootstrap 95% interval. */
export function pairedBleuDifference(a: readonly string[], b: readonly string[], references: readonly string[], options: BleuOptions = {}, resamples = RESAMPLES, seed = 7): BleuDifference {
  if (a.length !== b.length || a.length !== references.length) throw new Error(`paired BLEU needs one hypothesis of each system per reference: got ${a.length}, ${b.length} and ${references.length}`);
  if (a.length === 0) return { difference: 0, interval95: [0, 0] };
  const [ea, eb] = [sentenceStatistics(a, references, options), sentenceStatistics(b, references, options)];
  const all = Int32Array.from({ length: a.length }, (_, i) => i);
  const scores = new Float64Array(resamples);
  let r = 0;
  for (const picks of resamplings(a.length, resamples, seed)) scores[r++] = resampledBleu(ea, picks, options) - resampledBleu(eb, picks, options);
  return { difference: resampledBleu(ea, all, options) - resampledBleu(eb, all, options), interval95: percentile95(scores) };
}
