/**
 * What the fitted scaling law says about wall-clock budgets on this machine: each size's loss at
 * a budget (its tokens/s times the budget, through the law), the best size, and the budget at
 * which a larger size overtakes a smaller one; intervals from refitting on runs resampled with
 * replacement within each size, and the error of a fit on the first half of every run when it
 * predicts the second half.
 *
 * The fit uses every evaluation of every run after the first 10% of its tokens (warm-up and the
 * unigram phase are not on the power law). Those points come from runs whose learning rate
 * decays towards the end of their own budget, so a mid-run point lies above what a run of that
 * length would reach: the predicted losses of longer budgets are, if anything, pessimistic.
 */
import { Random } from '../util/random.ts';
import { fitScalingLaw, lawLoss, lawTheta, startingGrid, REPEAT_DECAY, TooLittleDataError, type FittedLaw, type ScalingLaw, type ScalingObservation } from './scaling_law.ts';

/** One run's evaluations, with the non-embedding parameters of its model. */
export interface ScalingRun {
  id: string;
  model: string;
  params: number;
  rows: readonly { tokens: number; wall_s: number; val_loss: number }[];
}

/** A size the planner compares: its non-embedding parameters and training tokens per second here. */
export interface PlannedSize {
  model: string;
  params: number;
  tokens_per_s: number;
  /** 'runs': measured by the sweep's own runs; 'bench': a short tltc bench, scaled to the runs. */
  throughput_from: 'runs' | 'bench';
}

/** A 95% interval; an end beyond the horizon (an unbounded bootstrap tail) is null. */
export type Interval = [number | null, number | null];

export interface Crossover {
  smaller: string;
  larger: string;
  /** The budget from which the larger size is predicted to reach a lower loss; null if never within the horizon. */
  time_s: number | null;
  /** 95% bootstrap interval; an upper end of null means beyond the horizon. */
  interval: Interval;
  note?: string;
}

/** Budgets from one second to about three years: the range crossovers are searched in. */
export const HORIZON_S: [number, number] = [1, 1e8];
const SKIP_FRACTION = 0.1;

/** The runs' evaluations as fit points, from `from` to `to` of each run's final tokens. */
export function observationsOf(runs: readonly ScalingRun[], from = SKIP_FRACTION, to = 1): ScalingObservation[] {
  return runs.flatMap((r) => {
    const last = r.rows.at(-1)?.tokens ?? 0;
    return r.rows.filter((x) => x.tokens >= from * last && x.tokens <= to * last).map((x) => ({ run: r.id, params: r.params, tokens: x.tokens, loss: x.val_loss }));
  });
}

/** Each size's median training tokens per second over its runs (tokens over the seconds the budget counts). */
export function measuredSizes(runs: readonly ScalingRun[]): PlannedSize[] {
  const byModel = new Map<string, ScalingRun[]>();
  for (const r of runs) if (r.rows.length > 0) byModel.set(r.model, [...(byModel.get(r.model) ?? []), r]);
  return [...byModel.values()]
    .map((group) => {
      const rates = group.map((r) => r.rows.at(-1)!.tokens / r.rows.at(-1)!.wall_s).sort((a, b) => a - b);
      return { model: group[0].model, params: group[0].params, tokens_per_s: rates[Math.floor(rates.length / 2)], throughput_from: 'runs' as const };
    })
    .sort((a, b) => a.params - b.params);
}

export const lossAtBudget = (law: ScalingLaw, size: PlannedSize, seconds: number) => lawLoss(law, size.params, size.tokens_per_s * seconds);

/** A lead smaller than this (in nats: 0.1% perplexity) is no lead: two sizes whose curves merge do not cross. */
const MATERIAL_NATS = 1e-3;

/**
 * The smallest budget in the horizon from which `larger` is predicted below `smaller`: a scan on
 * a log grid for the first sign change, refined by bisection. 1 s when the larger is better from
 * the start; null when it never overtakes, or never leads by a material margin afterwards.
 */
