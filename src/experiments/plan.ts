/**
 * `tltc plan`: reads a folder of sweep runs and compressed models (as `tltc demo` or `tltc sweep`
 * plus `tltc compress` leave them) and recommends the size to train for a training budget and
 * the model to ship for an inference budget, from the measured numbers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseBudget } from '../train/budget.ts';
import { defaultThreads } from '../runtime/session.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { machineInfo } from '../util/machine.ts';
import { analyzeBatchSizes, analyzeSweep, interpolate, type BatchSizeStudy, type RunCurve, type SweepAnalysis } from './analysis.ts';
import { compareAllAtEqualBytes, describeEqualBytes, paretoFront, recommend, type EqualBytesComparison, type InferenceLimits } from './pareto.ts';
import { renderReport, type ReportInput, type ReportPoint } from './report.ts';
import { readCurve, type SweepSummary } from './sweep.ts';
import { findRuns } from './run_table.ts';
import { TooLittleDataError } from './scaling_law.ts';
import { measuredSizes, scalingFindings, type ScalingFindings, type ScalingRun } from './scaling_plan.ts';
import { scalingReportSection } from './scaling_report.ts';
import { candidateSizes } from './scaling_candidates.ts';
import { readScalingRuns } from './scaling_runs.ts';

export interface PlanOptions {
  dir: string;
  trainBudget?: string;
  limits: InferenceLimits;
  /** Also write report.html (plots and tables) for the folder here. */
  report?: string;
  /** Bootstrap replicates of the scaling-law fit (default 100). */
  bootstrap?: number;
  /** Untrained sizes to plan for as well, e.g. 'L3-H192,L8-H512' (benchmarked here for their tokens/s). */
  candidates?: string;
  /** Seconds each size is benchmarked for, with `candidates` (default 5). */
  benchSeconds?: number;
  log?: (line: string) => void;
}

function findFiles(dir: string, name: string, depth = 3): string[] {
  if (depth < 0 || !existsSync(dir)) return [];
  const found: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile() && e.name === name) found.push(path.join(dir, e.name));
    else if (e.isDirectory()) found.push(...findFiles(path.join(dir, e.name), name, depth - 1));
  }
  return found;
}

/** What the sweep's runs show: their curves, the analysis of them, and any batch-size study. */
interface SweepFindings {
  curves: RunCurve[];
  analysis: SweepAnalysis;
  batchSizes: BatchSizeStudy[];
}

/** One compressed model as its compress.json records it. */
interface CompressRecord {
  accuracy: number;
  accuracy_95?: [number, number];
  predicted_classes?: number;
  baselines?: { majority: { accuracy: number }; bag_of_words: { accuracy: number; accuracy_95?: [number, number] } } | { mean: { mse: number } };
  /** 'pearson' when `accuracy` holds Pearson's r (a numeric target). */
  metric?: 'accuracy' | 'pearson';
  fp32_accuracy: number;
  bytes: number;
  latency_ms: { batch1: number; batch8: number };
  method: string;
  model?: string;
  fp32_params?: number;
  quantization?: { format?: { kind: string } };
}

export async function plan(options: PlanOptions): Promise<Record<string, unknown>> {
  const dir = path.resolve(options.dir);
  const { sweeps, compressed } = findResults(dir);
  const result: Record<string, unknown> = { dir };
  let sweep: SweepFindings | undefined;
  let points: ReportPoint[] = [];

  const scaling = await scalingSection(dir, options);
  Object.assign(result, scaling.json);
  if (sweeps.length > 0) {
    sweep = readSweep(sweeps[0]);
    result.sweep = { sizes: sweep.analysis.sizes.map(({ curve: _curve, ...s }) => s), larger_wins: sweep.analysis.larger_wins };
    if (sweep.batchSizes.length > 0) result.batch_sizes = sweep.batchSizes;
    if (options.trainBudget) result.train_recommendation = trainRecommendation(sweep.analysis, options.trainBudget);
  }

  if (compressed.length > 0) {
    const read = readCompressed(compressed);
    points = read.points;
    Object.assign(result, inferenceFindings(points, read.models, options.limits));
  }
  if (options.report) result.report = await writePlanReport(options.report, dir, result, { sweep, points, scaling: scaling.findings && (await scalingReportSection(scaling.runs, scaling.findings)) });
  return result;
}

