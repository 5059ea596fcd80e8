/**
 * `tltc report --markdown LONG_RUNS --prediction PLAN.json`: a pre-registered crossover tested.
 * The long runs are budgeted in tokens at the plan's tokens/s (crossover-long.sh with PLAN_JSON),
 * so each evaluation's tokens become plan-seconds, tokens / the size's planned tokens/s: the
 * prediction's own clock. Runs that shared the machine or resumed on another CPU are then
 * compared on the clock the prediction used, not on their own inflated wall-clock.
 */
import { existsSync, readFileSync } from 'node:fs';
import { interpolate, meanStd } from './analysis.ts';
import { fixed, markdownGrid } from './run_table.ts';
import { lawLoss, type ScalingLaw } from './scaling_law.ts';
import type { PlannedSize, ScalingRun } from './scaling_plan.ts';
import { readScalingRuns } from './scaling_runs.ts';

interface SizeAtBudget {
  size: string;
  predicted_ppl: number;
  interval: [number, number];
}

/** The parts of `tltc plan --json` the test reads. */
export interface CrossoverPrediction {
  fit: ScalingLaw;
  sizes: PlannedSize[];
  best: { budget_s: number; by_size: SizeAtBudget[] };
}

interface SizeCurves {
  size: PlannedSize;
  /** Per run: plan-seconds and validation perplexity of each evaluation. */
  curves: { seconds: number[]; ppl: number[] }[];
}

function readPrediction(file: string): CrossoverPrediction {
  if (!existsSync(file)) throw new Error(`--prediction ${file} does not exist: pass the tltc plan --json output the long runs were budgeted from`);
  let plan: Partial<CrossoverPrediction>;
  try {
    plan = JSON.parse(readFileSync(file, 'utf8')) as Partial<CrossoverPrediction>;
  } catch {
    throw new Error(`--prediction ${file} is not JSON: pass the tltc plan --json output the long runs were budgeted from`);
  }
  if (!plan.fit || !plan.sizes || !plan.best?.by_size) throw new Error(`${file} is not a tltc plan --json output with --train-budget: it needs fit, sizes and best`);
  return plan as CrossoverPrediction;
}

function curvesBySize(runs: readonly ScalingRun[], prediction: CrossoverPrediction, file: string): SizeCurves[] {
  const models = [...new Set(runs.map((r) => r.model))];
  return models.map((model) => {
    const size = prediction.sizes.find((s) => s.model === model);
    if (!size) throw new Error(`${file} predicts no ${model}: pass the plan the long runs were budgeted from`);
    const curves = runs.filter((r) => r.model === model).map((r) => ({ seconds: r.rows.map((x) => x.tokens / size.tokens_per_s), ppl: r.rows.map((x) => Math.exp(x.val_loss)) }));
    return { size, curves };
  });
}

/** The seed mean at plan-second t over the runs that reach t (undefined when none does). */
function meanAt(c: SizeCurves, t: number): { mean: number; n: number } | undefined {
  const at = c.curves.map((r) => interpolate(r.seconds, r.ppl, t)).filter((v): v is number => v !== undefined);
  return at.length === 0 ? undefined : meanStd(at);
}

const predictedPpl = (law: ScalingLaw, size: PlannedSize, t: number) => Math.exp(lawLoss(law, size.params, size.tokens_per_s * t));

function curveTable(sizes: readonly SizeCurves[], prediction: CrossoverPrediction): string {
  const minutes = Math.round(prediction.best.budget_s / 60);
  const grid = [5, ...Array.from({ length: Math.floor(minutes / 10) }, (_, i) => 10 * (i + 1))].filter((m) => m <= minutes);
  const head = ['plan minutes', ...sizes.flatMap((s) => [`${s.size.model} measured`, `${s.size.model} predicted`]), 'lower'];
  const rows = grid.map((m) => {
    const at = sizes.map((s) => meanAt(s, m * 60));
    const cells = sizes.flatMap((s, i) => [at[i] ? `${fixed(at[i].mean, 1)} (${at[i].n})` : '-', fixed(predictedPpl(prediction.fit, s.size, m * 60), 1)]);
    const measured = at.map((a, i) => ({ model: sizes[i].size.model, ppl: a?.mean })).filter((a): a is { model: string; ppl: number } => a.ppl !== undefined);
    const lower = measured.length === sizes.length ? measured.reduce((a, b) => (b.ppl < a.ppl ? b : a)).model : '-';
    return [String(m), ...cells, lower];
  });
  return markdownGrid(head, rows);
}