export function crossoverTime(law: ScalingLaw, smaller: PlannedSize, larger: PlannedSize): number | null {
  const gap = (t: number) => lossAtBudget(law, larger, t) - lossAtBudget(law, smaller, t);
  const [lo, hi] = HORIZON_S.map(Math.log);
  const grid = Array.from({ length: 401 }, (_, i) => lo + ((hi - lo) * i) / 400);
  const first = grid.findIndex((x) => gap(Math.exp(x)) < 0);
  if (first < 0 || !grid.slice(first).some((x) => gap(Math.exp(x)) < -MATERIAL_NATS)) return null;
  if (first === 0) return HORIZON_S[0];
  let [a, b] = [grid[first - 1], grid[first]];
  for (let k = 0; k < 60; k++) {
    const mid = (a + b) / 2;
    if (gap(Math.exp(mid)) < 0) b = mid;
    else a = mid;
  }
  return Math.exp(b);
}

/** Percentile of sorted values (linear interpolation); Infinity stays Infinity. */
function percentile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const [i, j] = [Math.floor(at), Math.ceil(at)];
  return sorted[i] === sorted[j] ? sorted[i] : sorted[i] + (sorted[j] - sorted[i]) * (at - i);
}

export function interval95(values: readonly number[]): Interval {
  const sorted = [...values].sort((a, b) => a - b);
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return [finite(percentile(sorted, 0.025)), finite(percentile(sorted, 0.975))];
}

/** Resamples runs with replacement within each size, so every size stays in the fit. */
function resampleRuns(groups: readonly ScalingRun[][], rng: Random, b: number): ScalingRun[] {
  return groups.flatMap((g) => g.map((_, k) => ({ ...g[rng.int(g.length)], id: `${b}:${g[0].model}:${k}` })));
}

/** Resamples each run's evaluations with replacement (for sizes trained once, where runs cannot be resampled). */
function resampleEvaluations(runs: readonly ScalingRun[], rng: Random): ScalingRun[] {
  return runs.map((r) => {
    const kept = observationsOf([r]).length;
    const late = r.rows.slice(r.rows.length - kept);
    return { ...r, rows: [...r.rows.slice(0, r.rows.length - kept), ...late.map(() => late[rng.int(late.length)]).sort((x, y) => x.tokens - y.tokens)] };
  });
}

/**
 * Laws refitted on `replicates` resamples: of the runs within each size when every size has two
 * runs or more (seeds are the honest unit of noise), else of the evaluations within each run.
 * Each refit starts from the full fit and a few grid points.
 */
export function bootstrapLaws(runs: readonly ScalingRun[], full: FittedLaw, replicates = 100, seed = 0): { laws: ScalingLaw[]; over: 'runs' | 'evaluations' } {
  const rng = new Random(seed, 0x5ca1e);
  const groups = [...new Set(runs.map((r) => r.model))].map((model) => runs.filter((r) => r.model === model));
  const over = groups.every((g) => g.length >= 2) ? 'runs' : 'evaluations';
  const grid = startingGrid();
  const starts = [lawTheta(full), ...[0, 107, 215, 323, 431].map((i) => grid[i])];
  const laws: ScalingLaw[] = [];
  for (let b = 0; b < replicates; b++) {
    const sample = over === 'runs' ? resampleRuns(groups, rng, b) : resampleEvaluations(runs, rng);
    laws.push(fitScalingLaw(observationsOf(sample), { uniqueTokens: full.unique_tokens, starts }));
  }
  return { laws, over };
}

export interface HeldOutError {
  mean_abs_pct: number;
  max_abs_pct: number;
  points: number;
  fit_on: string;
}

