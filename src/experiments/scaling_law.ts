/**
 * The joint scaling law L(N, D) = E + A / N^alpha + B / D'^beta over every curve of a sweep
 * (N non-embedding parameters, D training tokens, L validation loss in nats), fitted as
 * Hoffmann et al. (2022) do in their approach 3: the Huber loss (delta 1e-3) of log L, written
 * as a log-sum-exp of the three terms, minimised by BFGS from a grid of starting points.
 *
 * Repeated data: the small models pass over the corpus many times, and a repeated token is
 * worth less than a fresh one. D' is Muennighoff et al. (2023)'s effective data,
 * D' = U + U R* (1 - exp(-R / R*)), U the unique tokens, R = D / U - 1 the repetitions, with
 * their fitted R* = 15.4; for D <= U, D' = D.
 */
import { minimizeBfgs, type Objective } from './minimize.ts';

/** One measured point: a run's validation loss after `tokens` training tokens. */
export interface ScalingObservation {
  run: string;
  params: number;
  tokens: number;
  loss: number;
}

export interface ScalingLaw {
  E: number;
  A: number;
  alpha: number;
  B: number;
  beta: number;
  /** Unique training tokens U of the effective-data rule; absent means every token is fresh. */
  unique_tokens?: number;
}

export interface FittedLaw extends ScalingLaw {
  /** Mean Huber loss of log L at the optimum. */
  objective: number;
  observations: number;
}

/** The points cannot support a fit (fewer than two sizes, or fewer than two points per parameter): the planner reports it instead of failing. */
export class TooLittleDataError extends Error {}
const MIN_POINTS = 10;

/** Muennighoff et al.'s R*_D: after R* repetitions a token is worth 1/e of a fresh one. */
export const REPEAT_DECAY = 15.4;
const HUBER_DELTA = 1e-3;

export function effectiveTokens(tokens: number, unique?: number): number {
  if (!unique || tokens <= unique) return tokens;
  const repeats = tokens / unique - 1;
  return unique + unique * REPEAT_DECAY * (1 - Math.exp(-repeats / REPEAT_DECAY));
}

export function lawLoss(law: ScalingLaw, params: number, tokens: number): number {
  return law.E + law.A / params ** law.alpha + law.B / effectiveTokens(tokens, law.unique_tokens) ** law.beta;
}

/** Huber loss and its derivative. */
function huber(r: number): { value: number; slope: number } {
  return Math.abs(r) <= HUBER_DELTA ? { value: 0.5 * r * r, slope: r } : { value: HUBER_DELTA * (Math.abs(r) - 0.5 * HUBER_DELTA), slope: Math.sign(r) * HUBER_DELTA };
}

/**
 * The mean Huber loss of log L over the points, in theta = [e, a, alpha, b, beta] with
 * E = exp(e), A = exp(a), B = exp(b): log L^ = LSE(e, a - alpha log N, b - beta log D').
 * d/d(term i) = softmax_i, so de = w0, da = w1, dalpha = -w1 log N, db = w2, dbeta = -w2 log D'.
 */
export function huberObjective(points: readonly { logN: number; logD: number; logL: number }[]): Objective {
  return (theta) => {
    const [e, a, alpha, b, beta] = theta;
    const gradient = [0, 0, 0, 0, 0];
    let value = 0;
    // Scalar code, no arrays per point: the fit evaluates this some 10^5 times.
    for (const p of points) {
      const t1 = a - alpha * p.logN;
      const t2 = b - beta * p.logD;
      const top = Math.max(e, t1, t2);
      const w0 = Math.exp(e - top);
      const w1 = Math.exp(t1 - top);
      const w2 = Math.exp(t2 - top);
      const total = w0 + w1 + w2;
      const h = huber(top + Math.log(total) - p.logL);
      value += h.value;
      const scale = h.slope / total;
      gradient[0] += scale * w0;
      gradient[1] += scale * w1;
      gradient[2] -= scale * w1 * p.logN;
      gradient[3] += scale * w2;
      gradient[4] -= scale * w2 * p.logD;
    }
    return { value: value / points.length, gradient: gradient.map((g) => g / points.length) };
  };
}

/** The starting grid: Hoffmann et al.'s, coarsened to 432 points for losses of a few nats. */
export function startingGrid(): number[][] {
  const grid: number[][] = [];
  for (const e of [0.5, 1, 1.5]) for (const a of [0, 5, 10, 15]) for (const alpha of [0.2, 0.5, 1]) for (const b of [0, 5, 10, 15]) for (const beta of [0.2, 0.5, 1]) grid.push([e, a, alpha, b, beta]);
  return grid;
}

const toLaw = (theta: readonly number[], unique?: number): ScalingLaw => ({ E: Math.exp(theta[0]), A: Math.exp(theta[1]), alpha: theta[2], B: Math.exp(theta[3]), beta: theta[4], ...(unique ? { unique_tokens: unique } : {}) });
export const lawTheta = (law: ScalingLaw) => [Math.log(law.E), Math.log(law.A), law.alpha, Math.log(law.B), law.beta];

/** Exponents a fit may end at: loss falls with size and data, and no faster than 1/x^3 (Hoffmann et al.'s grid stops at 2.5). */
const plausible = (exponent: number) => exponent > 0 && exponent <= 3;

/**
 * Fits the law to the points from every start and keeps the lowest objective among fits with
 * plausible exponents; any fit if none has them.
 */
export function fitScalingLaw(observations: readonly ScalingObservation[], options: { uniqueTokens?: number; starts?: number[][] } = {}): FittedLaw {
  const points = observations
    .filter((o) => o.params > 0 && o.tokens > 0 && o.loss > 0 && Number.isFinite(o.loss))
    .map((o) => ({ logN: Math.log(o.params), logD: Math.log(effectiveTokens(o.tokens, options.uniqueTokens)), logL: Math.log(o.loss) }));
  if (new Set(points.map((p) => p.logN)).size < 2) throw new TooLittleDataError('a scaling-law fit needs runs of at least two model sizes with evaluations: train a sweep of two sizes or more');
  if (points.length < MIN_POINTS) throw new TooLittleDataError(`a scaling-law fit of 5 parameters needs at least ${MIN_POINTS} evaluations past the first 10% of each run, and the runs have ${points.length}: train longer or evaluate more often`);
  const objective = huberObjective(points);
  let best: { theta: number[]; value: number; monotone: boolean } | undefined;
  for (const start of options.starts ?? startingGrid()) {
    const m = minimizeBfgs(objective, start, { maxIterations: 300 });
    const monotone = plausible(m.x[2]) && plausible(m.x[4]);
    const better = !best || (monotone && !best.monotone) || (monotone === best.monotone && m.value < best.value);
    if (better && m.x.every(Number.isFinite)) best = { theta: m.x, value: m.value, monotone };
  }
  if (!best) throw new Error('the scaling-law fit did not converge from any starting point');
  return { ...toLaw(best.theta, options.uniqueTokens), objective: best.value, observations: points.length };
}
