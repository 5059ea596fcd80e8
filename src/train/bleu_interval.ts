/**
 * A percentile bootstrap 95% interval of corpus BLEU (Koehn 2004): the sentences resampled with
 * replacement, their n-gram statistics summed and BLEU computed from the sums, 1,000 times with a
 * fixed seed, so a result file is reproducible.
 */
import { Random } from '../util/random.ts';
import { bleuFromStatistics, bleuStatistics, type BleuOptions, type BleuStatistics } from './bleu.ts';

export function bleuInterval(hypotheses: string[], references: string[], options: BleuOptions = {}, resamples = 1000, seed = 7): [number, number] {
  const n = hypotheses.length;
  if (n === 0) return [0, 0];
  const each = hypotheses.map((h, i) => bleuStatistics([h], [[references[i]]], options));
  const rng = new Random(seed);
  const scores = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const sum: BleuStatistics = { counts: each[0].counts.map(() => 0), totals: each[0].totals.map(() => 0), hyp_len: 0, ref_len: 0 };
    for (let k = 0; k < n; k++) {
      const s = each[rng.int(n)];
      s.counts.forEach((c, o) => (sum.counts[o] += c));
      s.totals.forEach((t, o) => (sum.totals[o] += t));
      sum.hyp_len += s.hyp_len;
      sum.ref_len += s.ref_len;
    }
    scores[r] = bleuFromStatistics(sum, options).score;
  }
  scores.sort();
  return [scores[Math.floor(0.025 * (resamples - 1))], scores[Math.ceil(0.975 * (resamples - 1))]];
}