/** How far a fit on the first half of each run's tokens misses the second half, in perplexity; null when the first halves hold fewer than two sizes' evaluations. */
export function heldOutError(runs: readonly ScalingRun[], uniqueTokens?: number): HeldOutError | null {
  let law: ScalingLaw;
  try {
    law = fitScalingLaw(observationsOf(runs, SKIP_FRACTION, 0.5), { uniqueTokens });
  } catch (err) {
    if (err instanceof TooLittleDataError) return null;
    throw err;
  }
  const later = runs.flatMap((r) => observationsOf([r], 0.5 + 1e-9, 1));
  const errors = later.map((o) => Math.abs(Math.exp(lawLoss(law, o.params, o.tokens) - o.loss) - 1) * 100);
  return {
    mean_abs_pct: errors.reduce((s, e) => s + e, 0) / Math.max(1, errors.length),
    max_abs_pct: Math.max(0, ...errors),
    points: errors.length,
    fit_on: 'evaluations from 10% to 50% of each run; predicted: the rest',
  };
}

export interface SizePrediction {
  size: string;
  predicted_ppl: number;
  interval: Interval;
}

/** How much lower the largest size's perplexity is than the smallest's at equal tokens, by the law's size term: the paper's premise, measured. */
export interface SizeEffect {
  smaller: string;
  larger: string;
  ppl_lower_pct: number;
  interval: Interval;
}

function sizeEffect(full: ScalingLaw, laws: readonly ScalingLaw[], sizes: readonly PlannedSize[]): SizeEffect {
  const [smaller, larger] = [sizes[0], sizes[sizes.length - 1]];
  const lower = (l: ScalingLaw) => 100 * (1 - Math.exp(l.A / larger.params ** l.alpha - l.A / smaller.params ** l.alpha));
  return { smaller: smaller.model, larger: larger.model, ppl_lower_pct: lower(full), interval: interval95(laws.map(lower)) };
}

export interface ScalingFindings {
  fit: Omit<FittedLaw, 'unique_tokens'> & {
    unique_tokens: number | null;
    repeat_decay: number;
    intervals: Record<'E' | 'A' | 'alpha' | 'B' | 'beta', Interval>;
    held_out_error: HeldOutError | null;
    size_effect: SizeEffect;
    bootstrap_replicates: number;
    /** What the bootstrap resampled: whole runs within each size, or (sizes trained once) evaluations within each run. */
    bootstrap_over: 'runs' | 'evaluations';
  };
  sizes: PlannedSize[];
  /** The best size at the training budget, when one is given, with every size's prediction there. */
  best?: SizePrediction & { budget_s: number; probability: number; by_size: SizePrediction[] };
  /** From which budget the planner would recommend a larger size than the best at the training budget; null if none within the horizon. */
  next_size_up?: { size: string; budget_s: number; interval: Interval } | null;
  crossovers: Crossover[];
}

/** The fit, its intervals and held-out error, and what it predicts for `sizes` (the best at `budgetS`, every pairwise crossover). */
export function scalingFindings(runs: readonly ScalingRun[], sizes: readonly PlannedSize[], options: { uniqueTokens?: number; budgetS?: number; replicates?: number } = {}): ScalingFindings {
  const full = fitScalingLaw(observationsOf(runs), { uniqueTokens: options.uniqueTokens });
  const { laws, over } = bootstrapLaws(runs, full, options.replicates ?? 100);
  const across = (f: (law: ScalingLaw) => number) => interval95(laws.map(f));
  const { unique_tokens, ...law } = full;
  const fit = {
    ...law,
    unique_tokens: unique_tokens ?? null,
    repeat_decay: REPEAT_DECAY,
    intervals: { E: across((l) => l.E), A: across((l) => l.A), alpha: across((l) => l.alpha), B: across((l) => l.B), beta: across((l) => l.beta) },
    held_out_error: heldOutError(runs, options.uniqueTokens),
    size_effect: sizeEffect(full, laws, sizes),
    bootstrap_replicates: laws.length,
    bootstrap_over: over,
  };
  const findings: ScalingFindings = { fit, sizes: [...sizes], crossovers: crossoversOf(full, laws, sizes) };
  if (options.budgetS !== undefined) {
    findings.best = bestAt(full, laws, sizes, options.budgetS);
    const change = recommendationChange(full, sizes, options.budgetS);
    findings.next_size_up = change && { ...change, interval: interval95(laws.map((l) => recommendationChange(l, sizes, options.budgetS!)?.budget_s ?? Infinity)) };
  }
  return findings;
}

