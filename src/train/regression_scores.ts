/**
 * Scores of a regression head: mean squared error, Pearson's r and Spearman's rho (Pearson on
 * ranks, ties sharing their mean rank), and a percentile bootstrap 95% interval of r.
 */
import { Random } from '../util/random.ts';

export interface RegressionScores {
  mse: number;
  pearson: number;
  spearman: number;
  /** Percentile bootstrap 95% interval of Pearson's r (1,000 resamples of the examples). */
  pearson_95: [number, number];
  examples: number;
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>, rows?: ArrayLike<number>): number {
  const n = rows ? rows.length : x.length;
  const at = (i: number) => (rows ? rows[i] : i);
  let [mx, my] = [0, 0];
  for (let i = 0; i < n; i++) [mx, my] = [mx + x[at(i)] / n, my + y[at(i)] / n];
  let [sxy, sxx, syy] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const [dx, dy] = [x[at(i)] - mx, y[at(i)] - my];
    [sxy, sxx, syy] = [sxy + dx * dy, sxx + dx * dx, syy + dy * dy];
  }
  // A constant prediction carries no ordering: r is 0, not NaN.
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/** 1-based ranks, ties given the mean of the ranks they span. */
export function ranks(x: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Float64Array(x.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1]] === x[order[i]]) j++;
    for (let k = i; k <= j; k++) r[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

export function scoreRegression(predicted: Float32Array, target: ArrayLike<number>, resamples = 1000, seed = 7): RegressionScores {
  const n = predicted.length;
  let mse = 0;
  for (let i = 0; i < n; i++) mse += (predicted[i] - target[i]) ** 2 / n;
  const rng = new Random(seed);
  const rs = Float64Array.from({ length: resamples }, () => pearson(predicted, target, Int32Array.from({ length: n }, () => rng.int(n)))).sort();
  const interval: [number, number] = n > 1 ? [rs[Math.floor(0.025 * (resamples - 1))], rs[Math.ceil(0.975 * (resamples - 1))]] : [0, 0];
  return { mse, pearson: pearson(predicted, target), spearman: pearson(ranks(predicted), ranks(target)), pearson_95: interval, examples: n };
}