/** The sweep.json and compress.json files under `dir`; refuses a folder that holds neither nor any training run. */
function findResults(dir: string): { sweeps: string[]; compressed: string[] } {
  if (!existsSync(dir)) throw new Error(`${dir} does not exist: point --dir at a tltc demo or sweep output folder`);
  const sweeps = findFiles(dir, 'sweep.json', 2);
  const compressed = findFiles(dir, 'compress.json', 3);
  if (sweeps.length === 0 && compressed.length === 0 && findRuns(dir).length === 0) throw new Error(`${dir} holds no training run, sweep.json or compress.json: run tltc sweep, tltc compress or tltc demo first`);
  return { sweeps, compressed };
}

/**
 * The scaling-law fit over every training run under `dir` and what it predicts (DESIGN's `fit`,
 * `best`, `crossovers`); `fit: null` with the reason when the runs cannot support a fit.
 */
async function scalingSection(dir: string, options: PlanOptions): Promise<{ json: Record<string, unknown>; runs: ScalingRun[]; findings?: ScalingFindings }> {
  if (findRuns(dir).length === 0) {
    if (options.candidates) throw new Error(`--candidates needs training runs under ${dir} to fit the law they are planned with`);
    return { json: {}, runs: [] };
  }
  const found = readScalingRuns(dir);
  const { runs, uniqueTokens } = found;
  const trained = measuredSizes(runs);
  const sizes = options.candidates ? [...trained, ...(await candidateSizes(options.candidates, found, trained, { seconds: options.benchSeconds, log: options.log }))].sort((a, b) => a.params - b.params) : trained;
  if (trained.length < 2) return { json: { fit: null, fit_reason: 'a scaling-law fit needs training runs of at least two sizes' }, runs };
  const budgetS = options.trainBudget === undefined ? undefined : secondsOf(options.trainBudget);
  try {
    const findings = scalingFindings(runs, sizes, { uniqueTokens, budgetS, replicates: options.bootstrap });
    return { json: { ...findings }, runs, findings };
  } catch (err) {
    if (err instanceof TooLittleDataError) return { json: { fit: null, fit_reason: err.message }, runs };
    throw err;
  }
}

function secondsOf(budget: string): number {
  const b = parseBudget(budget);
  if (b.kind !== 'seconds') throw new Error('--train-budget must be wall-clock (e.g. 90s, 5m or 2h): the plan compares sizes at equal time');
  return b.value;
}

/** The sweep's curves and their analysis, against the sweep file's target perplexity where it sets one. */
function readSweep(sweepFile: string): SweepFindings {
  const summary = JSON.parse(readFileSync(sweepFile, 'utf8')) as SweepSummary;
  // Run folders are stored relative to sweep.json (absolute in older files).
  const curves = summary.runs.map((r) => ({ id: r.id, model: r.model, params: r.params, seed: r.seed, batch_size: r.batch_size, rows: readCurve(path.resolve(path.dirname(sweepFile), r.dir)) }));
  const analysis = analyzeSweep(curves, summary.sweep.target_ppl);
  return { curves, analysis, batchSizes: analyzeBatchSizes(curves, analysis.target_ppl) };
}

