/** Percentile bootstrap intervals: a classifier's accuracy on a test split, or any per-example mean. */
import { Random } from '../util/random.ts';

/**
 * The 95% interval of the accuracy of `correct` (1 where a prediction is right), from `resamples`
 * resamples of the examples with replacement; a fixed seed, so a result file is reproducible.
 */
export function accuracyInterval(correct: Uint8Array, resamples = 1000, seed = 7): [number, number] {
  return meanInterval(correct, resamples, seed);
}

/** The 95% interval of the mean of `values` (one per example), from `resamples` resamples of the examples. */
export function meanInterval(values: ArrayLike<number>, resamples = 1000, seed = 7): [number, number] {
  const n = values.length;
  if (n === 0) return [0, 0];
  const rng = new Random(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[rng.int(n)];
    means[r] = sum / n;
  }
  means.sort();
  return [means[Math.floor(0.025 * (resamples - 1))], means[Math.ceil(0.975 * (resamples - 1))]];
}