const bestSize = (law: ScalingLaw, sizes: readonly PlannedSize[], t: number) => sizes.reduce((a, b) => (lossAtBudget(law, b, t) < lossAtBudget(law, a, t) ? b : a));

/**
 * The first budget above `fromS` at which the best size is larger than the best at `fromS` (a
 * log-grid scan refined by bisection); null when no larger size ever leads that one by a
 * material margin within the horizon, the rule crossoverTime applies, so curves that merge
 * towards the same floor recommend nothing.
 */
export function recommendationChange(law: ScalingLaw, sizes: readonly PlannedSize[], fromS: number): { size: string; budget_s: number } | null {
  const incumbent = bestSize(law, sizes, fromS);
  const larger = (x: number) => bestSize(law, sizes, Math.exp(x)).params > incumbent.params;
  const lead = (x: number) => lossAtBudget(law, incumbent, Math.exp(x)) - lossAtBudget(law, bestSize(law, sizes, Math.exp(x)), Math.exp(x));
  const [lo, hi] = [Math.log(fromS), Math.log(HORIZON_S[1])];
  const grid = Array.from({ length: 401 }, (_, i) => lo + ((hi - lo) * i) / 400);
  const first = grid.findIndex(larger);
  if (first <= 0 || !grid.slice(first).some((x) => larger(x) && lead(x) > MATERIAL_NATS)) return null;
  let [a, b] = [grid[first - 1], grid[first]];
  for (let k = 0; k < 60; k++) {
    const mid = (a + b) / 2;
    if (larger(mid)) b = mid;
    else a = mid;
  }
  return { size: bestSize(law, sizes, Math.exp(b)).model, budget_s: Math.exp(b) };
}

function bestAt(full: ScalingLaw, laws: readonly ScalingLaw[], sizes: readonly PlannedSize[], budgetS: number): NonNullable<ScalingFindings['best']> {
  const ppl = (law: ScalingLaw, s: PlannedSize) => Math.exp(lossAtBudget(law, s, budgetS));
  const bySize = sizes.map((s) => ({ size: s.model, predicted_ppl: ppl(full, s), interval: interval95(laws.map((l) => ppl(l, s))) }));
  const best = bySize.reduce((a, b) => (b.predicted_ppl < a.predicted_ppl ? b : a));
  const winnerOf = (law: ScalingLaw) => sizes.reduce((a, b) => (ppl(law, b) < ppl(law, a) ? b : a)).model;
  const probability = laws.filter((l) => winnerOf(l) === best.size).length / Math.max(1, laws.length);
  return { ...best, budget_s: budgetS, probability, by_size: bySize };
}

function crossoversOf(full: ScalingLaw, laws: readonly ScalingLaw[], sizes: readonly PlannedSize[]): Crossover[] {
  const pairs = sizes.flatMap((smaller, i) => sizes.slice(i + 1).map((larger) => [smaller, larger] as const));
  return pairs.map(([smaller, larger]) => {
    const time = crossoverTime(full, smaller, larger);
    const interval = interval95(laws.map((l) => crossoverTime(l, smaller, larger) ?? Infinity));
    const note =
      time === null ? `the larger is not predicted to lead by 0.1% perplexity or more within ${HORIZON_S[1]} s` : time === HORIZON_S[0] ? 'the larger is predicted better at every budget' : undefined;
    return { smaller: smaller.model, larger: larger.model, time_s: time, interval, ...(note ? { note } : {}) };
  });
}