/** The size with the lowest perplexity at the budget, read off each size's measured curve. */
function trainRecommendation(analysis: SweepAnalysis, trainBudget: string): Record<string, unknown> {
  const b = { value: secondsOf(trainBudget) };
  const at = analysis.sizes.flatMap((s) => {
    const ppl = interpolate(
      s.curve.map((p) => p.wall_s),
      s.curve.map((p) => p.ppl),
      b.value,
    );
    return ppl === undefined ? [] : [{ model: s.model, ppl }];
  });
  return at.length > 0
    ? { budget_s: b.value, model: at.reduce((x, y) => (y.ppl < x.ppl ? y : x)).model, measured: at }
    : { budget_s: b.value, model: null, reason: 'the budget is outside the measured wall-clock range of the sweep' };
}

/** The baselines a compress.json records, as report points carry them. */
function baselinesOf(c: CompressRecord): Pick<ReportPoint, 'baselines'> {
  if (!c.baselines || !('majority' in c.baselines)) return {};
  const bow = c.baselines.bag_of_words;
  return { baselines: { majority: c.baselines.majority.accuracy, bag_of_words: bow.accuracy, ...(bow.accuracy_95 ? { bag_of_words_95: bow.accuracy_95 } : {}) } };
}

/** Every compressed model as a report point (named by its folder), and the models from smallest to largest. */
function readCompressed(files: string[]): { points: ReportPoint[]; models: string[] } {
  const sizeOf = new Map<string, number>();
  const points = files.map((f) => {
    const c = JSON.parse(readFileSync(f, 'utf8')) as CompressRecord;
    const id = path.basename(path.dirname(f));
    const model = c.model ?? '?';
    sizeOf.set(model, c.fp32_params ?? 0);
    return { id, model, format: c.quantization?.format?.kind ?? id, method: c.method, accuracy: c.accuracy, ...(c.accuracy_95 ? { accuracy_95: c.accuracy_95, predicted_classes: c.predicted_classes } : {}), ...baselinesOf(c), ...(c.metric === 'pearson' ? { metric: 'pearson' as const } : {}), fp32_accuracy: c.fp32_accuracy, bytes: c.bytes, latency_ms: c.latency_ms.batch8, latency_batch1_ms: c.latency_ms.batch1 };
  });
  const models = [...sizeOf.keys()].sort((a, b) => sizeOf.get(a)! - sizeOf.get(b)!);
  return { points, models };
}

/** The plan's inference fields, in output order: equal bytes (two sizes or more), both Pareto fronts, the pick within the limits. */
function inferenceFindings(points: ReportPoint[], models: string[], limits: InferenceLimits): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  if (models.length >= 2) found.equal_bytes = compareAllAtEqualBytes(points, models);
  found.pareto_bytes = paretoFront(points, (p) => p.bytes).map((p) => p.id);
  found.pareto_latency = paretoFront(points, (p) => p.latency_ms).map((p) => p.id);
  found.inference_recommendation = recommend(points, limits) ?? { model: null, reason: 'no compressed model fits the limits' };
  return found;
}

/** report.html for the folder, its recommendation section being the plan's own; returns the written path. */
async function writePlanReport(file: string, dir: string, result: Record<string, unknown>, found: { sweep?: SweepFindings; points: ReportPoint[]; scaling?: ReportInput['scaling'] }): Promise<string> {
  const { sweep, points } = found;
  const recommendation = [result.train_recommendation, result.inference_recommendation].filter(Boolean).map((r) => JSON.stringify(r));
  if (result.equal_bytes) recommendation.push(...describeEqualBytes(result.equal_bytes as EqualBytesComparison[]).split('\n'));
  const html = await renderReport({
    title: `tltc report: ${path.basename(dir)}`,
    analysis: sweep?.analysis ?? analyzeSweep([]),
    curves: sweep?.curves ?? [],
    points,
    batchSizes: sweep?.batchSizes ?? [],
    scaling: found.scaling,
    recommendation,
    machine: machineInfo(defaultThreads()),
    generated: new Date().toISOString(),
  });
  writeFileAtomic(path.resolve(file), html);
  return path.resolve(file);
}