/**
 * Where each larger size leads the smallest: the first of its evaluations at which its seed mean
 * is below the smallest size's at the same plan-second (the pre-registered test), and the
 * evaluation from which it stays below to the end (a lead that lasts, not one noisy point).
 */
function leads(sizes: readonly SizeCurves[]): string {
  const [smaller, ...larger] = sizes;
  const lines = larger.map((l) => {
    const below = (l.curves[0]?.seconds ?? []).flatMap((s) => {
      const [a, b] = [meanAt(l, s), meanAt(smaller, s)];
      return a !== undefined && b !== undefined ? [{ s, below: a.mean < b.mean }] : [];
    });
    const first = below.find((x) => x.below);
    if (!first) return `${l.size.model} never below ${smaller.size.model} at any of its evaluations`;
    const lastAbove = below.map((x) => x.below).lastIndexOf(false);
    const lasting = lastAbove === below.length - 1 ? 'not below at its last evaluation' : `below at every evaluation from ${fixed(below[lastAbove + 1].s / 60, 1)} on`;
    return `${l.size.model} first below ${smaller.size.model} at ${fixed(first.s / 60, 1)} plan minutes, ${lasting}`;
  });
  return lines.length > 0 ? ` ${lines.join('; ')}.` : '';
}

function finalTable(sizes: readonly SizeCurves[], prediction: CrossoverPrediction): string {
  const rows = sizes.map((s) => {
    const finals = meanStd(s.curves.map((c) => c.ppl.at(-1)!));
    const p = prediction.best.by_size.find((b) => b.size === s.size.model);
    const inside = p ? (finals.mean >= p.interval[0] && finals.mean <= p.interval[1] ? 'inside' : 'outside') : '-';
    const spread = finals.n > 1 ? ` ± ${fixed(finals.std, 1)}` : '';
    const reached = fixed(Math.min(...s.curves.map((c) => c.seconds.at(-1)!)) / 60, 1);
    return [s.size.model, String(finals.n), reached, `${fixed(finals.mean, 1)}${spread}`, p ? `${fixed(p.predicted_ppl, 1)} (${fixed(p.interval[0], 1)}-${fixed(p.interval[1], 1)})` : '-', inside];
  });
  const head = ['size', 'seeds', 'plan minutes reached', 'final val ppl', 'predicted at the budget (95%)', 'measured mean'];
  return markdownGrid(head, rows);
}

export function crossoverOutcome(root: string, predictionFile: string): string {
  if (!existsSync(root)) throw new Error(`${root} does not exist: pass the folder of the long runs (crossover-long.sh's OUT_DIR)`);
  const prediction = readPrediction(predictionFile);
  const sizes = curvesBySize(readScalingRuns(root).runs, prediction, predictionFile);
  sizes.sort((a, b) => a.size.params - b.size.params);
  const note = `\n\nPlan minutes: each evaluation's training tokens divided by its size's tokens/s in the plan (${sizes.map((s) => `${s.size.model} ${fixed(s.size.tokens_per_s, 0)}`).join(', ')}), the prediction's own conversion. Measured: the seed mean of validation perplexity interpolated between evaluations (runs reaching that time); predicted: the plan's fitted law.${leads(sizes)}`;
  return `${curveTable(sizes, prediction)}\n\n${finalTable(sizes, prediction)}${note}`;
}
