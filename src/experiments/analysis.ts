/**
 * What a sweep shows: per model size, validation perplexity against wall-clock (mean and spread
 * over seeds), time to a target perplexity, a fitted loss curve L(t) = a + b t^-c, and which size
 * is best at each budget on the measured frontier.
 */
import type { MetricsRow } from '../train/trainer.ts';

export interface RunCurve {
  id: string;
  model: string;
  params: number;
  seed: number;
  batch_size: number;
  rows: MetricsRow[];
}

/** Linear interpolation of y at x on points sorted by x; undefined outside the measured range. */
export function interpolate(xs: readonly number[], ys: readonly number[], x: number): number | undefined {
  if (xs.length === 0 || x < xs[0] || x > xs[xs.length - 1]) return undefined;
  for (let i = 1; i < xs.length; i++) {
    if (x <= xs[i]) {
      const t = xs[i] === xs[i - 1] ? 1 : (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
      return ys[i - 1] + t * (ys[i] - ys[i - 1]);
    }
  }
  return ys[ys.length - 1];
}

export function meanStd(values: readonly number[]): { mean: number; std: number; n: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

/**
 * The difference of two means over seeds, and whether it exceeds 2 sqrt(sd1^2/n1 + sd2^2/n2),
 * twice the standard error of the difference; within it, the two count as no different.
 */
export function seedDifference(a: readonly number[], b: readonly number[]): { difference: number; threshold: number; differs: boolean } {
  const [x, y] = [meanStd(a), meanStd(b)];
  const threshold = 2 * Math.sqrt(x.std ** 2 / x.n + y.std ** 2 / y.n);
  const difference = x.mean - y.mean;
  return { difference, threshold, differs: Math.abs(difference) > threshold };
}

/** First wall-clock second at which the run's validation perplexity reaches `target` (interpolated), if it does. */
export function timeToTarget(rows: readonly MetricsRow[], target: number): number | undefined {
  for (let i = 0; i < rows.length; i++) {
    if (rows[i].val_ppl <= target) {
      if (i === 0) return rows[0].wall_s;
      const [a, b] = [rows[i - 1], rows[i]];
      const t = (a.val_ppl - target) / (a.val_ppl - b.val_ppl);
      return a.wall_s + t * (b.wall_s - a.wall_s);
    }
  }
  return undefined;
}

export interface PowerLawFit {
  a: number;
  b: number;
  c: number;
  r2: number;
}

/**
 * Least-squares fit of loss = a + b t^-c: for each c on a grid, a and b are a linear regression
 * on t^-c; the c with the smallest residual wins. A closed form per c keeps it robust on few points.
 */
export function fitPowerLaw(ts: readonly number[], losses: readonly number[]): PowerLawFit | undefined {
  const pts = ts.map((t, i) => [t, losses[i]] as const).filter(([t, l]) => t > 0 && Number.isFinite(l));
  if (pts.length < 3) return undefined;
  const meanL = pts.reduce((s, [, l]) => s + l, 0) / pts.length;
  const total = pts.reduce((s, [, l]) => s + (l - meanL) ** 2, 0);
  let best: PowerLawFit | undefined;
  let bestSse = Infinity;
  for (let c = 0.02; c <= 3; c += 0.01) {
    const xs = pts.map(([t]) => t ** -c);
    const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
    if (sxx === 0) continue;
    const b = xs.reduce((s, x, i) => s + (x - mx) * (pts[i][1] - meanL), 0) / sxx;
    const a = meanL - b * mx;
    if (b < 0 || a < 0) continue; // loss falls with time towards a non-negative floor
    const sse = xs.reduce((s, x, i) => s + (pts[i][1] - a - b * x) ** 2, 0);
    if (sse < bestSse) {
      bestSse = sse;
      best = { a, b, c: Number(c.toFixed(2)), r2: total > 0 ? 1 - sse / total : 1 };
    }
  }
  return best;
}

export const predictLoss = (f: PowerLawFit, t: number) => f.a + f.b * t ** -f.c;

export interface SizeSummary {
  model: string;
  params: number;
  runs: number;
  final_ppl: { mean: number; std: number };
  final_wall_s: number;
  time_to_target_s?: { mean: number; std: number; reached: number };
  fit?: PowerLawFit;
  /** Mean validation perplexity over seeds at the shared wall-clock grid (undefined where not measured by every seed). */
  curve: { wall_s: number; ppl: number; std: number }[];
}

export interface SweepAnalysis {
  target_ppl: number;
  sizes: SizeSummary[];
  /** Best size by mean measured perplexity at each budget on the grid (up to the shortest run's end). */
  frontier: { wall_s: number; model: string; ppl: number }[];
  /** Does the largest size reach the smallest's final perplexity in less wall-clock? */
  larger_wins?: { largest: string; smallest: string; target_ppl: number; largest_s?: number; smallest_s: number; answer: 'yes' | 'no' };
}

export function analyzeSweep(curves: readonly RunCurve[], targetPpl?: number, gridPoints = 24): SweepAnalysis {
  // A model trained at several batch sizes gives one series per batch size, never a mix.
  const batchesOf = new Map<string, Set<number>>();
  for (const c of curves) batchesOf.set(c.model, (batchesOf.get(c.model) ?? new Set()).add(c.batch_size));
  const seriesOf = (c: RunCurve) => (batchesOf.get(c.model)!.size > 1 ? `${c.model} b${c.batch_size}` : c.model);
  const bySize = new Map<string, RunCurve[]>();
  for (const c of curves) bySize.set(seriesOf(c), [...(bySize.get(seriesOf(c)) ?? []), c]);
  const sizes = [...bySize.values()].sort((x, y) => x[0].params - y[0].params || x[0].batch_size - y[0].batch_size);
  const finalOf = (r: RunCurve) => r.rows.at(-1)!;
  const withRows = sizes.map((runs) => runs.filter((r) => r.rows.length > 0)).filter((runs) => runs.length > 0);
  const smallest = withRows[0];
  const target = targetPpl ?? (smallest ? meanStd(smallest.map((r) => finalOf(r).val_ppl)).mean : NaN);
  // The grid ends where the shortest run ends, so every size is compared at every grid point.
  const commonWall = Math.min(...curves.filter((c) => c.rows.length > 0).map((c) => c.rows.at(-1)!.wall_s));
  const grid = Number.isFinite(commonWall) ? Array.from({ length: gridPoints }, (_, i) => (commonWall * (i + 1)) / gridPoints) : [];
  const summaries: SizeSummary[] = withRows.map((runs) => {
    const finals = runs.map((r) => finalOf(r).val_ppl);
    const times = runs.map((r) => timeToTarget(r.rows, target)).filter((t): t is number => t !== undefined);
    const curve = grid.flatMap((t) => {
      const at = runs.map((r) => interpolate(r.rows.map((x) => x.wall_s), r.rows.map((x) => x.val_ppl), t));
      if (at.some((v) => v === undefined)) return [];
      const s = meanStd(at as number[]);
      return [{ wall_s: t, ppl: s.mean, std: s.std }];
    });
    const pooled = runs.flatMap((r) => r.rows);
    return {
      model: seriesOf(runs[0]),
      params: runs[0].params,
      runs: runs.length,
      final_ppl: meanStd(finals),
      final_wall_s: meanStd(runs.map((r) => finalOf(r).wall_s)).mean,
      ...(times.length > 0 ? { time_to_target_s: { ...meanStd(times), reached: times.length } } : {}),
      fit: fitPowerLaw(
        pooled.map((r) => r.wall_s),
        pooled.map((r) => r.val_loss),
      ),
      curve,
    };
  });
  const frontier = grid.flatMap((t) => {
    const candidates = summaries.flatMap((s) => s.curve.filter((p) => p.wall_s === t).map((p) => ({ model: s.model, ppl: p.ppl })));
    if (candidates.length === 0) return [];
    const best = candidates.reduce((a, b) => (b.ppl < a.ppl ? b : a));
    return [{ wall_s: t, model: best.model, ppl: best.ppl }];
  });
  let largerWins: SweepAnalysis['larger_wins'];
  if (summaries.length >= 2) {
    const [small, large] = [summaries[0], summaries[summaries.length - 1]];
    const largeS = large.time_to_target_s && large.time_to_target_s.reached === large.runs ? large.time_to_target_s.mean : undefined;
    largerWins = { largest: large.model, smallest: small.model, target_ppl: target, largest_s: largeS, smallest_s: small.final_wall_s, answer: largeS !== undefined && largeS < small.final_wall_s ? 'yes' : 'no' };
  }
  return { target_ppl: target, sizes: summaries, frontier, ...(largerWins ? { larger_wins: largerWins } : {}) };
}

export interface BatchSizeRow {
  batch_size: number;
  runs: number;
  steps: number;
  tokens_per_s: number;
  final_ppl: { mean: number; std: number };
  /** Mean over the seeds that reached the target; `reached` counts them. */
  time_to_target_s?: { mean: number; std: number; reached: number };
}

export interface BatchSizeStudy {
  model: string;
  target_ppl: number;
  rows: BatchSizeRow[];
  /** The batch size that reached the target first (every seed reaching it). */
  fastest_batch?: number;
  /** The first batch size whose larger neighbour is no faster to the target: where larger batches stop helping. */
  stops_helping_after?: number;
}

/**
 * Per model trained at 2+ batch sizes: wall-clock to the target perplexity at each batch size,
 * and where a larger batch stops shortening it.
 */
export function analyzeBatchSizes(curves: readonly RunCurve[], targetPpl: number): BatchSizeStudy[] {
  const byModel = new Map<string, RunCurve[]>();
  for (const c of curves) if (c.rows.length > 0) byModel.set(c.model, [...(byModel.get(c.model) ?? []), c]);
  const studies: BatchSizeStudy[] = [];
  for (const [model, runs] of byModel) {
    const batches = [...new Set(runs.map((r) => r.batch_size))].sort((a, b) => a - b);
    if (batches.length < 2) continue;
    const rows = batches.map((batch_size): BatchSizeRow => {
      const at = runs.filter((r) => r.batch_size === batch_size);
      const last = at.map((r) => r.rows.at(-1)!);
      const times = at.map((r) => timeToTarget(r.rows, targetPpl)).filter((t): t is number => t !== undefined);
      const { mean, std } = meanStd(last.map((l) => l.val_ppl));
      return {
        batch_size,
        runs: at.length,
        steps: meanStd(last.map((l) => l.step)).mean,
        tokens_per_s: meanStd(last.map((l) => l.tokens / l.wall_s)).mean,
        final_ppl: { mean, std },
        ...(times.length > 0 ? { time_to_target_s: { ...meanStd(times), reached: times.length } } : {}),
      };
    });
    const timeOf = (r: BatchSizeRow) => (r.time_to_target_s && r.time_to_target_s.reached === r.runs ? r.time_to_target_s.mean : Infinity);
    const fastest = rows.reduce((a, b) => (timeOf(b) < timeOf(a) ? b : a));
    const stop = rows.findIndex((r, i) => i + 1 < rows.length && Number.isFinite(timeOf(r)) && timeOf(rows[i + 1]) >= timeOf(r));
    studies.push({
      model,
      target_ppl: targetPpl,
      rows,
      ...(Number.isFinite(timeOf(fastest)) ? { fastest_batch: fastest.batch_size } : {}),
      ...(stop >= 0 ? { stops_helping_after: rows[stop].batch_size } : {}),
    });
  }
  return studies;
}
